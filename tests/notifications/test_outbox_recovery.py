"""Kill delivery half-way: the sweep repairs lost enqueues and dead workers, exactly once
(docs/architecture.md#outboxes).

These tests use ``transactional_db`` so the event's transaction really commits and its on-commit
enqueue runs the way it does in production (on SQLite and on PostgreSQL alike).
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from cxq.notifications import services
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import Notification
from cxq.notifications.services import LEASE, email_deliver, email_sweep
from tests.notifications.conftest import notify_committed, outbox_row_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sweep_delivers_a_mail_whose_enqueue_was_lost_exactly_once(smtp, personas):
    with mock.patch(
        "cxq.notifications.tasks.deliver_email", side_effect=ConnectionError("queue unreachable")
    ) as enqueue:
        note = notify_committed(personas.agent_a1, title="Assigned: 5 interactions to evaluate")

    mail = outbox_row_for(note)
    enqueue.assert_called_once_with(mail.pk)
    assert Notification.objects.filter(pk=note.pk).exists(), "the event itself committed"
    assert mail.status == EmailStatus.PENDING
    assert mail.attempts == 0
    assert smtp.messages == []

    assert email_sweep() == 1
    assert [m["Subject"] for m in smtp.messages] == ["Assigned: 5 interactions to evaluate"]
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENT
    assert mail.attempts == 1

    assert email_sweep() == 0
    assert len(smtp.messages) == 1


def test_the_sweep_redelivers_a_mail_whose_worker_died_after_claiming_it_once_the_lease_runs_out(smtp, personas, clock):
    def worker_claims_then_dies(mail_id: int) -> None:
        assert services._claim(mail_id, timezone.now())

    with mock.patch("cxq.notifications.tasks.deliver_email", side_effect=worker_claims_then_dies):
        note = notify_committed(personas.agent_a1, title="Dispute opened on evaluation #12")

    mail = outbox_row_for(note)
    assert mail.status == EmailStatus.SENDING
    assert mail.lease_until == clock.now + LEASE
    assert mail.attempts == 1
    assert smtp.messages == []

    # While the dead worker's lease holds, nobody else takes the row.
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert email_sweep() == 0
    assert smtp.messages == []

    clock.advance(seconds=2)
    assert email_sweep() == 1
    assert [m["Subject"] for m in smtp.messages] == ["Dispute opened on evaluation #12"]
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENT
    assert mail.lease_until is None
    assert mail.sent_at == clock.now
    assert mail.attempts == 2

    clock.advance(minutes=10)
    assert email_sweep() == 0
    assert len(smtp.messages) == 1


def test_a_row_left_sending_with_an_expired_lease_is_delivered_by_the_sweep(smtp, personas):
    with mock.patch("cxq.notifications.tasks.deliver_email"):
        note = notify_committed(personas.agent_a1)
    mail = outbox_row_for(note)
    # What a worker killed in another process leaves behind, its lease long gone.
    type(mail).objects.filter(pk=mail.pk).update(
        status=EmailStatus.SENDING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )

    assert email_sweep() == 1
    assert email_sweep() == 0
    assert len(smtp.messages) == 1
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENT


def test_the_enqueued_task_and_the_sweep_racing_for_the_same_mail_send_it_once(smtp, personas):
    with mock.patch("cxq.notifications.tasks.deliver_email"):
        note = notify_committed(personas.agent_a1)
    mail = outbox_row_for(note)

    assert email_sweep() == 1
    assert email_deliver(mail_id=mail.pk) is False  # the late task finds it already sent
    assert len(smtp.messages) == 1
