"""In-app notifications and the email outbox.

1. ``notify`` writes the in-app row and, for users with email, an ``OutboundEmail`` row, inside the
   caller's transaction; it enqueues delivery on commit.
2. Delivery goes through the reusable outbox (``cxq/lib/outbox.py``): one worker claims a row with a
   lease, sends it, and records the outcome; failures back off exponentially; the periodic sweep
   delivers rows whose enqueue was lost or whose worker died, and fails rows whose every claim died
   (``CXQ_EMAIL_MAX_ATTEMPTS``).
"""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar

from cxq.lib.outbox import Outbox
from cxq.lib.text import one_line
from cxq.lib.urls import absolute_url
from cxq.notifications.models import Notification, OutboundEmail

logger = logging.getLogger(__name__)

EMAIL_OUTBOX = Outbox(model=OutboundEmail, max_attempts=lambda: settings.CXQ_EMAIL_MAX_ATTEMPTS)
LEASE = EMAIL_OUTBOX.lease
BACKOFF_MAX = EMAIL_OUTBOX.backoff_max
_claim = EMAIL_OUTBOX.claim
SUBJECT_MAX = OutboundEmail._meta.get_field("subject").max_length


def notify(
    *, recipient, kind: str, title: str, body: str = "", url: str = "", email: bool = True
) -> Notification | None:
    """Tell a user about something, in the app and (if they have an email) by mail."""
    if recipient is None or not recipient.is_active:
        return None
    note = Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, url=url)
    if email and recipient.email:
        email_queue(
            to=recipient.email,
            subject=title,
            template="notifications/email/notification",
            context={"recipient": recipient, "title": title, "body": body, "link": absolute_url(url or "/")},
            notification=note,
        )
    return note


def mail_subject(subject: str) -> str:
    """The one place a subject is made safe for the header: titles are built from names people
    typed (tokens, teams, people), and a line break in a header makes Django refuse the mail on
    every attempt (or, elsewhere, smuggles in a header). Line breaks and other control characters
    become spaces; the length is bounded."""
    return one_line(subject, max_length=SUBJECT_MAX) or "(no subject)"


def email_queue(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    notification: Notification | None = None,
    calendar: str = "",
) -> OutboundEmail:
    """Add a mail to the outbox and ask the worker to send it once the transaction commits. ``calendar``:
    an iCalendar document sent with it as an invite (``text/calendar`` with its METHOD)."""
    context = {**context, "base_url": settings.CXQ_BASE_URL}
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "cxq.local"
    mail = OutboundEmail.objects.create(
        notification=notification,
        to=to,
        subject=mail_subject(subject),
        body_text=render_to_string(f"{template}.txt", context),
        body_html=render_to_string(f"{template}.html", context),
        message_id=f"<{uuid.uuid4()}@{domain}>",
        calendar=calendar,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue_delivery(mail.pk))
    return mail


def _enqueue_delivery(mail_id: int) -> None:
    from cxq.notifications.tasks import deliver_email

    try:
        deliver_email(mail_id)
    except Exception:  # the sweep will send it; a queue hiccup must not fail the request
        logger.exception("Could not enqueue delivery of mail %s; the sweep will deliver it", mail_id)


def _send(mail: OutboundEmail, connection=None) -> None:
    message = EmailMultiAlternatives(
        subject=mail_subject(mail.subject),  # rows queued before subjects were cleaned, too
        body=mail.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers={"Message-ID": mail.message_id},
        connection=connection,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    if mail.calendar:
        _attach_calendar(message, mail.calendar)
    try:
        if connection is not None:
            connection.open()
        message.send(fail_silently=False)
    except Exception:
        if connection is not None:  # the next mail starts on a fresh connection
            with suppress(Exception):
                connection.close()
        raise


def _attach_calendar(message: EmailMultiAlternatives, text: str) -> None:
    """The invite twice, as mail clients expect: an alternative part ``text/calendar; method=…`` (what
    calendar-aware clients act on) and an ``invite.ics`` attachment (what the others offer to open)."""
    method = str(Calendar.from_ical(text).get("METHOD", "PUBLISH"))
    message.attach_alternative(text, f"text/calendar; method={method}; charset=utf-8")
    message.attach("invite.ics", text, "application/ics")


def email_deliver(*, mail_id: int, connection=None) -> bool:
    """Send one outbox mail if it is due and nobody else holds it. Returns True if it was sent.

    ``connection`` (optional, shared by the sweep) is opened inside the outbox's error handling, so an
    unreachable server counts as a failed attempt of this mail.
    """
    return EMAIL_OUTBOX.deliver(mail_id, lambda mail: _send(mail, connection))


def email_sweep(*, limit: int = 500) -> int:
    """Deliver every due mail (periodic job) over one shared connection, opened lazily so that an
    unreachable server is a failed attempt per mail, not a crashed sweep. Returns how many were sent."""
    ids = EMAIL_OUTBOX.due_ids(limit=limit)
    if not ids:
        return 0
    sent = 0
    connection = get_connection()
    try:
        for mail_id in ids:
            sent += email_deliver(mail_id=mail_id, connection=connection)
    finally:
        with suppress(Exception):
            connection.close()
    return sent


def email_retry(*, mail: OutboundEmail) -> OutboundEmail:
    """Put a failed mail back in the queue (admin action)."""
    EMAIL_OUTBOX.retry(mail.pk)
    transaction.on_commit(lambda: _enqueue_delivery(mail.pk))
    mail.refresh_from_db()
    return mail


# --- In-app ---------------------------------------------------------------------------------------


def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )
