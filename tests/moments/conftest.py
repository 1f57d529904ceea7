"""Moments' fixtures: an interaction of agent_a1 (team A) with a real, generated recording."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cxq.devdata.media import synth_audio
from tests.interactions.conftest import PAYLOAD

TRANSCRIPT = [
    {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Thank you for calling, how can I help?"},
    {"speaker": "customer", "start": 3.5, "end": 8.0, "text": "I was charged twice and want a refund."},
    {"speaker": "agent", "start": 8.5, "end": 12.0, "text": "I am sorry about that, let me check your invoice."},
    {"speaker": "customer", "start": 12.5, "end": 15.0, "text": "My account number is secret four two."},
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Password attempts are counted in the cache, which outlives each test's database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def tone_m4a(tmp_path_factory):
    return synth_audio(tmp_path_factory.mktemp("media") / "call.m4a", 16, codec="aac")


def make_interaction(personas, external_id="call-m1", agent=None):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert

    payload = {
        **PAYLOAD,
        "external_id": external_id,
        "transcript": TRANSCRIPT,
        "agent": {"email": (agent or personas.agent_a1).email},
    }
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    return interaction


@pytest.fixture
def call(personas, tone_m4a):
    from cxq.interactions.recordings import recording_attach

    interaction = make_interaction(personas)
    upload = SimpleUploadedFile("call.m4a", tone_m4a.read_bytes(), content_type="audio/mp4")
    recording_attach(interaction=interaction, upload=upload, by=personas.admin)
    return interaction


@pytest.fixture
def moment(personas, call, django_capture_on_commit_callbacks):
    from cxq.moments.services import moment_create

    with django_capture_on_commit_callbacks(execute=True):
        made = moment_create(
            by=personas.supervisor_a,
            interaction=call,
            start=3.2,
            end=8.7,
            title="Double charge",
            note="Customer charged twice",
            tags="billing, Refund request",
        )
    made.refresh_from_db()
    return made
