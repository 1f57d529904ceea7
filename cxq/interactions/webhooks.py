"""Inbound webhook receiver (docs/interactions.md#ingest-paths, docs/interactions.md#webhook) at /hooks/interactions/.

1. Refuse unless the organisation has a webhook secret (503) and the request carries
   ``x-zm-request-timestamp`` within 5 minutes of now and ``x-zm-signature`` equal, in constant
   time, to ``v0=`` + hex HMAC-SHA256(secret, ``v0:{timestamp}:{raw body}``) (401).
2. ``endpoint.url_validation`` answers ``{"plainToken", "encryptedToken": hex HMAC(secret, plainToken)}``.
3. An "engagement/interaction completed" event is mapped to the ingest shape and upserted by its
   external id. The delivery (the SHA-256 of the signed ``v0:{timestamp}:{body}``) is remembered, so
   a replay of a signed delivery changes nothing, whatever ``x-zm-request-id`` it carries: that
   header is not signed and is stored for tracing only. The same body under a new signed timestamp
   is a new delivery (an update by external id when the event has one).
4. A body that is not the expected shape (``transcript`` not a list of objects) is a 400 naming the
   field; an engagement that does not validate is a 422 naming the field. Neither writes anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cxq.accounts.models import OrgSettings
from cxq.interactions.choices import Source
from cxq.interactions.models import WebhookReceipt
from cxq.interactions.services import IngestError, interaction_upsert, parse_payload
from cxq.lib.signature import sign, signed_message, validation_token

TOLERANCE_SECONDS = 300
MAX_BODY = 5 * 1024 * 1024
COMPLETED_EVENTS = ("completed", "ended")


class PayloadShapeError(ValueError):
    """The event is valid JSON but not shaped like an engagement; the message names the field."""


def delivery_key(timestamp: str, body: bytes) -> str:
    """What identifies one delivery: everything the signature covers, and nothing it does not."""
    return hashlib.sha256(signed_message(timestamp, body)).hexdigest()


def _timestamp_ok(raw: str, now: float) -> bool:
    try:
        value = float(raw)
    except ValueError:
        return False
    if value > 1e12:  # milliseconds
        value /= 1000
    return abs(now - value) <= TOLERANCE_SECONDS


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _first(obj: dict, *names: str, default: Any = None) -> Any:
    for name in names:
        if obj.get(name) not in (None, ""):
            return obj[name]
    return default


def map_engagement(obj: dict[str, Any]) -> dict[str, Any]:
    """A contact-centre 'engagement completed' object in CXQ's ingest shape. Fields CXQ already
    uses pass through; common alternative names are translated."""
    agent = obj.get("agent")
    if agent is None and isinstance(obj.get("users"), list) and obj["users"]:
        agent = obj["users"][0]
    if isinstance(agent, dict):
        agent = {
            k: v
            for k, v in {
                "email": _first(agent, "email", "user_email"),
                "external_id": _first(agent, "external_id", "user_id", "id"),
                "name": _first(agent, "name", "display_name", "user_display_name", default=""),
            }.items()
            if v not in (None, "")
        }
    transcript = []
    utterances = obj.get("transcript") or []
    if not isinstance(utterances, list):
        raise PayloadShapeError("transcript: must be a list of utterance objects.")
    for i, u in enumerate(utterances):
        if not isinstance(u, dict):
            raise PayloadShapeError(f"transcript.{i}: must be an utterance object (speaker, start, end, text).")
        transcript.append(
            {
                "speaker": _first(u, "speaker", "role", default="customer"),
                "speaker_name": _first(u, "speaker_name", "name", default=""),
                "start": _first(u, "start", "start_time", default=0),
                "end": _first(u, "end", "end_time", default=0),
                "text": _first(u, "text", "content", default=""),
            }
        )
    mapped = {
        "external_id": str(_first(obj, "external_id", "engagement_id", "interaction_id", "id", default="")) or None,
        "channel": str(_first(obj, "channel", "channel_type", default="voice")).lower(),
        "direction": str(_first(obj, "direction", default="inbound")).lower(),
        "started_at": _first(obj, "started_at", "start_time"),
        "ended_at": _first(obj, "ended_at", "end_time"),
        "duration_seconds": _first(obj, "duration_seconds", "duration"),
        "agent": agent,
        "queue": _first(obj, "queue", "queue_name", default=""),
        "disposition": _first(obj, "disposition", "disposition_name", default=""),
        "language": _first(obj, "language", default=""),
        "customer_ref": str(_first(obj, "customer_ref", "consumer_number", "customer_id", default="")),
        "metadata": obj.get("metadata") or {},
        "transcript": transcript,
    }
    return {k: v for k, v in mapped.items() if v is not None}


@csrf_exempt
@login_not_required
@require_POST
def receive(request):
    secret = OrgSettings.get().webhook_secret
    if not secret:
        return _error(503, "Webhooks are not configured: set a webhook secret in the organisation settings.")
    body = request.body
    if len(body) > MAX_BODY:
        return _error(413, "The request body is larger than 5 MB.")
    timestamp = request.headers.get("x-zm-request-timestamp", "")
    signature = request.headers.get("x-zm-signature", "")
    if not timestamp or not _timestamp_ok(timestamp, time.time()):
        return _error(401, "x-zm-request-timestamp is missing or more than 5 minutes from now.")
    if not hmac.compare_digest(signature.encode(), sign(secret, timestamp, body).encode()):
        return _error(401, "x-zm-signature does not match the request.")
    try:
        event = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "The body is not valid JSON.")
    if not isinstance(event, dict):
        return _error(400, "The body must be a JSON object.")
    name = str(event.get("event", ""))
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    if name == "endpoint.url_validation":
        plain = str(payload.get("plainToken", ""))
        if not plain:
            return _error(400, "payload.plainToken is missing.")
        return JsonResponse({"plainToken": plain, "encryptedToken": validation_token(secret, plain)})
    if not name.endswith(COMPLETED_EVENTS):
        return JsonResponse({"status": "ignored", "event": name})
    obj = payload.get("object") if isinstance(payload.get("object"), dict) else payload
    key = delivery_key(timestamp, body)
    if WebhookReceipt.objects.filter(delivery_key=key).exists():
        return JsonResponse({"status": "duplicate"})
    # Unsigned, so tracing information only; cut to its column rather than refusing the delivery.
    request_id = request.headers.get("x-zm-request-id", "")[:200]
    try:
        data = parse_payload(map_engagement(obj))
        with transaction.atomic():
            interaction, created = interaction_upsert(data=data, source=Source.WEBHOOK)
            WebhookReceipt.objects.create(
                delivery_key=key, request_id=request_id, event=name[:100], interaction=interaction
            )
    except PayloadShapeError as exc:
        return _error(400, str(exc))
    except IngestError as exc:
        return JsonResponse({"detail": "; ".join(exc.messages), "errors": exc.messages}, status=422)
    except IntegrityError:  # the same request processed concurrently
        return JsonResponse({"status": "duplicate"})
    return JsonResponse(
        {"status": "created" if created else "updated", "id": str(interaction.uuid)},
        status=201 if created else 200,
    )
