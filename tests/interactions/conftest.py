from __future__ import annotations

import copy

import pytest

PAYLOAD = {
    "external_id": "call-1",
    "channel": "voice",
    "direction": "inbound",
    "started_at": "2026-11-02T09:30:00Z",
    "agent": {"email": "agent.a1@example.com"},
    "queue": "Billing",
    "disposition": "Resolved",
    "csat": 4,
    "transcript": [
        {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Thank you for calling, how can I help?"},
        {"speaker": "customer", "start": 3.5, "end": 8.0, "text": "I was charged twice and want a refund."},
        {
            "speaker": "agent",
            "start": 8.5,
            "end": 12.0,
            "text": "I am sorry about that, let me check your invoice.",
        },
    ],
}


@pytest.fixture
def payload():
    return copy.deepcopy(PAYLOAD)


@pytest.fixture
def refund_topic(personas):
    from cxq.interactions.phrases import phrase_set_create

    return phrase_set_create(by=personas.admin, name="Refund", kind="topic", side="customer", phrases=["refund"])
