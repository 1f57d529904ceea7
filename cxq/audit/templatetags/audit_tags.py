from __future__ import annotations

import json

from django import template

register = template.Library()


@register.filter
def audit_value(value) -> str:
    """A before/after value as people read it: lists joined, yes/no, a dash for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(audit_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
