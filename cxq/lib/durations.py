"""Durations as people read them (docs/interactions.md#durations): a position in a recording as a clock
(``3:25``, ``1:02:07``) and a length in words of time for what runs over a day (an email thread:
``2 d 3 h``). Pure functions: templates use them through the ``clock`` and ``duration`` filters."""

from __future__ import annotations

import math
import re

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


_CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,4})(?::(\d{1,2}))?(?:[.,](\d+))?")


def parse_clock(text: str) -> float | None:
    """A moment typed as a clock (``1:23``, ``1:02:05``) or in seconds (``83``, ``83.5``); None for
    empty. A ValueError says what is wrong."""
    text = (text or "").strip()
    if not text:
        return None
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise ValueError("Give the moment as m:ss (e.g. 1:23) or in seconds.")
    first, second, third, fraction = match.groups()
    parts = [int(p) for p in (first, second, third) if p is not None]
    if len(parts) > 1 and any(p >= 60 for p in parts[1:]):
        raise ValueError("Minutes and seconds after a colon run from 00 to 59.")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds + (float(f"0.{fraction}") if fraction else 0.0)
