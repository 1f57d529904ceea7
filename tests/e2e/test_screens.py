"""Screen tracks beside the call in a real browser (docs/screen-recordings.md#playback): a monitor's
video follows the audio — its time is the audio's minus its offset, blank before it starts — through
play, seek, pause and speed. Media made with PyAV in the test (tests/interactions/media.py)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from cxq.accounts.models import OrgSettings
from cxq.interactions.recordings import recording_attach
from cxq.interactions.screens import screen_track_create, screen_track_finalize, screen_track_write_chunk
from cxq.interactions.services import interaction_upsert, parse_payload
from tests.interactions.media import wav, webm

pytestmark = pytest.mark.e2e

OFFSET = 2.0  # the screen's time 0 is 2 s into the call
WAIT_MS = 8_000


@pytest.fixture
def call(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process: it reads here too
    OrgSettings.objects.filter(pk=OrgSettings.get().pk).update(screen_recording_enabled=True)
    payload = {
        "external_id": "screen-call",
        "channel": "voice",
        "started_at": "2026-11-02T09:30:00Z",
        "agent": {"email": personas.agent_a1.email},
        "transcript": [
            {
                "speaker": "agent" if i % 2 == 0 else "customer",
                "start": 2.0 * i,
                "end": 2.0 * i + 2,
                "text": f"Line {i}",
            }
            for i in range(5)
        ],
    }
    interaction, _ = interaction_upsert(data=parse_payload(payload))
    audio = SimpleUploadedFile("call.wav", wav(seconds=10.0), content_type="audio/wav")
    recording_attach(interaction=interaction, upload=audio, by=personas.admin)
    video = webm(seconds=6.0, fps=10, size=(160, 100))
    track, _ = screen_track_create(
        interaction=interaction,
        monitor=1,
        offset_seconds=OFFSET,
        size=len(video),
        sha256=hashlib.sha256(video).hexdigest(),
        by=personas.admin,
    )
    whole = f"bytes 0-{len(video) - 1}/{len(video)}"
    screen_track_write_chunk(track=track, content_range=whole, stream=io.BytesIO(video), by=personas.admin)
    screen_track_finalize(track=track, by=personas.admin)
    return interaction


def state(page: Page) -> dict:
    return page.evaluate(
        """() => { const a = document.querySelector('[data-player] audio[data-media]');
        const v = document.querySelector('[data-screen-video]');
        const s = document.querySelector('[data-screen]');
        return {audio: a.currentTime, video: v.currentTime, paused: a.paused, videoPaused: v.paused,
                rate: v.playbackRate, off: s.classList.contains('screen-off'), error: v.error && v.error.code}; }"""
    )


def test_the_screen_follows_the_audio_with_its_offset(personas, call, new_page, login, screenshot):
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/interactions/{call.uuid}/")
    screen = page.get_by_test_id("screen")
    expect(screen).to_have_count(1)
    expect(page.get_by_test_id("download-combined")).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-screen-video]').readyState >= 1 && "
        "document.querySelector('[data-player] audio').readyState >= 1",
        timeout=WAIT_MS,
    )
    # before its offset the screen is blank, and says why
    expect(screen).to_have_class("screen screen-off")
    expect(screen.locator("[data-screen-blank]")).to_be_visible()

    # a click on the third line (4 s) plays the call from there: the screen shows its second 2
    page.locator("#u2").click()
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-player] audio'); return !a.paused && a.currentTime >= 4.3; }",
        timeout=WAIT_MS,
    )
    now = state(page)
    assert now["error"] is None and not now["off"] and not now["videoPaused"], now
    assert now["video"] == pytest.approx(now["audio"] - OFFSET, abs=0.4), now
    screenshot(page, "screens-playing")

    # speed follows; pause stops both where they are, still apart by the offset
    page.locator("[data-player] [data-rate='1.5']").click()
    page.wait_for_function("() => document.querySelector('[data-screen-video]').playbackRate === 1.5", timeout=WAIT_MS)
    page.evaluate("() => document.querySelector('[data-player] audio').pause()")
    page.wait_for_function("() => document.querySelector('[data-screen-video]').paused", timeout=WAIT_MS)
    paused = state(page)
    assert paused["video"] == pytest.approx(paused["audio"] - OFFSET, abs=0.4), paused

    # seeking while paused moves the screen too; past its end (2 + 6 s) it is blank again
    page.evaluate("() => { document.querySelector('[data-player] audio').currentTime = 3.0; }")
    page.wait_for_function(
        "() => Math.abs(document.querySelector('[data-screen-video]').currentTime - 1.0) < 0.15", timeout=WAIT_MS
    )
    assert not state(page)["off"]
    page.evaluate("() => { document.querySelector('[data-player] audio').currentTime = 9.0; }")
    expect(screen).to_have_class("screen screen-off", timeout=WAIT_MS)
    screenshot(page, "screens-after-the-screen-ended")
