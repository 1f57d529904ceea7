"""The iCalendar invite of a coaching session (docs/coaching.md#invites), built with ``icalendar``.

One event per session, whose UID never changes: an update is the same UID with the next SEQUENCE and
METHOD:REQUEST; a cancellation the same UID, the next SEQUENCE, METHOD:CANCEL and STATUS:CANCELLED.
ORGANIZER is the coach, each agent an ATTENDEE. An asynchronous session is an event ending at its due
time, as long as its duration: the time set aside to go through the material."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from cxq.coaching.choices import Kind, Status
from cxq.coaching.models import CoachingSession
from cxq.lib.urls import absolute_url

PRODID = "-//CXQ//Coaching sessions//EN"


def _address(user, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.full_name or user.email)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def _times(session: CoachingSession):
    if session.kind == Kind.ASYNC:
        end = session.due_at
        return end - timedelta(minutes=session.duration_minutes), end
    return session.starts_at, session.starts_at + timedelta(minutes=session.duration_minutes)


def _description(session: CoachingSession, link: str) -> str:
    lines = []
    if session.kind == Kind.VIDEO:
        lines.append(f"Join: {session.meeting_url}")
    elif session.kind == Kind.ASYNC:
        lines.append("Go through the material before the due time.")
        if session.material_url:
            lines.append(f"Material: {session.material_url}")
        if session.material:
            lines.append(session.material)
    lines.append(f"Details: {link}")
    return "\n".join(lines)


def invite(session: CoachingSession, *, method: str | None = None, agents=None) -> str:
    """The session's calendar as text. ``method`` defaults to CANCEL for a cancelled session, else REQUEST;
    ``agents`` (default: the session's) are the attendees, e.g. an agent taken off the session, whose
    calendar gets a CANCEL."""
    cancelled = session.status == Status.CANCELLED or method == "CANCEL"
    method = method or ("CANCEL" if cancelled else "REQUEST")
    start, end = _times(session)
    link = absolute_url(f"/coaching/{session.uuid}/")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", session.ics_uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", f"Coaching: {session.title}")
    event.add("description", _description(session, link))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if session.kind == Kind.VIDEO:
        event.add("location", session.meeting_url)
        event.add("url", session.meeting_url)
    elif session.kind == Kind.IN_PERSON:
        event.add("location", session.location)
    else:
        event.add("url", session.material_url or link)
    event.add("organizer", _address(session.coach))
    people = agents if agents is not None else [seat.agent for seat in session.attendees.all()]
    for agent in people:
        event.add(
            "attendee",
            _address(agent, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
            encode=0,
        )
    cal.add_component(event)
    return cal.to_ical().decode()
