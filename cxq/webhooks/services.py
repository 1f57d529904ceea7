"""Outbound webhooks (docs/webhooks.md): endpoints, the URL-validation handshake, queueing deliveries
from domain events, and delivering them through the reusable outbox (cxq/lib/outbox.py).

1. ``on_event`` (an OUTBOX subscriber, cxq/wiring.py) writes one ``Delivery`` per subscribed, enabled
   endpoint inside the writer's transaction and asks the worker to deliver it once that commits.
2. ``webhook_deliver`` claims the row with a lease, POSTs the signed body (no redirect followed, the
   destination checked against the SSRF guard at connect time), logs the attempt, and records the
   outcome; failures back off exponentially with jitter; the periodic sweep delivers what an enqueue
   lost or a dead worker left. Delivery is at least once: receivers deduplicate on the event id.
3. An endpoint that has done nothing but fail for ``CXQ_WEBHOOK_DISABLE_AFTER_HOURS`` is disabled and
   ``webhook_endpoint.disabled`` published (notifications tells the admins).
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets as token_source
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from cxq.events import AuditTrail, DomainEvent, Name, publish
from cxq.lib.fetch import FetchPolicy, FetchRefused, check_url, send_once
from cxq.lib.inputs import check_text
from cxq.lib.outbox import GiveUp, Outbox, OutboxStatus
from cxq.lib.signature import sign, validation_token
from cxq.webhooks import registry
from cxq.webhooks import secrets as endpoint_secrets
from cxq.webhooks.models import Attempt, Delivery, Endpoint
from cxq.webhooks.policies import require_manage

logger = logging.getLogger(__name__)

WEBHOOK_OUTBOX = Outbox(
    model=Delivery,
    max_attempts=lambda: settings.CXQ_WEBHOOK_MAX_ATTEMPTS,
    backoff_base_seconds=lambda: settings.CXQ_WEBHOOK_BACKOFF_SECONDS,
    jitter=0.5,
    lease=timedelta(minutes=2),  # longer than the longest timeout a delivery may wait (60 s)
)
EXCERPT_CHARS = 1000
USER_AGENT = "CXQ-Webhooks/1"
MAX_URL = Endpoint._meta.get_field("url").max_length


def fetch_policy() -> FetchPolicy:
    """The SSRF guard for endpoints: any public host; private networks only as the settings allow."""
    return FetchPolicy.build(
        any_host=True,
        allow_http=settings.CXQ_WEBHOOK_ALLOW_HTTP,
        private_networks=settings.CXQ_WEBHOOK_PRIVATE_NETWORKS,
        setting="CXQ_WEBHOOK",
    )


# --- Sending one signed request --------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    ok: bool
    response_code: int | None
    latency_ms: int
    excerpt: str
    error: str
    json: object = None


def _timestamp() -> str:
    return str(int(time.time() * 1000))


def post(url: str, *, secret: str, body: bytes, event_type: str, event_id: str, attempt: int = 1) -> Result:
    """POST ``body`` signed like inbound webhooks (docs/webhooks.md#signature); never raises."""
    timestamp = _timestamp()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(secret, timestamp, body),
        "x-cxq-event": event_type,
        "x-cxq-event-id": event_id,
        "x-cxq-delivery-attempt": str(attempt),
    }
    started = time.monotonic()
    timeout = settings.CXQ_WEBHOOK_TIMEOUT

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with send_once("POST", url, policy=fetch_policy(), timeout=timeout, body=body, headers=headers) as response:
            raw = response.read(64 * 1024)
            code = response.status
    except FetchRefused as exc:
        return Result(False, None, elapsed(), "", f"Refused: {exc}")
    except TimeoutError:
        return Result(False, None, elapsed(), "", f"No answer within {timeout} s (timed out).")
    except (OSError, http.client.HTTPException) as exc:
        return Result(False, None, elapsed(), "", f"{type(exc).__name__}: {exc}"[:500])
    text = raw.decode("utf-8", errors="replace")
    excerpt = text[:EXCERPT_CHARS]
    if 300 <= code < 400:
        return Result(False, code, elapsed(), excerpt, f"HTTP {code}: redirects are not followed.")
    if not 200 <= code < 300:
        return Result(False, code, elapsed(), excerpt, f"HTTP {code}")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return Result(True, code, elapsed(), excerpt, "", parsed)


def envelope(event_type: str, *, event_id: str, version: int, obj: dict) -> str:
    """The JSON every delivery carries (docs/webhooks.md#envelope)."""
    return json.dumps(
        {
            "event": event_type,
            "event_id": event_id,
            "event_ts": int(timezone.now().timestamp() * 1000),
            "version": version,
            "payload": {"object": obj},
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def handshake(url: str, secret: str) -> None:
    """The URL-validation handshake (docs/webhooks.md#url-validation): ValidationError on ``url`` unless
    the endpoint answers the plain token with its HMAC under the secret."""
    plain = token_source.token_urlsafe(16)
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "event": registry.VALIDATION_EVENT,
            "event_id": event_id,
            "event_ts": int(timezone.now().timestamp() * 1000),
            "payload": {"plainToken": plain},
        },
        separators=(",", ":"),
    ).encode()
    result = post(url, secret=secret, body=body, event_type=registry.VALIDATION_EVENT, event_id=event_id)
    if not result.ok:
        raise ValidationError({"url": f"The URL did not pass the validation handshake: {result.error}"})
    answer = result.json if isinstance(result.json, dict) else {}
    expected = validation_token(secret, plain)
    if answer.get("plainToken") != plain or not isinstance(answer.get("encryptedToken"), str):
        raise ValidationError(
            {"url": "The URL did not pass the validation handshake: the answer is not {plainToken, encryptedToken}."}
        )
    if not token_source.compare_digest(answer["encryptedToken"], expected):
        raise ValidationError(
            {"url": "The URL did not pass the validation handshake: encryptedToken is not the HMAC of plainToken."}
        )


# --- Endpoints ------------------------------------------------------------------------------------


def _clean(*, name: str | None = None, url: str | None = None, events: list[str] | None = None) -> dict:
    cleaned: dict = {}
    if name is not None:
        name = check_text(name.strip(), field="name")
        if not name:
            raise ValidationError({"name": "Give the endpoint a name."})
        cleaned["name"] = name[:120]
    if url is not None:
        url = check_text(url.strip(), field="url")
        if len(url) > MAX_URL:
            raise ValidationError({"url": f"The URL is longer than {MAX_URL} characters."})
        try:
            check_url(url, fetch_policy())
        except FetchRefused as exc:
            raise ValidationError({"url": f"Refused: {exc}"}) from None
        cleaned["url"] = url
    if events is not None:
        unknown = sorted(set(events) - set(registry.BY_NAME))
        if unknown:
            raise ValidationError({"events": f"Unknown event(s): {', '.join(unknown)}."})
        if not events:
            raise ValidationError({"events": "Choose at least one event."})
        cleaned["events"] = [e.name for e in registry.EVENTS if e.name in events]
    return cleaned


def _public(endpoint: Endpoint) -> dict:
    return {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}


def secret_generate(*, by) -> str:
    """A new signing secret, not stored yet: the receiver is configured with it first, then the endpoint
    is created with it (docs/webhooks.md#creating-an-endpoint)."""
    require_manage(by)
    return endpoint_secrets.generate()


def endpoint_create(*, by, name: str, url: str, events: list[str], secret: str, enabled: bool = True) -> Endpoint:
    """A new endpoint signing with ``secret`` (from ``secret_generate``). The handshake runs first: an
    endpoint that does not answer it is not created."""
    require_manage(by)
    cleaned = _clean(name=name, url=url, events=events)
    if not endpoint_secrets.well_formed(secret):
        raise ValidationError({"secret": "Use a secret CXQ generated (whsec_ followed by 40 or more characters)."})
    handshake(cleaned["url"], secret)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            **cleaned, enabled=enabled, secret_sealed=endpoint_secrets.seal(secret), created_by=by
        )
        publish(Name.WEBHOOK_ENDPOINT_CREATED, subject=endpoint, actor=by, audit=AuditTrail(after=_public(endpoint)))
    return endpoint


def endpoint_update(
    *,
    by,
    endpoint: Endpoint,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change an endpoint; a new URL must pass the handshake; enabling it again forgets its failures."""
    require_manage(by)
    cleaned = _clean(name=name, url=url, events=events)
    if "url" in cleaned and cleaned["url"] != endpoint.url:
        handshake(cleaned["url"], endpoint_secrets.unseal(endpoint.secret_sealed))
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = _public(endpoint)
        for field, value in cleaned.items():
            setattr(endpoint, field, value)
        if enabled is not None:
            if enabled and not endpoint.enabled:
                endpoint.failing_since, endpoint.disabled_reason = None, ""
            endpoint.enabled = enabled
        endpoint.save()
        after = _public(endpoint)
        if after != before:
            publish(
                Name.WEBHOOK_ENDPOINT_UPDATED,
                subject=endpoint,
                actor=by,
                audit=AuditTrail(
                    before={k: v for k, v in before.items() if after[k] != v},
                    after={k: v for k, v in after.items() if before[k] != v},
                ),
            )
    return endpoint


@transaction.atomic
def endpoint_delete(*, by, endpoint: Endpoint) -> None:
    require_manage(by)
    publish(
        Name.WEBHOOK_ENDPOINT_DELETED,
        subject=endpoint,
        actor=by,
        audit=AuditTrail(
            before=_public(endpoint),
            object_type="webhooks.endpoint",
            object_id=str(endpoint.uuid),
            object_repr=endpoint.name,
        ),
    )
    endpoint.delete()


# --- Queueing -------------------------------------------------------------------------------------


def _queue(endpoints: list[Endpoint], event_type: str, *, version: int, obj: dict) -> list[Delivery]:
    event_id = str(uuid.uuid4())
    body = envelope(event_type, event_id=event_id, version=version, obj=obj)
    now = timezone.now()
    rows = [
        Delivery.objects.create(
            endpoint=endpoint, event_id=event_id, event_type=event_type, body=body, next_attempt_at=now
        )
        for endpoint in endpoints
    ]
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(ids))
    return rows


def _enqueue(ids: list[int]) -> None:
    from cxq.webhooks.tasks import deliver_webhook

    for pk in ids:
        try:
            deliver_webhook(pk)
        except Exception:  # the sweep delivers it; a queue hiccup must not fail the request
            logger.exception("Could not enqueue webhook delivery %s; the sweep will deliver it", pk)


def on_event(event: DomainEvent) -> None:
    """OUTBOX subscriber (cxq/wiring.py): one delivery per endpoint subscribed to the public event."""
    hooks = registry.for_source(event.name)
    if not hooks:
        return
    endpoints = list(Endpoint.objects.filter(enabled=True).order_by("pk"))
    for hook in hooks:
        targets = [e for e in endpoints if hook.name in e.events]
        if not targets:
            continue
        obj = hook.build(event)
        if obj is not None:
            _queue(targets, hook.name, version=hook.version, obj=obj)


@transaction.atomic
def endpoint_send_test(*, by, endpoint: Endpoint) -> Delivery:
    """Queue a ``webhook.test`` event to this endpoint only."""
    require_manage(by)
    if not endpoint.enabled:
        raise ValidationError({"endpoint": "The endpoint is disabled: enable it before sending a test event."})
    obj = {
        "message": "A test event from CXQ.",
        "endpoint_id": str(endpoint.uuid),
        "sent_by_user_id": str(by.uuid),
    }
    return _queue([endpoint], registry.TEST_EVENT, version=1, obj=obj)[0]


@transaction.atomic
def delivery_resend(*, by, delivery: Delivery) -> Delivery:
    """Send a delivery again, with the same event id (receivers that saw it ignore it)."""
    require_manage(by)
    if not delivery.endpoint.enabled:
        raise ValidationError({"endpoint": "The endpoint is disabled: enable it before resending."})
    if not WEBHOOK_OUTBOX.requeue(delivery.pk):
        raise ValidationError({"status": "This delivery is already waiting to be sent."})
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


# --- Delivering -----------------------------------------------------------------------------------


class DeliveryFailed(Exception):
    pass


def _send(delivery: Delivery) -> None:
    endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.enabled:
        raise GiveUp("The endpoint is disabled.")
    try:
        secret = endpoint_secrets.unseal(endpoint.secret_sealed)
    except endpoint_secrets.SecretUnreadable as exc:
        raise GiveUp(str(exc)) from None
    result = post(
        endpoint.url,
        secret=secret,
        body=delivery.body.encode(),
        event_type=delivery.event_type,
        event_id=str(delivery.event_id),
        attempt=delivery.attempts,
    )
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        ok=result.ok,
        response_code=result.response_code,
        latency_ms=result.latency_ms,
        response_excerpt=result.excerpt,
        error=result.error[:500],
    )
    if result.ok:
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return
    if _failed(endpoint.pk, result.error):
        raise GiveUp(f"{result.error} The endpoint was disabled after failing continuously.")
    raise DeliveryFailed(result.error)


def _failed(endpoint_id: int, error: str) -> bool:
    """Note a failure; disable the endpoint when it has failed for too long. True if it was disabled."""
    now = timezone.now()
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    limit = timedelta(hours=settings.CXQ_WEBHOOK_DISABLE_AFTER_HOURS)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
        if not endpoint.enabled or endpoint.failing_since is None or now - endpoint.failing_since < limit:
            return False
        hours = settings.CXQ_WEBHOOK_DISABLE_AFTER_HOURS
        endpoint.enabled = False
        endpoint.disabled_reason = f"Disabled by CXQ: every delivery failed for {hours} hours (last: {error})"[:300]
        endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
        Delivery.objects.filter(endpoint=endpoint, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.FAILED, last_error="The endpoint was disabled.", updated_at=now
        )
        publish(
            Name.WEBHOOK_ENDPOINT_DISABLED,
            subject=endpoint,
            data={"failing_since": endpoint.failing_since.isoformat(), "error": error},
            audit=AuditTrail(before={"enabled": True}, after={"enabled": False, "reason": endpoint.disabled_reason}),
        )
    logger.warning("Webhook endpoint %s disabled after failing since %s", endpoint.pk, endpoint.failing_since)
    return True


def webhook_deliver(*, delivery_id: int) -> bool:
    """Deliver one row if it is due and nobody else holds it; True if the receiver took it."""
    return WEBHOOK_OUTBOX.deliver(delivery_id, _send)


def webhook_sweep(*, limit: int = 500) -> int:
    """Deliver every due row (periodic job); how many the receivers took."""
    return sum(webhook_deliver(delivery_id=pk) for pk in WEBHOOK_OUTBOX.due_ids(limit=limit))
