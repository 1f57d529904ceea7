from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure(value, suffix: str = "") -> str:
    """A figure, or an en dash when there is no data."""
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}{suffix}"
    return f"{value}{suffix}"
