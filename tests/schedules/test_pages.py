"""The schedule pages (docs/schedules.md#pages): the week view, the import page, the slot fragment and
the private calendar feed, parsed back with icalendar."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cxq.events import Name, publish
from cxq.schedules.models import Entry, FeedToken

UTC = zoneinfo.ZoneInfo("UTC")


def shift(user, start: datetime, hours=8, kind="shift", **kw):
    return Entry.objects.create(user=user, kind=kind, starts_at=start, ends_at=start + timedelta(hours=hours), **kw)


def next_monday() -> datetime:
    today = timezone.now().astimezone(UTC).date()
    day = today + timedelta(days=7 - today.weekday())
    return datetime(day.year, day.month, day.day, 8, tzinfo=UTC)


def test_a_person_sees_their_own_week(personas, client_for):
    monday = next_monday()
    shift(personas.agent_a1, monday, title="Early")
    shift(personas.agent_a1, monday + timedelta(hours=4), hours=0.5, kind="lunch")
    page = client_for("agent_a1").get(f"/schedules/?week={monday:%Y-%m-%d}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "My schedule" in html and "08:00–16:00" in html and "Shift · Early" in html and "12:00–12:30" in html
    assert 'name="user"' not in html  # nobody else to choose


def test_a_lead_sees_their_agents_and_not_others(personas, client_for):
    monday = next_monday()
    shift(personas.agent_a1, monday)
    lead = client_for("supervisor_a")
    page = lead.get(f"/schedules/?user={personas.agent_a1.uuid}&week={monday:%Y-%m-%d}")
    assert page.status_code == 200 and "Schedule of Andy Agent" in page.content.decode()
    assert lead.get(f"/schedules/?user={personas.agent_b1.uuid}").status_code == 404
    assert client_for("agent_b1").get(f"/schedules/?user={personas.agent_a1.uuid}").status_code == 404


def test_the_import_page_imports_a_csv_and_shows_problems_by_row(personas, client_for):
    client = client_for("supervisor_a")
    good = b"user,kind,starts_at,ends_at\nagent.a1@example.com,shift,2026-12-07 08:00,2026-12-07 16:00\n"
    done = client.post("/schedules/import/", {"file": SimpleUploadedFile("s.csv", good)})
    assert done.status_code == 302 and Entry.objects.count() == 1
    bad = good + b"agent.a1@example.com,shift,2026-12-08 08:00,soon\n"
    refused = client.post("/schedules/import/", {"file": SimpleUploadedFile("s.csv", bad)})
    assert refused.status_code == 400
    assert "Row 3, column ends_at: expected a date and time" in refused.content.decode()
    assert Entry.objects.count() == 1
    assert client_for("agent_a1").get("/schedules/import/").status_code == 403


def test_an_ics_import_needs_the_person_it_belongs_to(personas, client_for):
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        b"DTSTART:20261207T080000Z\r\nDTEND:20261207T160000Z\r\nSUMMARY:Shift\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    client = client_for("supervisor_a")
    refused = client.post("/schedules/import/", {"file": SimpleUploadedFile("a.ics", ics)})
    assert refused.status_code == 400 and "Whose schedule" in refused.content.decode()
    done = client.post(
        "/schedules/import/", {"file": SimpleUploadedFile("a.ics", ics), "user": str(personas.agent_a1.uuid)}
    )
    assert done.status_code == 302
    assert Entry.objects.get().user == personas.agent_a1


def test_the_slot_fragment_lists_explained_slots_as_buttons(personas, client_for):
    monday = next_monday()
    shift(personas.agent_a1, monday, hours=2)
    shift(personas.supervisor_a, monday + timedelta(hours=1), hours=4)
    day = f"{monday:%Y-%m-%d}"
    people = f"users={personas.agent_a1.uuid}&users={personas.supervisor_a.uuid}"
    url = f"/schedules/suggest/?{people}&from={day}&to={day}&duration=30"
    page = client_for("supervisor_a").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    starts = re.findall(r'data-slot-start="([^"]+)"', html)
    assert starts == [f"{day}T09:00", f"{day}T09:30"]  # the viewer's zone is UTC here
    assert 'data-slot-duration="30"' in html
    assert (
        "Forecast 0.0 interactions over the slot. Free: Andy Agent on shift" in html
        and "Sam Supervisor on shift" in html
    )


def test_the_slot_fragment_says_why_there_is_none_and_names_a_bad_parameter(personas, client_for):
    client = client_for("supervisor_a")
    empty = client.get(f"/schedules/suggest/?users={personas.agent_a1.uuid}&from=2026-12-07&to=2026-12-08&duration=30")
    assert empty.status_code == 200 and "Andy Agent has no shift between" in empty.content.decode()
    bad = client.get(f"/schedules/suggest/?users={personas.agent_a1.uuid}&from=2026-12-07&to=2026-12-01&duration=30")
    assert bad.status_code == 400 and "to: the last day is before the first." in bad.content.decode()
    other = client.get(f"/schedules/suggest/?users={personas.agent_b1.uuid}&from=2026-12-07&to=2026-12-08&duration=30")
    assert other.status_code == 400 and "users: nobody in your scope has the id" in other.content.decode()
    short = client.get(f"/schedules/suggest/?users={personas.agent_a1.uuid}&from=2026-12-07&to=2026-12-08&duration=5")
    assert short.status_code == 400 and "duration: minutes between 15 and 480." in short.content.decode()
    assert (
        client_for("agent_a1").get("/schedules/suggest/?users=1&from=2026-12-07&to=2026-12-08&duration=30").status_code
        == 403
    )


def test_the_api_suggests_the_same_slots(personas, client_for):
    monday = next_monday()
    shift(personas.agent_a1, monday, hours=1)
    day = f"{monday:%Y-%m-%d}"
    answer = client_for("supervisor_a").get(
        f"/api/v1/schedules/suggestions?users={personas.agent_a1.uuid}&from={day}&to={day}&duration=60"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [s["starts_at"][:16] for s in body["slots"]] == [f"{day}T08:00"]
    assert body["slots"][0]["free"][0]["name"] == "Andy Agent" and body["message"] == ""


def test_a_team_forecast_orders_the_slots_when_asked(personas, client_for):
    from cxq.schedules.models import ForecastInterval

    monday = next_monday()
    shift(personas.agent_a1, monday, hours=1)  # 08:00–09:00 UTC
    for minute in (8 * 60, 8 * 60 + 15):
        ForecastInterval.objects.create(
            team=personas.team_a, weekday=1, minute=minute, volume=5, weeks=4, computed_at=timezone.now()
        )
    day = f"{monday:%Y-%m-%d}"
    base = f"/api/v1/schedules/suggestions?users={personas.agent_a1.uuid}&from={day}&to={day}&duration=30"
    client = client_for("supervisor_a")
    organisation = client.get(base).json()["slots"]
    team = client.get(f"{base}&team={personas.team_a.uuid}").json()["slots"]
    assert [s["starts_at"][11:16] for s in organisation] == ["08:00", "08:30"]
    assert [s["starts_at"][11:16] for s in team] == ["08:30", "08:00"]
    fragment = client.get(
        f"/schedules/suggest/?users={personas.agent_a1.uuid}&from={day}&to={day}&duration=30&team={personas.team_b.uuid}"
    )
    assert fragment.status_code == 400 and "team: no team in your scope has this id." in fragment.content.decode()


def test_the_private_feed_lists_shifts_and_coaching_and_can_be_revoked(personas, client_for):
    monday = next_monday()
    shift(personas.agent_a1, monday, title="Early")
    publish(
        Name.COACHING_SCHEDULED,
        data={
            "session_id": 7,
            "organization_id": 1,
            "agent_ids": [personas.agent_a1.pk],
            "coach_id": personas.supervisor_a.pk,
            "starts_at": (monday + timedelta(hours=2)).isoformat(),
            "ends_at": (monday + timedelta(hours=2, minutes=30)).isoformat(),
            "title": "Coaching: greetings",
        },
    )
    client = client_for("agent_a1")
    assert client.post("/schedules/feed/new/").status_code == 302
    page = client.get("/schedules/").content.decode()
    url = re.search(r"https?://[^/\s]+(/schedules/feed/[^<\s]+\.ics)", page).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert FeedToken.objects.get(user=personas.agent_a1).digest != token  # only a digest is stored
    feed = Client().get(url)  # no login
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(feed.content)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert [str(e["SUMMARY"]) for e in events] == ["Early", "Coaching: greetings"]
    early, coaching = events
    assert early.decoded("DTSTART") == monday and early.decoded("DTEND") == monday + timedelta(hours=8)
    assert early["CATEGORIES"].cats == ["SHIFT"] and str(early["TRANSP"]) == "TRANSPARENT"
    entry = Entry.objects.get(kind="coaching", user=personas.agent_a1)
    assert str(coaching["UID"]) == f"{entry.uuid}@cxq"
    assert coaching.decoded("DTSTART") == monday + timedelta(hours=2)
    assert coaching["CATEGORIES"].cats == ["COACHING"] and str(coaching["DESCRIPTION"]) == "Coaching session 7"
    assert str(cal["PRODID"]) == "-//CXQ//Schedules//EN" and str(cal["VERSION"]) == "2.0"
    # a new URL replaces the old one; revoking ends it
    client.post("/schedules/feed/new/")
    assert Client().get(url).status_code == 404
    client.post("/schedules/feed/revoke/")
    assert not FeedToken.objects.exists()
    assert Client().get("/schedules/feed/cxqfeed_nothing.ics").status_code == 404


@pytest.mark.parametrize("who,status", [("agent_a1", 403), ("supervisor_a", 302)])
def test_only_managers_change_the_forecast_weeks(personas, client_for, who, status):
    from cxq.schedules.models import ScheduleSettings

    answer = client_for(who).post("/schedules/settings/", {"forecast_weeks": "6"})
    assert answer.status_code == status
    assert ScheduleSettings.get().forecast_weeks == (6 if status == 302 else 4)
