"""Durations as people read them (docs/interactions.md#durations): a position in a recording as a clock
(``3:25``, ``1:02:07``) and a length in words of time for what runs over a day (an email thread:
``2 d 3 h``). Pure functions: templates use them through the ``clock`` and ``duration`` filters."""

from __future__ import annotations

import math

DAY = 86_400


def clock(seconds: float | int | None) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` from an hour; fractions are dropped (a line that starts at
    3.9 s starts at 0:03, as a player shows it). Empty for no value."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration(seconds: float | int | None) -> str:
    """A length: the clock under a day; from a day, days and hours (``2 d 3 h``; ``1 d`` on the hour)."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    total = max(0, int(seconds))
    if total < DAY:
        return clock(total)
    days, rest = divmod(total, DAY)
    hours = rest // 3600
    return f"{days} d {hours} h" if hours else f"{days} d"
