"""Goal periods in the organisation's time zone (docs/goals.md#periods): pure date arithmetic."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def period_days(recurrence: str, day: date, *, starts_on: date, ends_on: date | None) -> tuple[date, date] | None:
    """The period holding ``day``: its first day and the day after its last, clipped to the goal's start
    and end; None when ``day`` is outside the goal."""
    if day < starts_on or (ends_on is not None and day > ends_on):
        return None
    if recurrence == "daily":
        first, after = day, day + timedelta(days=1)
    elif recurrence == "weekly":
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    elif recurrence == "monthly":
        first = day.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    else:  # once: the whole goal; without an end, a week from its start
        first, after = starts_on, (ends_on + timedelta(days=1)) if ends_on else starts_on + timedelta(days=7)
        return first, after
    first = max(first, starts_on)
    if ends_on is not None:
        after = min(after, ends_on + timedelta(days=1))
    return first, after


def period_at(
    recurrence: str, moment: datetime, zone: ZoneInfo, *, starts_on: date, ends_on: date | None
) -> tuple[datetime, datetime] | None:
    """The period holding ``moment`` as aware datetimes (local midnights), or None."""
    days = period_days(recurrence, moment.astimezone(zone).date(), starts_on=starts_on, ends_on=ends_on)
    if days is None:
        return None
    return _midnight(days[0], zone), _midnight(days[1], zone)
