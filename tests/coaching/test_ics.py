"""The invite parsed back with icalendar, field by field (docs/coaching.md#invites)."""

from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Calendar

from cxq.coaching import services
from cxq.notifications.models import OutboundEmail
from tests.coaching.conftest import session_input


def _invites(agent) -> list:
    mails = OutboundEmail.objects.filter(to=agent.email).exclude(calendar="").order_by("id")
    return [Calendar.from_ical(m.calendar) for m in mails]


def _event(cal):
    (event,) = cal.walk("VEVENT")
    return event


def test_the_invite_update_and_cancellation_keep_the_uid_and_bump_the_sequence(personas, session):
    sup, agent = personas.supervisor_a, personas.agent_a1
    moved_to = session.starts_at + timedelta(days=1)
    services.session_update(by=sup, session=session, data=session_input(sup, [agent], starts_at=moved_to))
    services.session_cancel(by=sup, session=session, reason="Agent on leave")
    first, update, cancel = _invites(agent)

    assert [str(c["METHOD"]) for c in (first, update, cancel)] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [_event(c) for c in (first, update, cancel)]
    assert {str(e["UID"]) for e in events} == {f"coaching-{session.uuid}@cxq"}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]

    e = events[0]
    assert e.decoded("DTSTART") == session.starts_at.astimezone(UTC)
    assert e.decoded("DTEND") - e.decoded("DTSTART") == timedelta(minutes=30)
    assert events[1].decoded("DTSTART") == moved_to.astimezone(UTC)
    assert str(e["SUMMARY"]) == "Coaching: Greeting practice"
    assert str(e["LOCATION"]) == "https://meet.example.com/abc"
    assert str(e["ORGANIZER"]) == f"mailto:{sup.email}"
    assert e["ORGANIZER"].params["CN"] == sup.full_name
    attendee = e["ATTENDEE"]
    assert str(attendee) == f"mailto:{agent.email}"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT" and attendee.params["RSVP"] == "TRUE"
    assert f"/coaching/{session.uuid}/" in str(e["DESCRIPTION"])
    assert str(first["PRODID"]).startswith("-//CXQ//")


def test_an_agent_taken_off_the_session_gets_a_cancellation(personas, session):
    from tests.conftest import make_user

    other = make_user("agent.a2@example.com", "Ann Two", "agent")
    personas.team_a.members.add(other)
    sup = personas.supervisor_a
    services.session_update(by=sup, session=session, data=session_input(sup, [other], starts_at=session.starts_at))
    cancel = _invites(personas.agent_a1)[-1]
    assert str(cancel["METHOD"]) == "CANCEL"
    assert int(_event(cancel)["SEQUENCE"]) == 1
    invite = _invites(other)[-1]
    assert str(invite["METHOD"]) == "REQUEST" and str(_event(invite)["ATTENDEE"]) == f"mailto:{other.email}"


def test_the_mail_carries_the_invite_as_a_calendar_part(personas, session, mailoutbox):
    from cxq.notifications.services import email_deliver

    mail = OutboundEmail.objects.filter(to=personas.agent_a1.email).exclude(calendar="").get()
    assert email_deliver(mail_id=mail.pk)
    sent = mailoutbox[-1]
    types = [a[1] for a in sent.alternatives]
    assert "text/calendar; method=REQUEST; charset=utf-8" in types
    assert sent.attachments[0][0] == "invite.ics"


def test_an_asynchronous_session_ends_at_its_due_time(personas):
    from django.utils import timezone

    due = timezone.now().replace(microsecond=0) + timedelta(days=3)
    data = session_input(
        personas.supervisor_a,
        [personas.agent_a1],
        kind="async",
        starts_at=None,
        due_at=due,
        material="Listen to the two calls",
        material_url="https://wiki.example.com/greeting",
        duration_minutes=45,
    )
    services.session_create(by=personas.supervisor_a, data=data)
    e = _event(_invites(personas.agent_a1)[-1])
    assert e.decoded("DTEND") == due.astimezone(UTC)
    assert e.decoded("DTSTART") == (due - timedelta(minutes=45)).astimezone(UTC)
    assert str(e["URL"]) == "https://wiki.example.com/greeting"
