"""Claiming an outbox row: one conditional UPDATE with a lease, so only one worker ever holds it."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connections
from django.utils import timezone

from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import LEASE, _claim, email_queue


def _pending_mail() -> OutboundEmail:
    """A due outbox row nobody has tried yet (its on-commit enqueue is held back)."""
    with mock.patch("cxq.notifications.services._enqueue_delivery"):
        return email_queue(
            to="agent.a1@example.com",
            subject="Evaluation ready",
            template="notifications/email/notification",
            context={"recipient": None, "title": "Evaluation ready", "body": "", "link": "https://x/"},
        )


@pytest.mark.django_db
def test_two_claims_of_the_same_mail_only_the_first_wins():
    mail = _pending_mail()
    now = timezone.now()

    assert _claim(mail.pk, now) is True
    assert _claim(mail.pk, now) is False

    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENDING
    assert mail.lease_until == now + LEASE
    assert mail.attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [EmailStatus.SENT, EmailStatus.FAILED])
def test_a_sent_or_failed_mail_cannot_be_claimed(status):
    mail = _pending_mail()
    OutboundEmail.objects.filter(pk=mail.pk).update(status=status)

    assert _claim(mail.pk, timezone.now() + timedelta(days=1)) is False
    mail.refresh_from_db()
    assert mail.status == status
    assert mail.attempts == 0


@pytest.mark.django_db
def test_a_mail_scheduled_for_later_cannot_be_claimed_yet():
    mail = _pending_mail()
    OutboundEmail.objects.filter(pk=mail.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))

    assert _claim(mail.pk, timezone.now()) is False
    assert _claim(mail.pk, timezone.now() + timedelta(minutes=2)) is True


@pytest.mark.django_db
def test_a_held_claim_is_taken_over_only_after_its_lease_expires():
    mail = _pending_mail()
    now = timezone.now()
    assert _claim(mail.pk, now)

    assert _claim(mail.pk, now + LEASE) is False  # lease_until < now is strict
    assert _claim(mail.pk, now + LEASE + timedelta(microseconds=1)) is True

    mail.refresh_from_db()
    assert mail.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_mail_at_the_same_moment_only_one_wins():
    mail = _pending_mail()
    now = timezone.now()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=5)
            results.append(_claim(mail.pk, now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(results) == [False, True]
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENDING
    assert mail.attempts == 1
