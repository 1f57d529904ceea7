"""``{{ seconds|clock }}`` and ``{{ seconds|duration }}`` in every template (a builtin: cxq/settings.py)."""

from __future__ import annotations

from django import template

from cxq.lib import durations

register = template.Library()

register.filter("clock", durations.clock, is_safe=True)
register.filter("duration", durations.duration, is_safe=True)
