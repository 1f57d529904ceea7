from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel, TimeStampedModel
from cxq.lib.outbox import OutboxFields


class Notification(PublicIdModel):
    """An in-app notification (the bell)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="Site-relative link to what it is about")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the notification list, newest first
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
            # the bell's unread count
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notif_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class OutboundEmail(OutboxFields, TimeStampedModel):
    """The email outbox. Written in the same transaction as the event; delivered by the worker through
    the reusable outbox (cxq/lib/outbox.py), which owns status, attempts, the lease and the backoff.

    ``status`` moves pending → sending (claimed, with a lease) → sent, or back to pending with a later
    ``next_attempt_at`` after a failure, or failed after the last attempt. A claim whose lease ran out
    (a worker killed mid-way) is taken again by the sweep.
    """

    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL)
    to = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    # an iCalendar invite sent with the mail (text/calendar, its METHOD in the part's header), e.g. a coaching
    # session's (docs/coaching.md#invites)
    calendar = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the sweep: due pending rows and expired claims
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="outbox_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
