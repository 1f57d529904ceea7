"""The reusable outbox (cxq/lib/outbox.py) with a delivery kind of its own, as outbound webhooks will use it."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from cxq.lib.outbox import ABANDONED, Outbox, OutboxStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import email_queue

KIND = Outbox(model=OutboundEmail, max_attempts=lambda: 3, lease=timedelta(minutes=1), backoff_base_seconds=10)


def _row() -> OutboundEmail:
    with mock.patch("cxq.notifications.services._enqueue_delivery"):
        return email_queue(
            to="x@example.com", subject="Ping", template="notifications/email/notification", context={"link": "/"}
        )


@pytest.mark.django_db
def test_a_kind_delivers_with_its_own_send_once():
    row, delivered = _row(), []
    assert KIND.deliver(row.pk, lambda r: delivered.append(r.pk)) is True
    assert KIND.deliver(row.pk, lambda r: delivered.append(r.pk)) is False  # already sent
    row.refresh_from_db()
    assert delivered == [row.pk] and row.status == OutboxStatus.SENT and row.sent_at is not None


@pytest.mark.django_db
def test_failures_back_off_then_fail_after_the_last_attempt():
    row = _row()

    def refuse(r):
        raise ConnectionError("receiver said 503")

    for attempt in (1, 2, 3):
        OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert KIND.deliver(row.pk, refuse) is False
        row.refresh_from_db()
        assert row.attempts == attempt and "503" in row.last_error
        if attempt < 3:
            assert row.status == OutboxStatus.PENDING
            assert row.next_attempt_at >= before + timedelta(seconds=10 * 2 ** (attempt - 1))
    assert row.status == OutboxStatus.FAILED
    assert KIND.retry(row.pk) and OutboundEmail.objects.get(pk=row.pk).status == OutboxStatus.PENDING


@pytest.mark.django_db
def test_the_sweep_takes_expired_claims_and_fails_rows_whose_every_claim_died():
    row, gone = _row(), _row()
    past = timezone.now() - timedelta(minutes=5)
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=past)
    assert KIND.claim(row.pk, past)  # a worker took it and died
    OutboundEmail.objects.filter(pk=gone.pk).update(status=OutboxStatus.SENDING, lease_until=past, attempts=3)
    assert KIND.due_ids(limit=10) == [row.pk]
    gone.refresh_from_db()
    assert gone.status == OutboxStatus.FAILED and gone.last_error == ABANDONED
