"""docs/schedules.md#performance: slot suggestion and the forecast rebuild over `cxq seed-bench` data.

1. The forecast is rebuilt over the seeded history twice: with the default window (4 weeks) and with a
   window covering every interaction (52 weeks), timed.
2. An agent and a coach get 14 days of hand-made shifts (09:00–17:00 and 08:00–16:00 on weekdays) with
   breaks, lunches and a weekly meeting; slot suggestion for 30 minutes over those 14 days is timed
   (p50/p95 of 50 calls), reading the full-history forecast.

Everything runs in a transaction rolled back at the end: the database is left as it was. Reported with
the load average (the machine is shared).

Run by hand against PostgreSQL holding seeded interactions (after `manage.py migrate schedules`):

    DATABASE_URL=postgresql://… .venv/bin/python bench/bench_schedules.py [--zone Europe/Paris]

--zone sets the organisation's time zone for the run (rolled back too): the database then converts
every instant to local time while counting.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402
from timing import timed  # noqa: E402 (bench/ is on the path when a bench runs)

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cxq.accounts.models import OrgSettings, User  # noqa: E402
from cxq.interactions.models import Interaction  # noqa: E402
from cxq.schedules.forecast import forecast_rebuild, org_zone  # noqa: E402
from cxq.schedules.models import Entry, ForecastInterval, ScheduleSettings  # noqa: E402
from cxq.schedules.selectors import suggest_slots  # noqa: E402


class Rollback(Exception):
    pass


def _person(email: str, name: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": name})
    return user


def _week(user: User, first_day, start_hour: int, zone) -> list[Entry]:
    rows = []
    for offset in range(14):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue

        def at(h, m=0, day=day):
            return datetime(day.year, day.month, day.day, h, m, tzinfo=zone)

        rows += [
            Entry(user=user, kind="shift", starts_at=at(start_hour), ends_at=at(start_hour + 8)),
            Entry(user=user, kind="break", starts_at=at(start_hour + 2), ends_at=at(start_hour + 2, 15)),
            Entry(user=user, kind="lunch", starts_at=at(12), ends_at=at(12, 45)),
            Entry(user=user, kind="break", starts_at=at(start_hour + 6), ends_at=at(start_hour + 6, 15)),
        ]
        if day.weekday() == 2:
            rows.append(Entry(user=user, kind="meeting", starts_at=at(14), ends_at=at(15)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zone", default="", help="the organisation's time zone for this run")
    zone_name = parser.parse_args().zone
    try:
        with transaction.atomic():
            if zone_name:
                OrgSettings.objects.filter(pk=1).update(default_time_zone=zone_name)
            run()
            raise Rollback
    except Rollback:
        pass


def run() -> None:
    zone = org_zone()
    total = Interaction.objects.count()
    print(f"interactions: {total:,}; organisation zone {zone.key}; load {os.getloadavg()}")
    settings = ScheduleSettings.get()
    for weeks in (4, 52):
        settings.forecast_weeks = weeks
        settings.save()
        began = time.perf_counter()
        rows = forecast_rebuild()
        print(f"forecast rebuild, {weeks} weeks: {rows:,} intervals in {time.perf_counter() - began:.2f} s")
    agent = _person("bench.sched.agent@example.com", "Bench Agent")
    coach = _person("bench.sched.coach@example.com", "Bench Coach")
    first = timezone.now().astimezone(zone).date() + timedelta(days=1)
    Entry.objects.bulk_create(_week(agent, first, 9, zone) + _week(coach, first, 8, zone))
    org = OrgSettings.get()

    def ask():
        return suggest_slots(
            organization=org,
            user_ids=[agent.pk, coach.pk],
            date_from=first,
            date_to=first + timedelta(days=13),
            duration_minutes=30,
        )

    result = ask()
    print(f"forecast rows read: {ForecastInterval.objects.filter(team=None).count()}; slots: {len(result.slots)}")
    print(f"  best: {result.slots[0].explanation(zone)}")
    p50, p95 = timed(ask, 50)
    print(f"suggest_slots, agent + coach, 14 days, 30 min: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
