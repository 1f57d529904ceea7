"""Importing shifts and activities (docs/schedules.md#importing): CSV with errors naming row and column,
all or nothing; ICS; and the API's bulk upsert by external id."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import icalendar
import pytest

from cxq.accounts.models import OrgSettings
from cxq.audit.models import AuditEvent
from cxq.schedules.importing import parse_csv, parse_ics
from cxq.schedules.models import Entry
from cxq.schedules.services import ImportProblems, entries_upsert

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEADER = "user,kind,starts_at,ends_at,title,external_id\n"


@pytest.fixture(autouse=True)
def paris(db):
    org = OrgSettings.get()
    org.default_time_zone = "Europe/Paris"
    org.save()


def imported(by, text):
    return entries_upsert(by=by, items=parse_csv(by=by, content=text.encode(), zone=PARIS), source="csv")


def test_a_csv_of_shifts_and_activities_is_imported_in_the_organisation_zone(personas):
    csv = HEADER + (
        "agent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,s-1\n"
        "AGENT.A1@example.com,Lunch,2026-12-07T12:00,2026-12-07T12:45,Lunch break,\n"
        "sup.a@example.com,meeting,2026-12-07T09:00:00+00:00,2026-12-07T10:00:00+00:00,Team sync,\n"
    )
    assert imported(personas.supervisor_a, csv) == (3, 0)
    shift = Entry.objects.get(external_id="s-1")
    assert shift.starts_at == datetime(2026, 12, 7, 7, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert shift.source == "csv" and shift.user == personas.agent_a1
    meeting = Entry.objects.get(kind="meeting")
    assert meeting.starts_at.astimezone(PARIS).hour == 10 and meeting.title == "Team sync"
    audit = AuditEvent.objects.get(action="schedule.imported")
    assert audit.after["created"] == 3


def test_importing_again_updates_instead_of_duplicating(personas):
    csv = HEADER + (
        "agent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,s-1\n"
        "agent.a1@example.com,break,2026-12-07 10:00,2026-12-07 10:15,,\n"
    )
    imported(personas.supervisor_a, csv)
    moved = csv.replace("16:00,,s-1", "17:00,,s-1").replace("10:15,,", "10:20,,")
    assert imported(personas.supervisor_a, moved) == (0, 2)
    assert Entry.objects.count() == 2
    assert Entry.objects.get(external_id="s-1").ends_at.astimezone(PARIS).hour == 17


def test_every_problem_names_its_row_and_column_and_nothing_is_written(personas):
    csv = HEADER + (
        "agent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,\n"
        "nobody@nowhere.test,shift,2026-12-07 08:00,2026-12-07 16:00,,\n"
        "agent.a1@example.com,nap,2026-12-07 08:00,2026-12-07 16:00,,\n"
        "agent.a1@example.com,break,tomorrow,2026-12-07 16:00,,\n"
        "agent.a1@example.com,break,2026-12-07 16:00,2026-12-07 15:00,,\n"
        "agent.a1@example.com,shift,2026-03-29 02:30,2026-03-29 06:00,,\n"
        "agent.b1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,\n"
    )
    with pytest.raises(ImportProblems) as caught:
        imported(personas.supervisor_a, csv)
    problems = caught.value.problems
    assert problems[0] == "Row 3, column user: nobody in your scope is 'nobody@nowhere.test'."
    assert problems[1].startswith("Row 4, column kind: 'nap' is not a kind")
    assert problems[2].startswith("Row 5, column starts_at: expected a date and time")
    assert problems[3] == "Row 6, column ends_at: ends at or before it starts."
    assert (
        problems[4]
        == "Row 7, column starts_at: 2026-03-29 02:30 does not exist in Europe/Paris (the clocks skip that hour)."
    )
    assert problems[5] == "Row 8, column user: nobody in your scope is 'agent.b1@example.com'."  # team B
    assert Entry.objects.count() == 0


def test_a_header_without_a_required_column_is_refused(personas):
    with pytest.raises(ImportProblems) as caught:
        parse_csv(by=personas.admin, content=b"user,kind,starts_at\n", zone=PARIS)
    assert caught.value.problems[0].startswith("Row 1 (header): missing column ends_at")


def test_a_repeated_external_id_names_both_rows(personas):
    csv = HEADER + (
        "agent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,s-1\n"
        "agent.a1@example.com,shift,2026-12-08 08:00,2026-12-08 16:00,,s-1\n"
    )
    with pytest.raises(ImportProblems) as caught:
        imported(personas.admin, csv)
    assert caught.value.problems == ["Row 3, column external_id: 's-1' is also in Row 2."]


def test_an_agent_may_not_import(personas):
    from django.core.exceptions import PermissionDenied

    csv = HEADER + "agent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00,,\n"
    with pytest.raises(PermissionDenied):
        imported(personas.agent_a1, csv)
    assert Entry.objects.count() == 0


def _ics(*events: str) -> bytes:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def _event(uid, start, end, summary, extra=""):
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART{start}\r\nDTEND{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"


def test_an_ics_calendar_becomes_one_person_s_entries(personas):
    content = _ics(
        _event("a@wfm", ";TZID=Europe/Paris:20261207T080000", ";TZID=Europe/Paris:20261207T160000", "Early shift"),
        _event("b@wfm", ":20261207T110000Z", ":20261207T113000Z", "Team call", "CATEGORIES:MEETING\r\n"),
        _event("c@wfm", ":20261207T130000", ":20261207T131500", "Break"),  # floating: the organisation's zone
    )
    items = parse_ics(user=personas.agent_a1, content=content, zone=PARIS)
    assert entries_upsert(by=personas.supervisor_a, items=items, source="ics") == (3, 0)
    kinds = dict(Entry.objects.values_list("title", "kind"))
    assert kinds == {"Early shift": "shift", "Team call": "meeting", "Break": "break"}
    brk = Entry.objects.get(kind="break")
    assert brk.starts_at.astimezone(PARIS).hour == 13 and brk.external_id == f"ics:{personas.agent_a1.pk}:c@wfm"
    again = parse_ics(user=personas.agent_a1, content=content, zone=PARIS)
    assert entries_upsert(by=personas.supervisor_a, items=again, source="ics") == (0, 3)


def test_ics_problems_name_the_event(personas):
    content = _ics(
        _event("a", ";VALUE=DATE:20261207", ";VALUE=DATE:20261208", "Holiday"),
        _event("b", ":20261207T080000Z", ":20261207T160000Z", "Shift", "RRULE:FREQ=DAILY\r\n"),
    )
    with pytest.raises(ImportProblems) as caught:
        parse_ics(user=personas.agent_a1, content=content, zone=PARIS)
    assert caught.value.problems[0].startswith("Event 1 (Holiday), DTSTART: an all-day event has no times")
    assert caught.value.problems[-1] == "Event 2 (Shift): repeats (RRULE); export the occurrences one by one."
    assert icalendar  # the library reads the files


def test_the_api_upserts_by_external_id(personas, client_for):
    client = client_for("supervisor_a")
    item = {
        "user": "agent.a1@example.com",
        "kind": "shift",
        "starts_at": "2026-12-07T08:00:00+01:00",
        "ends_at": "2026-12-07T16:00:00+01:00",
        "external_id": "wfm-1",
    }
    first = client.post("/api/v1/schedules/entries/bulk", {"items": [item]}, content_type="application/json")
    assert first.status_code == 200 and first.json() == {"created": 1, "updated": 0}
    moved = {**item, "ends_at": "2026-12-07T17:00:00+01:00"}
    second = client.post("/api/v1/schedules/entries/bulk", {"items": [moved]}, content_type="application/json")
    assert second.json() == {"created": 0, "updated": 1}
    listed = client.get(f"/api/v1/schedules/entries?user={personas.agent_a1.uuid}").json()
    assert [e["external_id"] for e in listed["results"]] == ["wfm-1"]
    assert listed["results"][0]["ends_at"].startswith("2026-12-07T16:00:00")  # UTC


def test_the_api_refuses_a_bad_item_by_its_index_and_writes_nothing(personas, client_for):
    client = client_for("supervisor_a")
    good = {
        "user": "agent.a1@example.com",
        "kind": "shift",
        "starts_at": "2026-12-07T08:00:00Z",
        "ends_at": "2026-12-07T16:00:00Z",
    }
    bad = {**good, "ends_at": "2026-12-07T07:00:00Z"}
    answer = client.post("/api/v1/schedules/entries/bulk", {"items": [good, bad]}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["detail"] == "rows: items[1].ends_at: ends at or before it starts."
    assert Entry.objects.count() == 0
