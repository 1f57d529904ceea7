"""The 15-minute forecast (docs/schedules.md#forecast): counted in the database, averaged over the last N
whole weeks, per organisation and team, in the organisation's local time (clock changes included)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxq.accounts.models import OrgSettings
from cxq.interactions.models import Interaction
from cxq.schedules import tasks
from cxq.schedules.forecast import forecast_rebuild, forecast_volumes, window
from cxq.schedules.models import ForecastInterval, ScheduleSettings

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def paris(db):
    org = OrgSettings.get()
    org.default_time_zone = "Europe/Paris"
    org.save()
    return org


def calls(*moments, team=None, agent=None):
    Interaction.objects.bulk_create(
        [Interaction(channel="voice", started_at=m, team=team, agent=agent) for m in moments]
    )


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_it_averages_the_same_weekday_and_interval_over_the_last_n_weeks(paris, personas):
    now = local("2026-03-16T10:00")  # a Monday; the window is 16 Feb 00:00 – 16 Mar 00:00 (4 weeks)
    calls(
        local("2026-03-09T09:05"),  # Monday 09:00 interval, week 4
        local("2026-03-09T09:14"),
        local("2026-03-02T09:00"),  # week 3
        local("2026-02-16T09:10"),  # week 1, at the window's first day
        local("2026-02-15T09:10"),  # before the window
        local("2026-03-16T09:10"),  # today: not a whole day yet
        local("2026-03-10T17:45"),  # Tuesday 17:45
        team=personas.team_a,
    )
    rows = forecast_rebuild(now=now)
    volumes = forecast_volumes()
    assert volumes == {(1, 9 * 60): 4 / 4, (2, 17 * 60 + 45): 1 / 4}
    assert forecast_volumes(team_id=personas.team_a.pk) == volumes
    assert rows == 4  # two intervals, for the organisation and for team A
    assert set(ForecastInterval.objects.values_list("weeks", flat=True)) == {4}


def test_teams_are_counted_apart_and_the_organisation_counts_everyone(paris, personas):
    now = local("2026-03-16T10:00")
    calls(local("2026-03-09T09:05"), team=personas.team_a)
    calls(local("2026-03-09T09:06"), team=personas.team_b)
    calls(local("2026-03-09T09:07"))  # no team
    forecast_rebuild(now=now)
    assert forecast_volumes()[(1, 540)] == 3 / 4
    assert forecast_volumes(team_id=personas.team_a.pk) == {(1, 540): 1 / 4}
    assert forecast_volumes(team_id=personas.team_b.pk) == {(1, 540): 1 / 4}


def test_the_number_of_weeks_is_a_setting(paris):
    settings = ScheduleSettings.get()
    settings.forecast_weeks = 2
    settings.save()
    now = local("2026-03-16T10:00")
    calls(local("2026-03-09T09:05"), local("2026-03-02T09:05"), local("2026-02-23T09:05"))
    forecast_rebuild(now=now)
    assert forecast_volumes() == {(1, 540): 2 / 2}


def test_intervals_are_local_across_a_clock_change(paris):
    # Paris goes to summer time on 29 March 2026: 09:00 local is 08:00 UTC before, 07:00 UTC after
    now = local("2026-04-06T12:00")
    calls(
        datetime.fromisoformat("2026-03-23T08:05+00:00"),  # Monday 09:05 in Paris (winter)
        datetime.fromisoformat("2026-03-30T07:05+00:00"),  # Monday 09:05 in Paris (summer)
        datetime.fromisoformat("2026-03-29T01:30+00:00"),  # Sunday 03:30 in Paris, just after the change
    )
    forecast_rebuild(now=now)
    assert forecast_volumes() == {(1, 540): 2 / 4, (7, 210): 1 / 4}


def test_the_window_is_whole_local_days_even_across_a_clock_change(paris):
    start, end = window(weeks=1, zone=PARIS, now=local("2026-04-01T12:00"))
    assert (start.isoformat(), end.isoformat()) == ("2026-03-25T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
    assert end.timestamp() - start.timestamp() == (timedelta(days=7) - timedelta(hours=1)).total_seconds()


def test_the_count_is_one_grouped_query_not_a_walk_over_the_history(paris):
    calls(*[local("2026-03-09T09:00") + timedelta(minutes=i) for i in range(60)])
    with CaptureQueriesContext(connection) as ctx:
        forecast_rebuild(now=local("2026-03-16T10:00"))
    reads = [q["sql"] for q in ctx.captured_queries if "interactions_interaction" in q["sql"]]
    assert len(reads) == 1 and "GROUP BY" in reads[0].upper() and "COUNT(" in reads[0].upper()
    assert forecast_volumes() == {(1, 540): 15 / 4, (1, 555): 15 / 4, (1, 570): 15 / 4, (1, 585): 15 / 4}


def test_rebuilding_replaces_the_table(paris):
    calls(local("2026-03-09T09:05"))
    forecast_rebuild(now=local("2026-03-16T10:00"))
    forecast_rebuild(now=local("2026-05-16T10:00"))  # the call is now out of the window
    assert ForecastInterval.objects.count() == 0


def test_the_command_and_the_nightly_job_rebuild_it(paris):
    Interaction.objects.create(channel="voice", started_at=datetime.now(PARIS) - timedelta(days=2))
    out = StringIO()
    call_command("forecast", "rebuild", stdout=out)
    assert "Forecast rebuilt: 1 intervals" in out.getvalue()
    ForecastInterval.objects.all().delete()
    tasks.rebuild_forecast_nightly.call_local()
    assert ForecastInterval.objects.count() == 1
    nightly = tasks.rebuild_forecast_nightly.task_class
    assert nightly.validate_datetime(nightly, datetime(2026, 3, 2, 2, 20))
    assert not nightly.validate_datetime(nightly, datetime(2026, 3, 2, 3, 20))
