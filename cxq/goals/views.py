from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cxq.accounts.decorators import perm_required
from cxq.goals import policies, selectors, services
from cxq.goals.forms import GoalForm
from cxq.interactions import conditions
from cxq.scorecards.selectors import usable_scorecards


def _form_page(request, form: GoalForm, goal=None):
    # the builder shows the condition sent (even a refused one, to correct it), else the goal's
    sent = request.POST.get("condition") if request.method == "POST" else None
    saved = goal.condition if goal is not None else None
    context = {
        "form": form,
        "goal": goal,
        "condition_builder": conditions.builder(viewer=request.user, shown=sent, saved=saved),
    }
    return render(request, "goals/form.html", context, status=400 if form.errors else 200)


def _form(request, goal=None) -> GoalForm:
    initial = None
    if goal is not None:
        initial = {
            "name": goal.name,
            "scorecard": str(goal.scorecard.uuid),
            "evaluators": [str(u.uuid) for u in goal.evaluators.all()],
            "target": goal.target,
            "target_per": goal.target_per,
            "recurrence": goal.recurrence,
            "starts_on": goal.starts_on,
            "ends_on": goal.ends_on,
            "recent_days": goal.recent_days,
            "condition": json.dumps(goal.condition),
            "is_active": goal.is_active,
        }
    return GoalForm(
        request.POST or None,
        initial=initial,
        scorecards=usable_scorecards().order_by("name"),
        evaluators=policies.possible_evaluators(request.user),
    )


def _save(request, form: GoalForm, goal=None):
    try:
        if goal is None:
            goal = services.goal_create(by=request.user, data=form.goal_input())
        else:
            goal = services.goal_update(
                by=request.user, goal=goal, data=form.goal_input(), is_active=form.cleaned_data["is_active"]
            )
    except ValidationError as exc:
        for field, problems in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None
    return goal


@perm_required("goals.view")
def goal_list(request):
    goals = list(selectors.goal_list(viewer=request.user))
    return render(request, "goals/list.html", {"goals": goals, "can_edit": policies.may_edit(request.user)})


@perm_required("goals.edit")
def goal_new(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        goal = _save(request, form)
        if goal is not None:
            messages.success(request, f"Goal “{goal.name}” created. Its first tasks are drawn within 15 minutes.")
            return redirect("goals:detail", uuid=goal.uuid)
    return _form_page(request, form)


@perm_required("goals.edit")
def goal_edit(request, uuid):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    form = _form(request, goal)
    if request.method == "POST" and form.is_valid() and _save(request, form, goal) is not None:
        messages.success(request, "Goal saved. The change applies from the next period.")
        return redirect("goals:detail", uuid=goal.uuid)
    return _form_page(request, form, goal)


@perm_required("goals.view")
def goal_detail(request, uuid):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    periods = selectors.goal_periods(goal)
    progress = selectors.period_progress(periods[0]) if periods else None
    context = {
        "goal": goal,
        "periods": periods,
        "progress": progress,
        "evaluators": list(goal.evaluators.order_by("full_name")),
        "rules": conditions.describe(goal.condition),
        "can_edit": policies.may_edit(request.user),
    }
    return render(request, "goals/detail.html", context)


@require_POST
@perm_required("goals.edit")
def goal_generate(request, uuid):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    before = goal.periods.count()
    period = services.period_generate(goal=goal)
    if period is None:
        messages.warning(request, "Nothing to draw: the goal is paused or today is outside its dates.")
    elif goal.periods.count() > before:
        messages.success(request, f"Drew {period.drawn} task{'s' if period.drawn != 1 else ''} for this period.")
    else:
        messages.info(request, "This period was already drawn: nothing new.")
    return redirect("goals:detail", uuid=goal.uuid)
