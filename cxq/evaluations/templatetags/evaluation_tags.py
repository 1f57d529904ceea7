"""What the evaluations app shows on other apps' pages (the interaction page, the interactions list).

Those pages load these tags instead of their views importing evaluations: the interactions app sits
below evaluations in the app layers (docs/architecture.md, "Layers")."""

from __future__ import annotations

from django import template

from cxq.accounts.permissions import has_perm
from cxq.evaluations import automated, policies
from cxq.evaluations.selectors import evaluation_scope, latest_scores
from cxq.evaluations.sources import sources_where
from cxq.scorecards.selectors import usable_scorecards

register = template.Library()


@register.simple_tag(takes_context=True)
def interaction_evaluations(context, interaction) -> list:
    """The interaction's Performance tab; calibration evaluations are shown in their session instead.
    Each says whether the viewer may delete it (automated evaluations)."""
    user = context["request"].user
    evaluations = list(
        evaluation_scope(viewer=user)
        .filter(interaction=interaction)
        .exclude(source__in=sources_where("listed", False))
        .select_related("evaluator", "agent", "scorecard")
        .order_by("-created_at")
    )
    for evaluation in evaluations:
        evaluation.can_delete = policies.may_delete(user, evaluation)
    return evaluations


@register.simple_tag(takes_context=True)
def automated_run_choices(context, interaction) -> list | None:
    """The scorecards an automated evaluation of this interaction can use, when the viewer may run one."""
    if automated.run_refusal(context["request"].user, interaction):
        return None
    return list(automated.linked_scorecards())


@register.simple_tag(takes_context=True)
def may_evaluate(context, interaction) -> bool:
    return policies.may_evaluate(context["request"].user, interaction)


@register.simple_tag(takes_context=True)
def bulk_assign_choices(context) -> dict | None:
    """Choices for assigning ticked interactions from the list (evaluations.assign only): the scorecards; the
    evaluator is picked by autocomplete (docs/interactions.md#pickers)."""
    user = context["request"].user
    if not has_perm(user, "evaluations.assign"):
        return None
    return {"scorecards": list(usable_scorecards())}


@register.simple_tag(takes_context=True)
def attach_scores(context, rows) -> str:
    """The interactions list's score column: sets ``row.evaluation`` to the newest submitted evaluation of
    each row the viewer may see (None when not evaluated), in one query for the page."""
    latest = latest_scores(viewer=context["request"].user, interaction_ids=[row.pk for row in rows])
    for row in rows:
        row.evaluation = latest.get(row.pk)
    return ""
