"""A person's schedule as an iCalendar feed (docs/schedules.md#calendar-feed): their shifts and
activities, coaching activities included, from 60 days back to 180 days ahead."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from django.utils import timezone

from cxq.accounts.models import User
from cxq.schedules.choices import Kind
from cxq.schedules.selectors import entries_between

PAST_DAYS = 60
FUTURE_DAYS = 180


def feed_calendar(user: User, *, now=None) -> bytes:
    now = now or timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CXQ//Schedules//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"CXQ schedule — {user}")
    for entry in entries_between(
        user=user, start=now - timedelta(days=PAST_DAYS), end=now + timedelta(days=FUTURE_DAYS)
    ):
        event = icalendar.Event()
        event.add("uid", f"{entry.uuid}@cxq")
        event.add("dtstamp", entry.updated_at)
        event.add("last-modified", entry.updated_at)
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.ends_at)
        label = Kind(entry.kind).label
        event.add("summary", entry.title if entry.title else label)
        event.add("categories", [label.upper()])
        event.add("transp", "TRANSPARENT" if entry.kind == Kind.SHIFT else "OPAQUE")
        if entry.kind == Kind.COACHING:
            event.add("description", f"Coaching session {entry.coaching_session}".strip())
        cal.add_component(event)
    return cal.to_ical()
