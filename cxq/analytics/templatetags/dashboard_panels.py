"""Dashboard panels (docs/analytics.md#dashboards): one inclusion tag per panel, each asking one selector
of ``cxq.analytics.dashboards`` for its figures. ``dashboard.html`` places the panels a viewer's
permissions allow; a new panel is a new tag and partial, nothing else changes."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from cxq.analytics import dashboards

register = template.Library()


def _human(delta_seconds: float, text: str) -> str:
    return "less than a minute" if delta_seconds < 60 else text


@register.filter
def age(value: datetime | None) -> str:
    """How long ago, in its largest unit: "3 days", "1 hour", "less than a minute"."""
    if value is None:
        return ""
    now = timezone.now()
    return _human((now - value).total_seconds(), timesince(value, now, depth=1))


@register.filter
def due(value: datetime | None) -> str:
    """A deadline in words: "in 2 days", "2 hours overdue", "no deadline"."""
    if value is None:
        return "no deadline"
    now = timezone.now()
    seconds = (value - now).total_seconds()
    if seconds >= 0:
        return f"in {_human(seconds, timeuntil(value, now, depth=1))}"
    return f"{_human(-seconds, timesince(value, now, depth=1))} overdue"


@register.filter
def signed(value, suffix: str = "") -> str:
    """A change with its sign ("+2.5 pts", "−1.0 pts"); an en dash without a comparison."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value}{suffix}"
    if value < 0:
        return f"−{abs(value)}{suffix}"
    return f"±0{suffix}"


@register.filter
def trend_class(value) -> str:
    """The pill class of a change: up is good, down is bad."""
    if value is None or value == 0:
        return "pill"
    return "pill pill-ok" if value > 0 else "pill pill-bad"


@register.inclusion_tag("dashboard/lead_figures.html")
def lead_figures_panel(user):
    return {"f": dashboards.lead_figures(user)}


@register.inclusion_tag("dashboard/lead_queue.html")
def lead_queue_panel(user):
    return {"disputes": dashboards.open_disputes(user), "tasks": dashboards.overdue_tasks(user)}


@register.inclusion_tag("dashboard/worst_questions.html")
def worst_questions_panel(user):
    return {"questions": dashboards.worst_questions(user), "min_n": dashboards.MIN_QUESTION_N}


@register.inclusion_tag("dashboard/agents_attention.html")
def agents_attention_panel(user):
    return {"agents": dashboards.agents_needing_attention(user), "min_n": dashboards.MIN_AGENT_N}


@register.inclusion_tag("dashboard/evaluator.html")
def evaluator_panel(user):
    return {
        "work": dashboards.my_work(user),
        "week": dashboards.my_week(user),
        "calibration": dashboards.my_calibration(user),
    }


@register.inclusion_tag("dashboard/agent.html")
def agent_panel(user):
    return {
        "latest": dashboards.my_latest_scores(user),
        "ack": dashboards.awaiting_my_ack(user),
        "versus": dashboards.my_average_vs_team(user),
    }
