"""The goal panels other pages include (the dashboard): docs/goals.md#progress."""

from __future__ import annotations

from django import template

from cxq.goals import selectors

register = template.Library()


@register.inclusion_tag("goals/_dashboard.html", takes_context=True)
def goal_dashboard_panel(context):
    user = context["request"].user
    return {
        "user": user,
        "mine": selectors.my_goal_progress(user=user),
        "teams": selectors.team_goal_progress(viewer=user),
    }
