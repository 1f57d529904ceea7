"""What the evaluations app shows on other apps' pages (the interaction page, the interactions list).

Those pages load these tags instead of their views importing evaluations: the interactions app sits
below evaluations in the app layers (docs/architecture.md, "Layers")."""

from __future__ import annotations

from django import template

from cxq.accounts.permissions import has_perm
from cxq.evaluations import policies
from cxq.evaluations.selectors import evaluation_scope
from cxq.evaluations.sources import sources_where
from cxq.scorecards.selectors import usable_scorecards

register = template.Library()


@register.simple_tag(takes_context=True)
def interaction_evaluations(context, interaction) -> list:
    """The interaction's Performance tab; calibration evaluations are shown in their session instead."""
    return list(
        evaluation_scope(viewer=context["request"].user)
        .filter(interaction=interaction)
        .exclude(source__in=sources_where("listed", False))
        .select_related("evaluator", "agent", "scorecard")
        .order_by("-created_at")
    )


@register.simple_tag(takes_context=True)
def may_evaluate(context, interaction) -> bool:
    return policies.may_evaluate(context["request"].user, interaction)


@register.simple_tag(takes_context=True)
def bulk_assign_choices(context) -> dict | None:
    """Choices for assigning ticked interactions from the list (evaluations.assign only)."""
    user = context["request"].user
    if not has_perm(user, "evaluations.assign"):
        return None
    return {"scorecards": list(usable_scorecards()), "assignees": policies.possible_assignees(user)}
