"""Human spans of time for pages and mails: "3 days", "just now", "in 2 hours" (never "0 minutes ago").

``age``, ``ago`` and ``until`` are template filters (a builtin library, settings.TEMPLATES), and plain
functions for Python code."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()

_A_MINUTE = 60


@register.filter
def age(value: datetime | None, now: datetime | None = None) -> str:
    """How old something is, in its largest unit: "3 days", "1 hour", "less than a minute"."""
    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < _A_MINUTE:
        return "less than a minute"
    return timesince(value, now, depth=1)


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """When something happened: "just now", "5 minutes ago", "3 days ago"."""
    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < _A_MINUTE:
        return "just now"
    return f"{timesince(value, now, depth=1)} ago"


@register.filter
def until(value: datetime | None, now: datetime | None = None) -> str:
    """How long until a moment: "in 2 days", "in less than a minute", or "3 hours ago" once passed."""
    if not value:
        return ""
    now = now or timezone.now()
    seconds = (value - now).total_seconds()
    if seconds <= 0:
        return ago(value, now)
    if seconds < _A_MINUTE:
        return "in less than a minute"
    return f"in {timeuntil(value, now, depth=1)}"
