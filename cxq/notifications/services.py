"""In-app notifications and the email outbox (PL-8).

1. ``notify`` writes the in-app row and, for users with email, an ``OutboundEmail`` row, inside the
   caller's transaction; it enqueues delivery on commit.
2. ``email_deliver`` claims one row with a conditional UPDATE (so two workers never both send it),
   counting the attempt as it claims, sends it, and marks it sent; a failure schedules a retry with
   exponential backoff. The final UPDATE is fenced on the claim's lease, so a worker whose lease ran
   out (and whose row another worker re-claimed) cannot overwrite the newer holder's outcome.
3. ``email_sweep`` (periodic) delivers every due row, including rows whose enqueue was lost or whose
   worker died holding the claim, once the lease runs out. A row whose claims keep dying (it was
   claimed ``CXQ_EMAIL_MAX_ATTEMPTS`` times without an outcome) is marked failed instead of being
   retried forever.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from cxq.lib.text import one_line
from cxq.lib.urls import absolute_url
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import Notification, OutboundEmail

logger = logging.getLogger(__name__)

SUBJECT_MAX = OutboundEmail._meta.get_field("subject").max_length
LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 30
# Caps the exponential backoff: without it a large CXQ_EMAIL_MAX_ATTEMPTS overflows timedelta/datetime.
BACKOFF_MAX = timedelta(hours=6)


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
    *, to: str, subject: str, template: str, context: dict, notification: Notification | None = None
) -> OutboundEmail:
    """Add a mail to the outbox and ask the worker to send it once the transaction commits."""
    context = {**context, "base_url": settings.CXQ_BASE_URL}
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "cxq.local"
    mail = OutboundEmail.objects.create(
        notification=notification,
        to=to,
        subject=mail_subject(subject),
        body_text=render_to_string(f"{template}.txt", context),
        body_html=render_to_string(f"{template}.html", context),
        message_id=f"<{uuid.uuid4()}@{domain}>",
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


def _due(now: datetime) -> Q:
    """Rows a worker may take: pending and due, or claimed by a worker whose lease ran out."""
    return Q(status=EmailStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=EmailStatus.SENDING,
        lease_until__lt=now,
        attempts__lt=settings.CXQ_EMAIL_MAX_ATTEMPTS,
    )


def _claim(mail_id: int, now: datetime) -> bool:
    """Take the row for ``LEASE`` with one conditional UPDATE; True only for the one caller that won.

    The attempt is counted here, not after sending, so a mail whose delivery keeps killing the
    worker still runs out of attempts.
    """
    claimed = OutboundEmail.objects.filter(_due(now), pk=mail_id).update(
        status=EmailStatus.SENDING,
        lease_until=now + LEASE,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return claimed == 1


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** min(attempts - 1, 30)), BACKOFF_MAX)


def email_deliver(*, mail_id: int, connection=None) -> bool:
    """Send one outbox mail if it is due and nobody else holds it. Returns True if it was sent.

    ``connection`` (optional, shared by the sweep) is opened here, inside the error handling, so an
    unreachable server counts as a failed attempt of this mail; after a failure it is closed so the
    next mail starts on a fresh connection.
    """
    now = timezone.now()
    if not _claim(mail_id, now):
        return False
    held = OutboundEmail.objects.filter(pk=mail_id, status=EmailStatus.SENDING, lease_until=now + LEASE)
    mail = OutboundEmail.objects.get(pk=mail_id)
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
    try:
        if connection is not None:
            connection.open()
        message.send(fail_silently=False)
    except Exception as exc:
        if connection is not None:
            with suppress(Exception):
                connection.close()
        failed = mail.attempts >= settings.CXQ_EMAIL_MAX_ATTEMPTS
        held.update(
            status=EmailStatus.FAILED if failed else EmailStatus.PENDING,
            next_attempt_at=timezone.now() + _backoff(mail.attempts),
            lease_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        logger.warning("Mail %s to %s failed (attempt %s): %s", mail_id, mail.to, mail.attempts, exc)
        return False
    if not held.update(
        status=EmailStatus.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        last_error="",
        updated_at=timezone.now(),
    ):
        logger.warning("Mail %s was sent after its claim expired; another worker holds it now", mail_id)
    return True


def _fail_abandoned(now: datetime) -> int:
    """Give up on rows whose every claim died without an outcome (see ``_claim``)."""
    return OutboundEmail.objects.filter(
        status=EmailStatus.SENDING,
        lease_until__lt=now,
        attempts__gte=settings.CXQ_EMAIL_MAX_ATTEMPTS,
    ).update(
        status=EmailStatus.FAILED,
        lease_until=None,
        last_error="Delivery was interrupted on every attempt (the worker stopped while sending).",
        updated_at=now,
    )


def email_sweep(*, limit: int = 500) -> int:
    """Deliver every due mail (periodic job). Returns how many were sent.

    1. Mark failed the rows whose claims all died (``_fail_abandoned``).
    2. Take up to ``limit`` due rows, oldest first, and deliver each over one shared connection,
       opened lazily so that an unreachable server is a failed attempt per mail, not a crashed sweep.
    """
    now = timezone.now()
    _fail_abandoned(now)
    ids = list(OutboundEmail.objects.filter(_due(now)).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
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
    OutboundEmail.objects.filter(pk=mail.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, updated_at=timezone.now()
    )
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
