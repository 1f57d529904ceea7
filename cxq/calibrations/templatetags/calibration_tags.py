from __future__ import annotations

from django import template

from cxq.calibrations.selectors import open_sessions_for, open_tasks
from cxq.calibrations.stats import EXPLANATIONS

register = template.Library()


@register.filter
def stat(value, places: int = 2) -> str:
    """A statistic, or the words "not enough data" when it is undefined (docs/calibrations.md#statistics)."""
    if value is None:
        return "not enough data"
    return f"{value:.{int(places)}f}"


@register.simple_tag
def explain(name: str) -> str:
    """The one-line explanation of a statistic (docs/calibrations.md#statistics)."""
    return EXPLANATIONS[name]


@register.filter
def num(value, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{int(places)}f}"


@register.filter
def signed(value, places: int = 1) -> str:
    """A deviation with its sign: +2.5, −1.0, 0.0."""
    if value is None:
        return "—"
    text = f"{abs(value):.{int(places)}f}"
    if float(text) == 0:
        return text
    return ("+" if value > 0 else "−") + text


@register.inclusion_tag("calibrations/_marker.html", takes_context=True)
def calibration_marker(context, interaction_id: int) -> dict:
    """The active-calibration marker on an interaction or one of its evaluations
    (docs/calibrations.md#active-calibration-marker)."""
    return {"calibration_marker": open_sessions_for(viewer=context["request"].user, interaction_id=interaction_id)}


@register.simple_tag(takes_context=True)
def calibration_tasks(context) -> list:
    """The viewer's open calibration seats, for "My tasks"."""
    return list(open_tasks(viewer=context["request"].user))
