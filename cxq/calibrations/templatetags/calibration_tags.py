from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def stat(value, places: int = 2) -> str:
    """A statistic, or the words "not enough data" when it is undefined (CA-3)."""
    if value is None:
        return "not enough data"
    return f"{value:.{int(places)}f}"


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
