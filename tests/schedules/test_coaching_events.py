"""Coaching events keep a "coaching" activity in every participant's schedule, keyed by the session,
and reach an external schedule adapter when one is configured (docs/schedules.md#coaching-activities)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

import pytest
from django.db import transaction
from django.test import override_settings

from cxq.accounts.models import OrgSettings
from cxq.events import Name, publish
from cxq.schedules.adapters import CoachingActivity, ScheduleAdapter, Span, get_adapter
from cxq.schedules.models import Entry
from cxq.schedules.selectors import suggest_slots

UTC = zoneinfo.ZoneInfo("UTC")


def scheduled(personas, session_id=41, start="2026-12-07T10:00:00+00:00", end="2026-12-07T10:30:00+00:00", agents=None):
    return {
        "session_id": session_id,
        "organization_id": 1,
        "agent_ids": [a.pk for a in (agents or [personas.agent_a1])],
        "coach_id": personas.supervisor_a.pk,
        "starts_at": start,
        "ends_at": end,
        "title": "Call opening",
    }


def test_a_scheduled_session_puts_a_coaching_activity_in_each_schedule(personas):
    with transaction.atomic():
        publish(Name.COACHING_SCHEDULED, actor=personas.supervisor_a, data=scheduled(personas))
    rows = Entry.objects.filter(coaching_session="41").order_by("user_id")
    assert [(r.user, r.kind, r.source, r.title) for r in rows] == [
        (personas.supervisor_a, "coaching", "coaching", "Call opening"),
        (personas.agent_a1, "coaching", "coaching", "Call opening"),
    ]
    assert rows[0].starts_at == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_a_rescheduled_session_moves_it_and_follows_the_people(personas):
    publish(Name.COACHING_SCHEDULED, data=scheduled(personas))
    publish(
        Name.COACHING_RESCHEDULED,
        data=scheduled(
            personas, start="2026-12-08T14:00:00+00:00", end="2026-12-08T15:00:00+00:00", agents=[personas.agent_b1]
        ),
    )
    rows = Entry.objects.filter(coaching_session="41")
    assert {r.user for r in rows} == {personas.agent_b1, personas.supervisor_a}
    assert {r.starts_at for r in rows} == {datetime(2026, 12, 8, 14, 0, tzinfo=UTC)}


def test_a_cancelled_session_removes_it(personas):
    publish(Name.COACHING_SCHEDULED, data=scheduled(personas))
    publish(Name.COACHING_SCHEDULED, data=scheduled(personas, session_id=42))
    publish(
        Name.COACHING_CANCELLED,
        data={
            "session_id": 41,
            "organization_id": 1,
            "agent_ids": [personas.agent_a1.pk],
            "coach_id": personas.supervisor_a.pk,
        },
    )
    assert set(Entry.objects.values_list("coaching_session", flat=True)) == {"42"}


def test_a_coaching_activity_blocks_the_slot_it_takes(personas):
    org = OrgSettings.get()
    Entry.objects.create(
        user=personas.agent_a1,
        kind="shift",
        starts_at=datetime(2026, 12, 7, 10, tzinfo=UTC),
        ends_at=datetime(2026, 12, 7, 11, tzinfo=UTC),
    )
    publish(Name.COACHING_SCHEDULED, data=scheduled(personas))
    result = suggest_slots(
        organization=org,
        user_ids=[personas.agent_a1.pk],
        date_from=date(2026, 12, 7),
        date_to=date(2026, 12, 7),
        duration_minutes=30,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert [s.starts_at.hour * 60 + s.starts_at.minute for s in result.slots] == [10 * 60 + 30]


class FakeWfm(ScheduleAdapter):
    """An external WFM system: its own shifts, and what CXQ pushed to it."""

    pushed: list = []
    removed: list = []
    shifts: list = []

    def spans(self, *, user_ids, start, end):
        return [s for s in self.shifts if s.user_id in set(user_ids) and s.starts_at < end and s.ends_at > start]

    def push_activity(self, activity: CoachingActivity) -> None:
        self.pushed.append(activity)

    def remove_activity(self, *, session_id: str, user_id: int) -> None:
        self.removed.append((session_id, user_id))


@pytest.fixture
def fake_wfm():
    FakeWfm.pushed, FakeWfm.removed, FakeWfm.shifts = [], [], []
    with override_settings(CXQ_SCHEDULE_ADAPTER="tests.schedules.test_coaching_events.FakeWfm"):
        yield FakeWfm


@pytest.mark.django_db(transaction=True)
def test_an_external_adapter_gets_the_activity_after_the_commit(personas, fake_wfm):
    assert not get_adapter().builtin
    with transaction.atomic():
        publish(Name.COACHING_SCHEDULED, data=scheduled(personas))
        assert fake_wfm.pushed == []  # not before the commit
    assert sorted((a.session_id, a.user_id, a.title) for a in fake_wfm.pushed) == [
        ("41", personas.supervisor_a.pk, "Call opening"),
        ("41", personas.agent_a1.pk, "Call opening"),
    ]
    with transaction.atomic():
        publish(Name.COACHING_CANCELLED, data={"session_id": 41, "agent_ids": [], "coach_id": None})
    assert sorted(fake_wfm.removed) == sorted([("41", personas.agent_a1.pk), ("41", personas.supervisor_a.pk)])


def test_slot_suggestion_reads_the_external_adapter(personas, fake_wfm):
    fake_wfm.shifts = [
        Span(personas.agent_a1.pk, "shift", datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 7, 10, tzinfo=UTC))
    ]
    Entry.objects.create(  # the built-in store is not read while another adapter is configured
        user=personas.agent_a1,
        kind="shift",
        starts_at=datetime(2026, 12, 7, 14, tzinfo=UTC),
        ends_at=datetime(2026, 12, 7, 15, tzinfo=UTC),
    )
    result = suggest_slots(
        organization=OrgSettings.get(),
        user_ids=[personas.agent_a1.pk],
        date_from=date(2026, 12, 7),
        date_to=date(2026, 12, 7),
        duration_minutes=60,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert [s.starts_at.hour for s in result.slots] == [9]


def test_a_misconfigured_adapter_is_refused():
    with override_settings(CXQ_SCHEDULE_ADAPTER="cxq.schedules.models.Entry"), pytest.raises(TypeError):
        get_adapter()
