"""SMTP failures: retries with backoff, giving up after the last attempt, and the sweep surviving them."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

from django.test import override_settings

from cxq.notifications import services
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import BACKOFF_MAX, LEASE, email_deliver, email_sweep, notify


def _queue(user, title="Evaluation ready") -> OutboundEmail:
    """An outbox row as the event's transaction leaves it (on-commit delivery not run)."""
    note = notify(recipient=user, kind="test.event", title=title, url="/evaluations/1/")
    return OutboundEmail.objects.get(notification=note)


def test_an_unreachable_smtp_server_leaves_the_mail_pending_with_one_attempt_and_a_backoff(
    smtp_down, personas, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(recipient=personas.agent_a1, kind="test.event", title="Evaluation ready")

    mail = OutboundEmail.objects.get(notification=note)
    assert mail.status == EmailStatus.PENDING
    assert mail.attempts == 1
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert mail.next_attempt_at == clock.now + timedelta(seconds=30)
    assert mail.lease_until is None
    assert mail.sent_at is None


def test_the_backoff_doubles_with_every_failed_attempt(smtp_down, personas, clock):
    mail = _queue(personas.agent_a1)

    delays = []
    for _ in range(4):
        assert email_sweep() == 0
        mail.refresh_from_db()
        delays.append(mail.next_attempt_at - clock.now)
        clock.advance(seconds=delays[-1].total_seconds())

    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert mail.attempts == 4
    assert mail.status == EmailStatus.PENDING


def test_a_mail_is_not_retried_before_its_next_attempt_is_due(smtp_down, personas, clock):
    mail = _queue(personas.agent_a1)
    assert email_sweep() == 0

    clock.advance(seconds=29)
    email_sweep()
    assert email_deliver(mail_id=mail.pk) is False

    mail.refresh_from_db()
    assert mail.attempts == 1


@override_settings(CXQ_EMAIL_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_mail_is_failed_and_the_sweep_leaves_it_alone(smtp_down, personas, clock):
    mail = _queue(personas.agent_a1)

    for expected_attempts in (1, 2, 3):
        email_sweep()
        mail.refresh_from_db()
        assert mail.attempts == expected_attempts
        clock.advance(hours=1)

    assert mail.status == EmailStatus.FAILED
    assert "ConnectionRefusedError" in mail.last_error

    clock.advance(days=2)
    assert email_sweep() == 0
    mail.refresh_from_db()
    assert mail.status == EmailStatus.FAILED
    assert mail.attempts == 3


def test_a_sweep_while_the_smtp_server_is_down_records_a_failed_attempt_for_every_due_mail(smtp_down, personas, clock):
    mails = [_queue(personas.agent_a1), _queue(personas.agent_b1), _queue(personas.supervisor_a)]

    assert email_sweep() == 0

    for mail in mails:
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == (EmailStatus.PENDING, 1)
        assert mail.last_error.startswith("ConnectionRefusedError")
        assert mail.next_attempt_at == clock.now + timedelta(seconds=30)


def test_a_mail_the_server_rejects_is_retried_and_the_sweep_still_delivers_the_others(smtp, personas):
    smtp.handler.reject_to.add("agent.b1@example.com")
    rejected = _queue(personas.agent_b1, title="For Bea")
    delivered = [_queue(personas.agent_a1, title="For Andy"), _queue(personas.supervisor_a, title="For Sam")]

    assert email_sweep() == 2

    assert sorted(m["Subject"] for m in smtp.messages) == ["For Andy", "For Sam"]
    rejected.refresh_from_db()
    assert rejected.status == EmailStatus.PENDING
    assert rejected.attempts == 1
    assert rejected.last_error.startswith("SMTPDataError")
    assert "554" in rejected.last_error
    for mail in delivered:
        mail.refresh_from_db()
        assert mail.status == EmailStatus.SENT


@override_settings(CXQ_EMAIL_MAX_ATTEMPTS=60)
def test_the_backoff_is_capped_so_a_high_attempt_limit_cannot_overflow_the_schedule(smtp_down, personas, clock):
    mail = _queue(personas.agent_a1)
    OutboundEmail.objects.filter(pk=mail.pk).update(attempts=45)

    assert email_sweep() == 0

    mail.refresh_from_db()
    assert mail.status == EmailStatus.PENDING
    assert mail.attempts == 46
    assert mail.next_attempt_at == clock.now + BACKOFF_MAX


@override_settings(CXQ_EMAIL_MAX_ATTEMPTS=3)
def test_a_mail_whose_every_claim_died_is_failed_instead_of_retried_forever(smtp, personas, clock):
    mail = _queue(personas.agent_a1)
    OutboundEmail.objects.filter(pk=mail.pk).update(
        status=EmailStatus.SENDING, attempts=3, lease_until=clock.now - timedelta(seconds=1)
    )

    assert email_sweep() == 0

    mail.refresh_from_db()
    assert mail.status == EmailStatus.FAILED
    assert mail.lease_until is None
    assert "interrupted" in mail.last_error
    assert smtp.messages == []


@override_settings(CXQ_EMAIL_MAX_ATTEMPTS=3)
def test_a_dead_claim_with_attempts_left_is_still_delivered(smtp, personas, clock):
    mail = _queue(personas.agent_a1)
    OutboundEmail.objects.filter(pk=mail.pk).update(
        status=EmailStatus.SENDING, attempts=2, lease_until=clock.now - timedelta(seconds=1)
    )

    assert email_sweep() == 1

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (EmailStatus.SENT, 3)
    assert len(smtp.messages) == 1


def test_a_worker_whose_lease_expired_mid_send_does_not_overwrite_the_newer_claim(personas, clock):
    mail = _queue(personas.agent_a1)
    reclaimed_at = clock.now + LEASE + timedelta(seconds=1)

    def slow_send_then_fail(messages):
        # While worker A is stuck in SMTP its lease runs out and the sweep (worker B) re-claims.
        assert services._claim(mail.pk, reclaimed_at)
        raise smtplib.SMTPServerDisconnected("connection lost")

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=slow_send_then_fail):
        assert email_deliver(mail_id=mail.pk) is False

    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENDING, "worker B's claim stands"
    assert mail.lease_until == reclaimed_at + LEASE
    assert mail.attempts == 2
    assert mail.last_error == ""
