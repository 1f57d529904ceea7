"""The demo's recordings (docs/demo.md#recordings): speech from espeak-ng with the transcript re-timed to
it, or tones when the synthesiser is missing or switched off; Ogg/Opus either way."""

from __future__ import annotations

import copy
import shutil
import subprocess

import av
import pytest

from cxq.devdata.demo import audio
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (scripts/setup installs it)")

CALL = {
    "external_id": "demo-1-0",
    "channel": "voice",
    "direction": "inbound",
    "started_at": "2026-11-02T09:30:00Z",
    "agent": {"email": "agent.a1@example.com"},
    "queue": "Billing",
    "language": "en",
    "holds": [[9.0, 20.0]],
    "transcript": [
        {"speaker": "agent", "start": 0.5, "end": 2.0, "text": "Thank you for calling, how can I help?"},
        {"speaker": "customer", "start": 2.4, "end": 6.0, "text": "I was charged twice and I want a refund."},
        {"speaker": "agent", "start": 6.5, "end": 8.5, "text": "May I place you on hold?"},
        {"speaker": "agent", "start": 21.0, "end": 25.0, "text": "Thank you for holding, the refund is on its way."},
        {"speaker": "customer", "start": 24.0, "end": 26.0, "text": "Great, thanks."},  # crosstalk
    ],
}


def _levels(data: bytes) -> tuple[list[float], float]:
    """Mean loudness per 100 ms of an encoded recording, and its duration in seconds."""
    import io

    with av.open(io.BytesIO(data)) as container:
        duration = container.duration / 1e6
        samples = []
        for frame in container.decode(audio=0):
            samples.extend(abs(x) for x in frame.to_ndarray().reshape(-1))
    step = 4800  # 100 ms at Opus' 48 kHz
    return [sum(samples[i : i + step]) / step for i in range(0, len(samples) - step, step)], duration


def _sound_in(levels: list[float], start: float, end: float) -> float:
    window = levels[int(start * 10) : int(end * 10)]
    return sum(1 for v in window if v > 0.01) / max(1, len(window))


def test_retime_keeps_the_pauses_crosstalk_and_holds_and_gives_each_turn_its_speech_length():
    call = copy.deepcopy(CALL)
    lengths = [2.5, 3.0, 1.5, 3.5, 1.2]
    audio.retime(call, lengths)
    lines = call["transcript"]
    assert [round(u["end"] - u["start"], 2) for u in lines] == lengths
    assert lines[0]["start"] == 0.5  # the silence before the first words stays
    assert lines[1]["start"] == pytest.approx(lines[0]["end"] + 0.4)  # its gap after the agent (≥ GAP)
    assert lines[2]["start"] == pytest.approx(lines[1]["end"] + 0.5)
    hold = call["holds"][0]
    assert hold[0] == pytest.approx(lines[2]["end"] + 0.5) and hold[1] - hold[0] == pytest.approx(11.0, abs=0.1)
    assert lines[3]["start"] == pytest.approx(hold[1] + 1.0, abs=0.1)  # after the hold, as before
    assert lines[4]["start"] < lines[3]["end"]  # still talking over the agent's last words
    assert call["duration_seconds"] >= lines[-1]["end"] + 1
    InteractionIn.model_validate(call)  # the ingest rules still hold (order, no same-side overlap)


@needs_espeak
def test_the_recorded_calls_speak_their_transcript_in_two_voices_and_the_times_follow_the_speech(
    personas, settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    payload = copy.deepcopy(CALL)
    assert audio.speak_payloads([payload]) == 1
    assert payload["transcript"] != CALL["transcript"]  # re-timed to the synthesised speech
    call, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    assert audio.attach_demo_audio() == 1
    assert audio.attach_demo_audio() == 0  # idempotent
    recording = call.recordings.get()
    assert recording.content_type == "audio/ogg" and recording.file.name.endswith(".ogg")
    data = recording.file.read()
    levels, duration = _levels(data)
    assert duration == pytest.approx(call.duration_seconds + 1, abs=0.1)
    assert len(data) < duration * 4000  # compact: ~24 kbit/s
    for u in call.utterances:  # speech where the transcript says, silence in between
        assert _sound_in(levels, u.start + 0.1, u.end - 0.1) > 0.5, u
    hold = call.metadata["holds"][0]
    assert _sound_in(levels, hold[0] + 0.2, hold[1] - 0.2) == 0
    assert _sound_in(levels, 0, call.utterances[0].start - 0.1) == 0
    # the two sides speak with different voices, and in the call's language
    assert audio.voices("en", "agent@cxq.test") == {"agent": "en-us+m3", "customer": "en-us+f2", "system": "en-us+m5"}
    assert audio.voices("es", "priya.shah@cxq.test")["agent"] == "es+f2"
    assert audio.voices("es", "priya.shah@cxq.test")["customer"] == "es+m4"
    # every line is cached by its hash: a second demo does not run the synthesiser again
    assert len(list((tmp_path / "demo-speech").glob("*.wav"))) == len(CALL["transcript"])

    def refuse(*args, **kwargs):
        raise AssertionError("espeak-ng ran again")

    monkeypatch.setattr(subprocess, "run", refuse)
    assert audio.speak_payloads([copy.deepcopy(CALL)]) == 1


@pytest.mark.parametrize("how", ["setting", "missing"])
def test_without_espeak_the_calls_carry_tones_at_their_generated_times(how, personas, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    if how == "setting":
        settings.CXQ_DEMO_SPEECH = False
    else:
        monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    assert audio.speech_engine() is None
    payload = copy.deepcopy(CALL)
    assert audio.speak_payloads([payload]) == 0 and payload == CALL  # times untouched
    call, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    assert audio.attach_demo_audio() == 1
    recording = call.recordings.get()
    assert recording.content_type == "audio/ogg"
    levels, duration = _levels(recording.file.read())
    assert duration == pytest.approx(27.0, abs=0.1)  # 26 s of transcript + 1
    for u in call.utterances:
        assert _sound_in(levels, u.start + 0.1, u.end - 0.1) > 0.9, u
    assert _sound_in(levels, 9.2, 20.8) == 0  # the hold is silent


def test_the_recorded_calls_are_the_newest_and_one_in_another_language():
    def call(i, language):
        return {"channel": "voice", "started_at": f"2026-11-{i:02d}T09:00:00+00:00", "language": language}

    calls = [call(i, "en") for i in range(1, 12)] + [call(12, "en"), call(3, "es")]
    picked = audio._pick(calls, lambda c: c["started_at"], lambda c: c["language"], 6)
    assert [c["started_at"][8:10] for c in picked] == ["12", "11", "10", "09", "08", "03"]
    english = [call(i, "en") for i in range(1, 9)]
    picked = audio._pick(english, lambda c: c["started_at"], lambda c: c["language"], 6)
    assert [c["started_at"][8:10] for c in picked] == ["08", "07", "06", "05", "04", "03"]
