"""Coaching panels other pages include without importing this app (docs/coaching.md#where-it-shows):
the evaluation page's sessions about it, the dashboard's to-dos and a person's coaching history."""

from __future__ import annotations

from django import template

from cxq.coaching import policies, selectors
from cxq.evaluations.models import Dispute

register = template.Library()

HISTORY_ROWS = 20


@register.inclusion_tag("coaching/_evaluation_panel.html", takes_context=True)
def evaluation_coaching_panel(context, evaluation):
    user = context["request"].user
    can_create = policies.may_coach(user) and evaluation.agent_id != user.pk and evaluation.status != "draft"
    answered = []
    if can_create:
        answered = list(Dispute.objects.filter(evaluation=evaluation, resolved_at__isnull=False).order_by("created_at"))
    return {
        "evaluation": evaluation,
        "sessions": selectors.sessions_about_evaluation(viewer=user, evaluation=evaluation),
        "can_create": can_create,
        "answered_disputes": answered,
    }


@register.inclusion_tag("coaching/_dashboard.html", takes_context=True)
def coaching_dashboard_panel(context):
    user = context["request"].user
    if not policies.may_open_coaching(user):
        return {"board": None}
    return {"board": selectors.board(viewer=user, history=False)}


@register.inclusion_tag("coaching/_history.html", takes_context=True)
def coaching_history(context, person):
    """A person's sessions as the viewer may see them (their profile page)."""
    user = context["request"].user
    visible = policies.may_open_coaching(user)
    sessions = (
        list(selectors.session_list(viewer=user, agent=person).order_by("-created_at")[:HISTORY_ROWS])
        if visible
        else []
    )
    return {
        "visible": visible and (sessions or policies.may_coach(user)),
        "sessions": sessions,
        "person": person,
        "can_create": policies.may_coach(user) and person.pk != user.pk,
    }
