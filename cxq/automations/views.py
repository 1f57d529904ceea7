from __future__ import annotations

import contextlib
import json
import uuid as uuid_module

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.accounts.forms import apply_service_errors
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import user_scope
from cxq.automations import selectors, services
from cxq.automations.forms import RuleForm, TestForm
from cxq.evaluations.automated import linked_scorecards
from cxq.interactions import conditions
from cxq.interactions.selectors import interaction_scope
from cxq.lib import jsonlimit
from cxq.scorecards.selectors import usable_scorecards


def _apply(form, exc: ValidationError) -> None:
    """Service errors next to their fields; a bad part of the condition under the condition, with its path."""
    if hasattr(exc, "error_dict"):
        fixed: dict[str, list[str]] = {}
        for key, errors in exc.error_dict.items():
            messages_ = [m for e in errors for m in e.messages]
            if key.startswith("condition."):
                fixed.setdefault("condition", []).extend(f"{key[len('condition.') :]}: {m}" for m in messages_)
            else:
                fixed.setdefault(key, []).extend(messages_)
        exc = ValidationError(fixed)
    apply_service_errors(form, exc)


@perm_required("automations.view")
def rule_list(request):
    rules = selectors.rule_list(viewer=request.user)
    context = {"rules": rules, "can_edit": has_perm(request.user, "automations.edit"), "test_form": TestForm()}
    return render(request, "automations/list.html", context)


def _form(request, rule=None):
    people = user_scope(viewer=request.user).filter(is_active=True).select_related("role").order_by("full_name")
    people = [u for u in people if u.can("evaluations.create")]
    initial = {"condition": json.dumps(conditions.EVERYTHING), "due_days": 3, "enabled": True}
    if rule is not None:
        initial = {
            "name": rule.name,
            "condition": json.dumps(rule.condition),
            "action": rule.action,
            "scorecard": str(rule.scorecard.uuid),
            "pool": [str(u.uuid) for u in rule.pool.all()],
            "distribution": rule.distribution,
            "due_days": rule.due_days,
            "enabled": rule.enabled,
        }
    return RuleForm(request.POST or None, initial=initial, scorecards=usable_scorecards(), people=people)


def _builder_context(request, form, rule=None) -> dict:
    # the builder shows the condition sent (even a refused one, to correct it), else the card's
    sent = form.data.get("condition") if form.is_bound else None
    saved = rule.condition if rule is not None else None
    return {
        "form": form,
        "rule": rule,
        "condition_builder": conditions.builder(viewer=request.user, shown=sent, saved=saved),
        "automated_cards": [str(s.uuid) for s in linked_scorecards()],
    }


@perm_required("automations.edit")
def rule_new(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(by=request.user, **form.values())
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"Card “{rule.name}” added last: drag it up to give it priority.")
            return redirect("automations:list")
    status = 400 if form.errors else 200
    return render(request, "automations/form.html", _builder_context(request, form), status=status)


@perm_required("automations.edit")
def rule_edit(request, uuid):
    rule = selectors.rule_get(viewer=request.user, uuid=uuid)
    form = _form(request, rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(by=request.user, rule=rule, **form.values())
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"Card “{form.cleaned_data['name']}” saved.")
            return redirect("automations:list")
    status = 400 if form.errors else 200
    return render(request, "automations/form.html", _builder_context(request, form, rule), status=status)


def _card_action(service, success: str):
    @require_POST
    @perm_required("automations.edit")
    def view(request, uuid):
        rule = selectors.rule_get(viewer=request.user, uuid=uuid)
        try:
            service(request.user, rule)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, success.format(name=rule.name))
        return redirect("automations:list")

    return view


rule_duplicate = _card_action(
    lambda by, rule: services.rule_duplicate(by=by, rule=rule), "Copied “{name}”: the copy is switched off."
)
rule_delete = _card_action(lambda by, rule: services.rule_delete(by=by, rule=rule), "Card “{name}” deleted.")
rule_toggle = _card_action(
    lambda by, rule: services.rule_update(by=by, rule=rule, enabled=not rule.enabled), "Card “{name}” switched."
)


@require_POST
@perm_required("automations.edit")
def rule_move(request, uuid):
    """The keyboard way to reorder: one step up or down."""
    rule = selectors.rule_get(viewer=request.user, uuid=uuid)
    order = [r.uuid for r in selectors.rule_list(viewer=request.user)]
    i = order.index(rule.uuid)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        services.rules_reorder(by=request.user, order=order)
    return redirect(reverse("automations:list") + f"#card-{rule.uuid}")


@require_POST
@perm_required("automations.edit")
def rules_reorder(request):
    """Drag and drop: the whole new order, saved at once (JSON ``{"order": [ids]}``)."""
    try:
        data = jsonlimit.loads(request.body or b"{}")
        order = data.get("order") if isinstance(data, dict) else None
        if not isinstance(order, list) or not all(isinstance(u, str) for u in order):
            raise ValidationError({"order": "Send the cards' ids in their new order."})
        rules = services.rules_reorder(by=request.user, order=order)
    except (ValueError, jsonlimit.TooDeep):
        return JsonResponse({"detail": "The request body is not valid JSON."}, status=400)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse({"order": [str(r.uuid) for r in rules]})


@perm_required("automations.view")
def rules_test(request):
    """Test the cards on one interaction: each card, condition by condition, and the one that fires."""
    form = TestForm(request.GET or None)
    interaction = None
    verdicts = []
    if form.is_bound and form.is_valid():
        key = form.cleaned_data["interaction"].strip()
        scope = interaction_scope(viewer=request.user)
        match = Q(external_id=key)
        with contextlib.suppress(ValueError):  # not a public id: an external id only
            match |= Q(uuid=uuid_module.UUID(key))
        interaction = scope.filter(match).first()
        if interaction is None:
            form.add_error("interaction", "No interaction you can see has this id or external id.")
        else:
            verdicts = selectors.explain(viewer=request.user, interaction=interaction)
    fired = next((v for v in verdicts if v.fires), None)
    context = {"form": form, "interaction": interaction, "verdicts": verdicts, "fired": fired}
    return render(request, "automations/test.html", context, status=400 if form.errors else 200)
