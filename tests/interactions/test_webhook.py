from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from cxq.accounts.models import OrgSettings
from cxq.interactions.models import Interaction, WebhookReceipt
from cxq.interactions.webhooks import sign

SECRET = "s3cret-webhook-key"
URL = "/hooks/interactions/"


@pytest.fixture
def secret(personas):
    OrgSettings.get()
    OrgSettings.objects.filter(pk=1).update(webhook_secret=SECRET)
    return SECRET


def send(body: dict | bytes, *, ts: str | None = None, signature: str | None = None, request_id: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = ts or str(int(time.time()))
    headers = {"HTTP_X_ZM_REQUEST_TIMESTAMP": ts, "HTTP_X_ZM_SIGNATURE": signature or sign(SECRET, ts, raw)}
    if request_id:
        headers["HTTP_X_ZM_REQUEST_ID"] = request_id
    return Client().post(URL, raw, content_type="application/json", **headers)


def completed(personas, **extra):
    return {
        "event": "contact_center.engagement_completed",
        "event_ts": 1764322200000,
        "payload": {
            "object": {
                "engagement_id": "eng-42",
                "channel": "voice",
                "direction": "inbound",
                "start_time": "2026-11-27T10:00:00Z",
                "end_time": "2026-11-27T10:05:00Z",
                "agent": {"user_email": personas.agent_a1.email, "display_name": "Andy"},
                "queue_name": "Billing",
                "disposition_name": "Resolved",
                "transcript": [
                    {"role": "agent", "start_time": 0, "end_time": 2, "content": "Hello, thanks for calling"}
                ],
                **extra,
            }
        },
    }


def test_the_url_validation_handshake_answers_with_the_encrypted_token(secret):
    response = send({"event": "endpoint.url_validation", "payload": {"plainToken": "abc123"}})
    expected = hmac.new(SECRET.encode(), b"abc123", hashlib.sha256).hexdigest()
    assert response.status_code == 200
    assert response.json() == {"plainToken": "abc123", "encryptedToken": expected}


def test_a_signed_engagement_completed_event_becomes_an_interaction(secret, personas):
    response = send(completed(personas))
    assert response.status_code == 201
    interaction = Interaction.objects.get(external_id="eng-42")
    assert (interaction.agent, interaction.queue, interaction.duration_seconds) == (
        personas.agent_a1,
        "Billing",
        300,
    )
    assert interaction.source == "webhook" and len(interaction.utterances) == 1


def test_a_replayed_request_changes_nothing(secret, personas):
    body = json.dumps(completed(personas)).encode()
    ts = str(int(time.time()))
    first = send(body, ts=ts)
    Interaction.objects.filter(external_id="eng-42").update(disposition="edited later")
    again = send(body, ts=ts)
    assert first.status_code == 201 and again.json() == {"status": "duplicate"}
    assert Interaction.objects.get(external_id="eng-42").disposition == "edited later"


def without_external_id(event: dict) -> dict:
    event["payload"]["object"].pop("engagement_id")
    return event


def test_a_signed_delivery_replayed_under_a_fresh_request_id_creates_nothing(secret, personas):
    body = json.dumps(without_external_id(completed(personas))).encode()
    ts = str(int(time.time()))
    first = send(body, ts=ts, request_id="req-1")
    replays = [send(body, ts=ts, request_id=f"req-forged-{i}") for i in range(3)]
    assert first.status_code == 201
    assert [r.json() for r in replays] == [{"status": "duplicate"}] * 3
    assert Interaction.objects.count() == 1
    assert list(WebhookReceipt.objects.values_list("request_id", flat=True)) == ["req-1"]


def test_a_replay_under_a_fresh_request_id_does_not_overwrite_later_edits(secret, personas):
    body = json.dumps(completed(personas)).encode()
    ts = str(int(time.time()))
    send(body, ts=ts, request_id="req-1")
    Interaction.objects.filter(external_id="eng-42").update(disposition="edited later")
    again = send(body, ts=ts, request_id="req-2")
    assert again.json() == {"status": "duplicate"}
    assert Interaction.objects.get(external_id="eng-42").disposition == "edited later"


def test_the_same_body_under_a_new_signed_timestamp_is_a_new_delivery(secret, personas):
    body = json.dumps(completed(personas)).encode()
    now = int(time.time())
    first = send(body, ts=str(now - 10), request_id="req-1")
    Interaction.objects.filter(external_id="eng-42").update(disposition="edited later")
    second = send(body, ts=str(now), request_id="req-1")
    assert (first.status_code, second.status_code, second.json()["status"]) == (201, 200, "updated")
    assert Interaction.objects.get().disposition == "Resolved"
    assert WebhookReceipt.objects.count() == 2


def test_without_an_external_id_a_new_signed_timestamp_is_another_interaction(secret, personas):
    body = json.dumps(without_external_id(completed(personas))).encode()
    now = int(time.time())
    assert send(body, ts=str(now - 10)).status_code == 201
    assert send(body, ts=str(now)).status_code == 201
    assert send(body, ts=str(now)).json() == {"status": "duplicate"}
    assert Interaction.objects.count() == 2


@pytest.mark.parametrize(
    ("transcript", "field"),
    [
        ("abc", "transcript:"),
        (["a"], "transcript.0:"),
        ({"text": "hi"}, "transcript:"),
        ([{"text": "hi"}, 3], "transcript.1:"),
    ],
)
def test_a_transcript_that_is_not_a_list_of_utterances_is_a_400_naming_it(secret, personas, transcript, field):
    response = send(completed(personas, transcript=transcript))
    assert response.status_code == 400 and response.json()["detail"].startswith(field)
    assert not Interaction.objects.exists() and not WebhookReceipt.objects.exists()


def test_an_overlong_request_id_is_kept_cut_to_its_column(secret, personas):
    response = send(completed(personas), request_id="r" * 500)
    assert response.status_code == 201
    assert WebhookReceipt.objects.get().request_id == "r" * 200


def test_a_wrong_signature_is_refused_in_constant_time_and_writes_nothing(secret, personas):
    response = send(completed(personas), signature="v0=" + "0" * 64)
    assert response.status_code == 401 and "signature" in response.json()["detail"]
    assert not Interaction.objects.exists()


def test_a_stale_timestamp_is_refused(secret, personas):
    old = str(int(time.time()) - 301)
    response = send(completed(personas), ts=old)
    assert response.status_code == 401 and "timestamp" in response.json()["detail"]
    millis = str(int(time.time() * 1000))
    assert send(completed(personas), ts=millis).status_code == 201


def test_without_a_secret_webhooks_are_refused(personas):
    response = Client().post(URL, b"{}", content_type="application/json")
    assert response.status_code == 503


def test_an_invalid_engagement_is_a_422_naming_the_field(secret, personas):
    response = send(completed(personas, channel="carrier-pigeon"))
    assert response.status_code == 422 and "channel" in response.json()["detail"]
    assert not Interaction.objects.exists()


def test_other_events_are_acknowledged_and_ignored(secret):
    response = send({"event": "contact_center.engagement_started", "payload": {}})
    assert response.json() == {"status": "ignored", "event": "contact_center.engagement_started"}


def test_malformed_json_with_a_valid_signature_is_a_400(secret):
    assert send(b"{nope").status_code == 400


def test_get_is_not_allowed(secret):
    assert Client().get(URL).status_code == 405
