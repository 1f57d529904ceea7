"""What people are told about coaching sessions (docs/coaching.md#invites): OUTBOX subscribers of the
coaching.* events, written with the change through the notifications outbox (in-app notice and mail,
the mail carrying the iCalendar invite)."""

from __future__ import annotations

from cxq.accounts.models import User
from cxq.accounts.selectors import local_text
from cxq.coaching import ics
from cxq.coaching.choices import Kind, Status
from cxq.coaching.models import CoachingSession, FocusItem
from cxq.coaching.projections import withdrawal_of
from cxq.events import DomainEvent, Name
from cxq.lib.urls import absolute_url
from cxq.notifications.services import email_queue, notify


def session_link(session: CoachingSession) -> str:
    return f"/coaching/{session.uuid}/"


def _when(session: CoachingSession, user) -> str:
    if session.kind == Kind.ASYNC:
        return f"due {local_text(user, session.due_at)}"
    return local_text(user, session.starts_at)


def _mail(session: CoachingSession, user, *, subject: str, intro: str, calendar: str, note, by) -> None:
    email_queue(
        to=user.email,
        subject=subject,
        template="coaching/email/invite",
        context={
            "session": session,
            "recipient": user,
            "intro": intro,
            "when": _when(session, user),
            "by": by,
            "link": absolute_url(session_link(session)),
        },
        notification=note,
        calendar=calendar,
    )


def _agents(ids) -> list[User]:
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def on_scheduled(event: DomainEvent) -> None:
    """Each agent: an in-app notice and a mail with the invite (METHOD:REQUEST). A rescheduled session
    sends the same UID with the next SEQUENCE; an agent taken off it gets a cancellation."""
    session: CoachingSession = event.subject
    updated = event.name == Name.COACHING_RESCHEDULED
    calendar = ics.invite(session)
    for user in _agents(event.data["agent_ids"]):
        when = _when(session, user)
        title = (
            f"Coaching “{session.title}” {'moved to' if updated else 'with ' + session.coach.full_name + ','} {when}"
        )
        note = notify(recipient=user, kind=event.name, email=False, title=title, url=session_link(session))
        if user.email:
            intro = (
                "The coaching session was changed."
                if updated
                else f"{session.coach.full_name} scheduled a coaching session with you."
            )
            _mail(session, user, subject=title, intro=intro, calendar=calendar, note=note, by=event.actor)
    removed = _agents(event.data.get("removed_agent_ids", []))
    if removed:
        cancel = ics.invite(session, method="CANCEL", agents=removed)
        for user in removed:
            title = f"Coaching “{session.title}”: you are no longer invited"
            note = notify(recipient=user, kind=Name.COACHING_CANCELLED, email=False, title=title, url="/coaching/")
            if user.email:
                _mail(session, user, subject=title, intro=title + ".", calendar=cancel, note=note, by=event.actor)


def on_cancelled(event: DomainEvent) -> None:
    """Each agent: the cancellation (same UID, next SEQUENCE, METHOD:CANCEL)."""
    session: CoachingSession = event.subject
    calendar = ics.invite(session)
    reason = event.data.get("reason") or ""
    for user in _agents(event.data["agent_ids"]):
        title = f"Coaching “{session.title}” on {_when(session, user)} is cancelled"
        note = notify(recipient=user, kind=event.name, email=False, title=title, body=reason, url=session_link(session))
        if user.email:
            intro = f"{session.coach.full_name} cancelled the session." + (f" “{reason}”" if reason else "")
            _mail(session, user, subject=title, intro=intro, calendar=calendar, note=note, by=event.actor)


def on_completed(event: DomainEvent) -> None:
    """Each agent is asked to read the outcome and acknowledge the session (in the app and by mail)."""
    session: CoachingSession = event.subject
    for user in _agents(event.data["agent_ids"]):
        notify(
            recipient=user,
            kind=event.name,
            title=f"Coaching “{session.title}”: read the outcome and acknowledge it",
            body=session.outcome_notes[:500],
            url=session_link(session),
        )


def on_acknowledged(event: DomainEvent) -> None:
    session: CoachingSession = event.subject
    agent = event.actor
    notify(
        recipient=session.coach,
        kind=event.name,
        email=False,
        title=f"{agent.full_name} acknowledged the coaching session “{session.title}”",
        url=session_link(session),
    )


def on_missed(event: DomainEvent) -> None:
    session: CoachingSession = event.subject
    notify(
        recipient=session.coach,
        kind=event.name,
        email=False,
        title=f"Coaching “{session.title}” is marked missed: reschedule it or record that it was held",
        url=session_link(session),
    )


def on_focus_withdrawn(event: DomainEvent) -> None:
    """The coach of each session still to be held (scheduled or missed) whose focus had the voided or
    deleted evaluation: one notice a session (in the app and by mail), with the session's link. A
    completed or cancelled session keeps the item marked withdrawn, without a notice."""
    evaluation = event.subject
    reason = withdrawal_of(event)
    sessions = (
        CoachingSession.objects.filter(
            status__in=(Status.SCHEDULED, Status.MISSED),
            pk__in=FocusItem.objects.filter(withdrawn_evaluation=evaluation.uuid, withdrawn_reason=reason).values(
                "session_id"
            ),
        )
        .select_related("coach")
        .order_by("pk")
    )
    by = f" by {event.actor.full_name}" if getattr(event.actor, "full_name", "") else ""
    for session in sessions:
        notify(
            recipient=session.coach,
            kind=event.name,
            title=f"Coaching “{session.title}”: an evaluation in its focus was {reason}",
            body=f"The evaluation of {evaluation.agent.full_name} ({evaluation.scorecard.name}) was {reason}{by}. "
            "It stays in the focus marked withdrawn: choose another before the session if needed.",
            url=session_link(session),
        )
