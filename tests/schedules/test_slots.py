"""Slot suggestion on hand-built schedules (docs/schedules.md#slot-suggestion): shift edges, breaks,
time zones, days the clocks change, and a clear message when no slot is possible."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from cxq.accounts.models import OrgSettings
from cxq.schedules.models import Entry, ForecastInterval
from cxq.schedules.selectors import suggest_slots

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime(2026, 1, 1, tzinfo=PARIS)  # every test day is in the future


@pytest.fixture
def org(db):
    org = OrgSettings.get()
    org.default_time_zone = "Europe/Paris"
    org.save()
    return org


def at(day: str, hm: str, zone=PARIS) -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=zone)


def put(user, kind, day, start, end, zone=PARIS):
    return Entry.objects.create(user=user, kind=kind, starts_at=at(day, start, zone), ends_at=at(day, end, zone))


def volume(weekday: int, hm: str, value: float, team=None):
    h, m = map(int, hm.split(":"))
    ForecastInterval.objects.create(
        team=team, weekday=weekday, minute=h * 60 + m, volume=value, weeks=4, computed_at=NOW
    )


def suggest(org, users, day_from, day_to=None, minutes=30, **kw):
    return suggest_slots(
        organization=org,
        user_ids=[u.pk for u in users],
        date_from=date.fromisoformat(day_from),
        date_to=date.fromisoformat(day_to or day_from),
        duration_minutes=minutes,
        now=NOW,
        **kw,
    )


def starts(result, zone=PARIS) -> list[str]:
    return [f"{s.starts_at.astimezone(zone):%m-%d %H:%M}" for s in result.slots]


def test_slots_fit_inside_the_shift_edges_and_without_a_forecast_the_earliest_come_first(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "10:30")
    result = suggest(org, [agent], "2026-03-02", minutes=45)
    # 09:00–09:45, then the next that does not overlap it: 09:45–10:30 (ends exactly at the shift's end)
    assert starts(result) == ["03-02 09:00", "03-02 09:45"]
    assert result.message == ""
    assert all(s.ends_at <= at("2026-03-02", "10:30") for s in result.slots)


def test_a_break_blocks_its_time_and_a_slot_can_touch_it(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "11:00")
    put(agent, "break", "2026-03-02", "09:30", "10:15")
    result = suggest(org, [agent], "2026-03-02", minutes=30)
    # 10:30–11:00 would overlap 10:15–10:45, already suggested: slots never overlap each other
    assert starts(result) == ["03-02 09:00", "03-02 10:15"]


def test_the_quietest_slot_comes_first_and_ties_go_to_the_earliest(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "11:00")  # a Monday
    volume(1, "09:00", 8)
    volume(1, "09:15", 8)
    volume(1, "10:00", 1)
    volume(1, "10:15", 0.5)
    result = suggest(org, [agent], "2026-03-02", minutes=30)
    # 09:30 and 10:30 expect nothing (the earlier first), then 10:00 (1.5) and 09:00 (16); the others overlap
    assert starts(result) == ["03-02 09:30", "03-02 10:30", "03-02 10:00", "03-02 09:00"]
    first = result.slots[0]
    assert first.volume == 0
    assert "Forecast 0.0 interactions" in first.explanation(PARIS)
    assert "Andy Agent on shift Mon 09:00–11:00" in first.explanation(PARIS)
    busy = next(s for s in result.slots if s.starts_at == at("2026-03-02", "09:00"))
    assert busy.volume == 16


def test_the_agent_and_the_coach_must_both_be_free(org, personas):
    agent, coach = personas.agent_a1, personas.supervisor_a
    put(agent, "shift", "2026-03-02", "08:00", "12:00")
    put(coach, "shift", "2026-03-02", "10:00", "16:00")
    put(coach, "meeting", "2026-03-02", "10:00", "11:00")
    result = suggest(org, [agent, coach], "2026-03-02", minutes=60)
    assert starts(result) == ["03-02 11:00"]
    text = result.slots[0].explanation(PARIS)
    assert "Andy Agent on shift Mon 08:00–12:00" in text and "Sam Supervisor on shift Mon 10:00–16:00" in text


def test_no_shift_says_who_has_none(org, personas):
    put(personas.supervisor_a, "shift", "2026-03-02", "08:00", "12:00")
    result = suggest(org, [personas.agent_a1, personas.supervisor_a], "2026-03-02")
    assert result.slots == []
    assert result.message.startswith("Andy Agent has no shift between 2026-03-02 to 2026-03-02")


def test_a_shift_all_taken_by_activities_says_so(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "10:00")
    put(agent, "training", "2026-03-02", "09:00", "09:40")
    result = suggest(org, [agent], "2026-03-02", minutes=30)
    assert result.slots == []
    assert "Andy Agent has no free stretch of 30 minutes" in result.message
    assert "taken by breaks, meetings" in result.message


def test_people_never_free_together_say_so(org, personas):
    put(personas.agent_a1, "shift", "2026-03-02", "08:00", "10:00")
    put(personas.supervisor_a, "shift", "2026-03-02", "10:00", "12:00")
    result = suggest(org, [personas.agent_a1, personas.supervisor_a], "2026-03-02")
    assert result.slots == []
    assert result.message == "Andy Agent and Sam Supervisor are never free together for 30 minutes in this range."


def test_days_are_read_in_the_organisation_time_zone(org, personas):
    # 23:00–00:00 in Paris on 2 March is 22:00–23:00 UTC; the next shift starts at midnight in Paris
    agent = personas.agent_a1
    Entry.objects.create(
        user=agent, kind="shift", starts_at=at("2026-03-02", "23:00"), ends_at=at("2026-03-03", "00:00")
    )
    Entry.objects.create(
        user=agent, kind="shift", starts_at=at("2026-03-03", "00:00"), ends_at=at("2026-03-03", "01:00")
    )
    only_the_2nd = suggest(org, [agent], "2026-03-02", minutes=30)
    assert starts(only_the_2nd) == ["03-02 23:00", "03-02 23:30"]
    both = suggest(org, [agent], "2026-03-02", "2026-03-03", minutes=30)
    # the two shifts touch at midnight and merge: 23:00, 23:30, 00:00 and 00:30
    assert starts(both) == ["03-02 23:00", "03-02 23:30", "03-03 00:00", "03-03 00:30"]


def test_a_shift_given_in_another_zone_is_the_same_instant(org, personas):
    ny = zoneinfo.ZoneInfo("America/New_York")
    put(personas.agent_a1, "shift", "2026-03-02", "03:00", "04:00", zone=ny)  # 09:00–10:00 in Paris
    result = suggest(org, [personas.agent_a1], "2026-03-02", minutes=60)
    assert starts(result) == ["03-02 09:00"]


def test_the_forecast_is_read_in_local_time_on_the_day_the_clocks_go_forward(org, personas):
    # 29 March 2026, Paris: 02:00 becomes 03:00. A shift 01:00–05:00 local lasts three hours.
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-29", "01:00", "05:00")
    for hm in ("01:00", "01:15", "01:30", "01:45", "03:30", "03:45", "04:00", "04:15", "04:30", "04:45"):
        volume(7, hm, 5)  # a Sunday: everything busy but 03:00–03:30 local
    result = suggest(org, [agent], "2026-03-29", minutes=30)
    assert sum((s.ends_at - s.starts_at for s in result.slots), timedelta()) == timedelta(hours=3)
    assert starts(result)[0] == "03-29 03:00"
    assert result.slots[0].volume == 0
    assert [s.starts_at.astimezone(PARIS).utcoffset() for s in result.slots[:1]] == [timedelta(hours=2)]


def test_the_hour_repeated_when_the_clocks_go_back_is_two_hours_of_slots(org, personas):
    # 25 October 2026, Paris: 03:00 becomes 02:00 again. 01:00–04:00 local lasts four hours.
    agent = personas.agent_a1
    put(agent, "shift", "2026-10-25", "01:00", "04:00")
    result = suggest(org, [agent], "2026-10-25", minutes=60, limit=10)
    assert len(result.slots) == 4
    assert sum((s.ends_at - s.starts_at for s in result.slots), timedelta()) == timedelta(hours=4)


def test_slots_in_the_past_are_never_suggested(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "12:00")
    result = suggest_slots(
        organization=org,
        user_ids=[agent.pk],
        date_from=date(2026, 3, 2),
        date_to=date(2026, 3, 2),
        duration_minutes=60,
        now=at("2026-03-02", "10:05"),
    )
    assert starts(result) == ["03-02 10:15"]


def test_a_team_forecast_is_used_when_asked(org, personas):
    agent = personas.agent_a1
    put(agent, "shift", "2026-03-02", "09:00", "10:00")
    volume(1, "09:00", 9, team=personas.team_a)
    volume(1, "09:15", 9, team=personas.team_a)
    org_wide = suggest(org, [agent], "2026-03-02")
    team = suggest(org, [agent], "2026-03-02", team_id=personas.team_a.pk)
    assert starts(org_wide)[0] == "03-02 09:00"
    assert starts(team)[0] == "03-02 09:30"
