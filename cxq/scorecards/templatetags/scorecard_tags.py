from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ answers|get_item:q.key }}``: look a key up in a dict."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@register.filter
def points(value):
    """Points as people write them: 5, 2.5 (not 5.0)."""
    if value is None:
        return "—"
    number = float(value)
    return f"{number:g}" if number != int(number) else str(int(number))
