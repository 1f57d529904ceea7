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
