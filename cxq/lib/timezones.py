"""Time-zone helpers: the list offered to users and validation of a zone name."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def available_time_zones() -> tuple[str, ...]:
    """IANA zone names users can pick, sorted, without the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    zones = {z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(legacy)}
    zones.add("UTC")
    return tuple(sorted(zones))


def is_valid_time_zone(name: str) -> bool:
    return name in available_time_zones()


def time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in available_time_zones()]


def day_edge(day, *, end: bool = False):
    """The first moment of ``day`` in the current time zone, or (``end=True``) of the next day, so a
    date range ``[day_edge(a), day_edge(b, end=True))`` holds both whole days. None stays None."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    if day is None:
        return None
    moment = timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
    return moment + timedelta(days=1) if end else moment
