"""Outbound webhooks (docs/webhooks.md): endpoints admins configure, one delivery row per event and
endpoint (an outbox kind, cxq/lib/outbox.py), and the log of every attempt to deliver it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel, TimeStampedModel
from cxq.lib.outbox import OutboxFields


class Endpoint(PublicIdModel):
    """A URL that receives the events it subscribes to, signed with its own secret.

    ``secret_sealed`` is the secret encrypted with a key derived from the server's secret key
    (docs/webhooks.md#the-secret): it must be read back to sign, so it cannot be a hash.
    ``failing_since`` is when the first failure after the last success happened; after
    ``CXQ_WEBHOOK_DISABLE_AFTER_HOURS`` of nothing but failures the endpoint is disabled."""

    name = models.CharField(max_length=120)
    url = models.CharField(max_length=2000)
    secret_sealed = models.TextField()
    events = models.JSONField(default=list, help_text="Public event names this endpoint receives")
    enabled = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(OutboxFields, PublicIdModel):
    """One event for one endpoint. ``event_id`` is the same for every endpoint and every attempt (and a
    resend): receivers deduplicate on it. ``body`` is the exact JSON sent (signed afresh per attempt)."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=64)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_event_unique"),
        ]
        indexes = [
            # the sweep: due pending rows and expired claims
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="webhook_due_idx",
            ),
            # an endpoint's delivery log, newest first
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.status})"


class Attempt(TimeStampedModel):
    """One try at a delivery: what the receiver answered (or why nothing was answered)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    ok = models.BooleanField(default=False)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "-id"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery_id}: {'ok' if self.ok else 'failed'}"
