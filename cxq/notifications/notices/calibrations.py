"""Calibration notices: invited to a session (created, or added later), session closed."""

from __future__ import annotations

from django.conf import settings

from cxq.accounts.models import User
from cxq.accounts.selectors import local_text
from cxq.events import DomainEvent, Name
from cxq.notifications.services import email_queue, notify


def session_link(session) -> str:
    return f"/calibrations/{session.uuid}/"


def on_invited(event: DomainEvent) -> None:
    """Each new assessor's task: an in-app notification and an email like an assignment's."""
    session, by = event.subject, event.actor
    for user in User.objects.filter(pk__in=event.data["invited"]).order_by("pk"):
        due = local_text(user, session.due_at)
        note = notify(
            recipient=user,
            kind="calibration.invited",
            email=False,
            title=f"Calibration “{session.name}”: score the interaction with “{session.scorecard.name}” by {due}",
            url=session_link(session),
        )
        email_queue(
            to=user.email,
            subject=f"Calibration session: {session.name}, due {due}",
            template="calibrations/email/invite",
            context={
                "session": session,
                "assessor": user,
                "scorecard": session.scorecard,
                "interaction": session.interaction,
                "due": due,
                "by": by,
                "benchmark": session.benchmark_id == user.pk,
                "link": f"{settings.CXQ_BASE_URL}{session_link(session)}",
            },
            notification=note,
        )


def on_closed(event: DomainEvent) -> None:
    session = event.subject
    for user in User.objects.filter(pk__in=event.data["assessors"]).order_by("pk"):
        notify(
            recipient=user,
            kind=Name.CALIBRATION_CLOSED,
            email=False,
            title=f"Calibration “{session.name}” is closed: see how the assessors compare",
            url=session_link(session),
        )
