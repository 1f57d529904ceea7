"""A demo call's recording plays in Chromium (docs/demo.md#recordings): Ogg/Opus speech (tones where
espeak-ng is missing), its length the call's, and a click on a transcript line lands on that line's
words because the transcript was re-timed to the speech."""

from __future__ import annotations

import copy
import re

import pytest
from playwright.sync_api import expect

from cxq.devdata.demo import audio
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from tests.e2e.conftest import wait_js
from tests.test_demo_media import CALL

pytestmark = pytest.mark.e2e
WAIT_MS = 8_000

STATE = """() => { const a = document.querySelector('[data-player] audio[data-media]');
  return {time: a.currentTime, paused: a.paused, duration: a.duration, error: a.error && a.error.code}; }"""


def test_a_demo_call_plays_its_speech_and_seeks_to_a_line(personas, settings, tmp_path, new_page, login, screenshot):
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process: it reads here too
    payload = copy.deepcopy(CALL)
    audio.speak_payloads([payload])
    call, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    assert audio.attach_demo_audio() == 1
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/interactions/{call.uuid}/")
    wait_js(page, "() => document.querySelector('[data-player] audio').readyState >= 1", timeout=WAIT_MS)
    state = page.evaluate(STATE)
    assert state["error"] is None and state["paused"]
    assert state["duration"] == pytest.approx(call.duration_seconds + 1, abs=0.1)
    # play: the position moves on
    page.evaluate("document.querySelector('[data-player] audio').play()")
    wait_js(
        page,
        "() => { const a = document.querySelector('[data-player] audio'); return !a.paused && a.currentTime > 0.5; }",
        timeout=WAIT_MS,
    )
    # a click on the fourth line (after the hold) plays from its words
    lines = page.get_by_test_id("transcript").locator(".utt[data-start]")
    expect(lines).to_have_count(len(CALL["transcript"]))
    fourth = call.utterances[3]
    lines.nth(3).click()
    wait_js(
        page,
        f"() => {{ const a = document.querySelector('[data-player] audio'); "
        f"return !a.paused && a.currentTime > {fourth.start + 0.3}; }}",
        timeout=WAIT_MS,
    )
    state = page.evaluate(STATE)
    assert fourth.start <= state["time"] < fourth.end, (state, fourth)
    expect(lines.nth(3)).to_have_class(re.compile(r"\bplaying\b"))
    page.evaluate("document.querySelector('[data-player] audio').pause()")
    screenshot(page, "demo-call-speech")
