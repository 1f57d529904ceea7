"""The interaction volume forecast (docs/schedules.md#forecast): for each weekday and 15-minute interval
of the organisation's local day, the average number of interactions that started in it over the last N
whole weeks, for the organisation and for each team.

Counting happens in the database (one GROUP BY over the window, the local weekday and interval computed
with the time zone by the database), so the history is never loaded into Python.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, ExtractMinute, Mod
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.interactions.models import Interaction
from cxq.schedules.models import ForecastInterval, ScheduleSettings

INTERVAL_MINUTES = 15


def org_zone(organization: OrgSettings | None = None) -> zoneinfo.ZoneInfo:
    name = (organization or OrgSettings.get()).default_time_zone or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def window(*, weeks: int, zone, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last ``weeks`` whole weeks before today, local midnight to local midnight (so a week with a
    clock change is 167 or 169 hours long)."""
    today = (now or timezone.now()).astimezone(zone).date()
    end = datetime.combine(today, time.min, tzinfo=zone)
    start = datetime.combine(today - timedelta(days=7 * weeks), time.min, tzinfo=zone)
    return start, end


def interval_counts(*, start: datetime, end: datetime, zone) -> list[tuple[int | None, int, int, int]]:
    """(team id, ISO weekday, first minute of the local interval, interactions) over ``[start, end)``."""
    qs = (
        Interaction.objects.filter(started_at__gte=start, started_at__lt=end)
        .annotate(
            wd=ExtractIsoWeekDay("started_at", tzinfo=zone),
            hh=ExtractHour("started_at", tzinfo=zone),
            mm=ExtractMinute("started_at", tzinfo=zone),
        )
        .annotate(slot=F("hh") * 60 + F("mm") - Mod(F("mm"), INTERVAL_MINUTES))
        .values("team_id", "wd", "slot")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(row["team_id"], int(row["wd"]), int(row["slot"]), row["n"]) for row in qs]


@transaction.atomic
def forecast_rebuild(*, now: datetime | None = None) -> int:
    """Recompute every forecast interval (idempotent: the table is replaced). Returns the rows written."""
    weeks = ScheduleSettings.get().forecast_weeks
    zone = org_zone()
    start, end = window(weeks=weeks, zone=zone, now=now)
    totals: dict[tuple[int | None, int, int], int] = defaultdict(int)
    for team_id, weekday, minute, n in interval_counts(start=start, end=end, zone=zone):
        totals[(None, weekday, minute)] += n
        if team_id is not None:
            totals[(team_id, weekday, minute)] += n
    stamp = timezone.now()
    ForecastInterval.objects.all().delete()
    ForecastInterval.objects.bulk_create(
        [
            ForecastInterval(team_id=team, weekday=wd, minute=m, volume=n / weeks, weeks=weeks, computed_at=stamp)
            for (team, wd, m), n in totals.items()
        ],
        batch_size=2000,
    )
    return len(totals)


def forecast_volumes(*, team_id: int | None = None) -> dict[tuple[int, int], float]:
    """{(ISO weekday, interval's first minute): expected interactions}; missing intervals expect none."""
    rows = ForecastInterval.objects.filter(team_id=team_id) if team_id else ForecastInterval.objects.filter(team=None)
    return {(wd, m): v for wd, m, v in rows.values_list("weekday", "minute", "volume")}


def volume_over(start: datetime, end: datetime, *, volumes: dict, zone) -> float:
    """Expected interactions over ``[start, end)``: each 15-minute interval's forecast, weighted by how
    much of it the span covers. The local weekday and interval come from each instant, so a day on which
    the clocks change reads the right intervals."""
    total = 0.0
    step = timedelta(minutes=INTERVAL_MINUTES)
    epoch = int(start.timestamp()) // (INTERVAL_MINUTES * 60) * (INTERVAL_MINUTES * 60)
    cursor = datetime.fromtimestamp(epoch, tz=UTC)
    while cursor < end:
        piece = (min(cursor + step, end) - max(cursor, start)).total_seconds() / step.total_seconds()
        local = cursor.astimezone(zone)
        key = (local.isoweekday(), local.hour * 60 + local.minute - local.minute % INTERVAL_MINUTES)
        total += volumes.get(key, 0.0) * piece
        cursor += step
    return total
