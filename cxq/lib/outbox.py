"""A reusable transactional outbox: claim, lease, backoff, sweep (docs/architecture.md, "Outboxes").

Work that leaves the system (a mail, later a webhook delivery) is written as a row in the same
transaction as the change that causes it, then delivered by the worker:

1. ``claim`` takes a due row with one conditional UPDATE (so two workers never both deliver it),
   counting the attempt as it claims — a delivery that keeps killing its worker still runs out of
   attempts — and holds it for ``lease``.
2. ``deliver`` calls the kind's ``send(row)``; success marks it done, an exception schedules a retry
   with capped exponential backoff, or marks it failed after the last attempt. The final UPDATE is
   fenced on the claim's lease: a worker whose lease ran out (and whose row another worker re-claimed)
   cannot overwrite the newer holder's outcome.
3. ``sweep`` (periodic) first fails rows whose every claim died, then delivers every due row —
   including rows whose enqueue was lost or whose worker died holding the claim, once its lease ran out.

A model used as an outbox has the fields of :class:`OutboxFields`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger("cxq.outbox")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxFields(models.Model):
    """The columns an outbox row needs (abstract; the model also needs ``updated_at``)."""

    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class GiveUp(Exception):
    """Raised by a ``send`` that must not be retried (its destination was switched off, say): the row
    fails now, whatever attempts it has left."""


ABANDONED = "Delivery was interrupted on every attempt (the worker stopped while sending)."


@dataclass(frozen=True)
class Outbox:
    """One kind of delivery over one model. ``max_attempts`` (and ``backoff_base_seconds`` when it is
    a function) is read when needed (settings may change).

    ``jitter`` spreads retries: a delay is drawn uniformly between ``(1 - jitter)`` and 1 times the
    exponential one, so deliveries that failed together (a receiver down for everyone) do not all
    come back at the same second."""

    model: type[models.Model]
    max_attempts: Callable[[], int]
    lease: timedelta = timedelta(minutes=5)
    backoff_base_seconds: float | Callable[[], float] = 30
    backoff_max: timedelta = timedelta(hours=6)  # without a cap a large attempt count overflows datetime
    jitter: float = 0.0

    def due(self, now: datetime) -> Q:
        """Rows a worker may take: pending and due, or claimed by a worker whose lease ran out."""
        return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
            status=OutboxStatus.SENDING, lease_until__lt=now, attempts__lt=self.max_attempts()
        )

    def claim(self, pk: int, now: datetime) -> bool:
        """Take the row for ``lease`` with one conditional UPDATE; True only for the caller that won."""
        claimed = self.model.objects.filter(self.due(now), pk=pk).update(
            status=OutboxStatus.SENDING, lease_until=now + self.lease, attempts=F("attempts") + 1, updated_at=now
        )
        return claimed == 1

    def backoff(self, attempts: int) -> timedelta:
        base = self.backoff_base_seconds() if callable(self.backoff_base_seconds) else self.backoff_base_seconds
        delay = min(timedelta(seconds=base * 2 ** min(attempts - 1, 30)), self.backoff_max)
        if self.jitter:
            delay *= 1 - self.jitter * random.random()
        return delay

    def deliver(self, pk: int, send: Callable[[models.Model], None]) -> bool:
        """Deliver one row if it is due and nobody else holds it; True if ``send`` succeeded."""
        now = timezone.now()
        if not self.claim(pk, now):
            return False
        held = self.model.objects.filter(pk=pk, status=OutboxStatus.SENDING, lease_until=now + self.lease)
        row = self.model.objects.get(pk=pk)
        try:
            send(row)
        except Exception as exc:
            failed = row.attempts >= self.max_attempts() or isinstance(exc, GiveUp)
            held.update(
                status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
                next_attempt_at=timezone.now() + self.backoff(row.attempts),
                lease_until=None,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                updated_at=timezone.now(),
            )
            logger.warning("%s %s failed (attempt %s): %s", self.model.__name__, pk, row.attempts, exc)
            return False
        if not held.update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error="", updated_at=timezone.now()
        ):
            logger.warning(
                "%s %s was delivered after its claim expired; another worker holds it", self.model.__name__, pk
            )
        return True

    def fail_abandoned(self, now: datetime) -> int:
        """Give up on rows whose every claim died without an outcome."""
        return self.model.objects.filter(
            status=OutboxStatus.SENDING, lease_until__lt=now, attempts__gte=self.max_attempts()
        ).update(status=OutboxStatus.FAILED, lease_until=None, last_error=ABANDONED, updated_at=now)

    def due_ids(self, *, limit: int) -> list[int]:
        now = timezone.now()
        self.fail_abandoned(now)
        return list(
            self.model.objects.filter(self.due(now)).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
        )

    def requeue(self, pk: int) -> bool:
        """Send a row again from the start, whether it failed or was sent (a "resend"); not while it
        is waiting or being sent already."""
        now = timezone.now()
        return bool(
            self.model.objects.filter(pk=pk, status__in=[OutboxStatus.FAILED, OutboxStatus.SENT]).update(
                status=OutboxStatus.PENDING, next_attempt_at=now, attempts=0, lease_until=None, updated_at=now
            )
        )

    def retry(self, pk: int) -> bool:
        """Put a failed row back in the queue (an admin's action)."""
        now = timezone.now()
        return bool(
            self.model.objects.filter(pk=pk, status=OutboxStatus.FAILED).update(
                status=OutboxStatus.PENDING, next_attempt_at=now, attempts=0, updated_at=now
            )
        )
