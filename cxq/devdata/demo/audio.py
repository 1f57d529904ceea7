"""Recordings for the most recent demo calls (docs/demo.md#recordings), so the player, click-to-seek
and the transcript sync can be tried on something that sounds like a call.

With Debian's ``espeak-ng`` on the PATH (and ``CXQ_DEMO_SPEECH`` on), every utterance is spoken from its
transcript text, the agent and the customer in different voices of the call's language, and the
transcript is re-timed *before ingest* to where each utterance's speech actually falls (so a click on a
line lands on its words). Without it, each utterance is a soft tone for its time span (agent lower,
customer higher). Either way the call is encoded with PyAV to Ogg/Opus (about 3 kB a second), which
every browser plays and seeks.

Speech is synthesised in parallel and cached by a hash of (voice, speed, text) under
``var/demo-speech/``, so a second ``cxq demo`` on a fresh database does not run the synthesiser again.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import shutil
import subprocess
import wave
from array import array
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cxq.accounts.models import User
from cxq.enrichment.language import detect_language
from cxq.interactions.models import Interaction, Recording
from cxq.interactions.recordings import recording_attach

RECORDED_CALLS = 6  # the most recent demo voice calls get a recording
TONE_RATE = 8000
PITCH = {"agent": 220.0, "customer": 330.0, "system": 440.0}
SPEED = 165  # words per minute (espeak-ng's default is 175: a little slower sounds calmer)
OPUS_RATE = 16000  # wideband: plenty for speech
OPUS_BITRATE = 24000
GAP = 0.35  # at least this much silence before a turn that followed the other side's (seconds)

# espeak-ng voice variants (+m… male, +f… female): each demo agent has their own voice, the customer
# the other kind, so the two sides are easy to tell apart.
AGENT_VARIANT = {
    "agent@cxq.test": "m3",
    "jordan.lee@cxq.test": "m1",
    "priya.shah@cxq.test": "f2",
    "diego.ramos@cxq.test": "m7",
    "mei.chen@cxq.test": "f4",
    "tom.okafor@cxq.test": "m2",
}
LANGUAGE_VOICE = {"en": "en-us", "es": "es", "nl": "nl", "de": "de"}


def speech_engine() -> str | None:
    """The espeak-ng executable when speech is wanted and installed, else None (tones)."""
    if not getattr(settings, "CXQ_DEMO_SPEECH", True):
        return None
    return shutil.which("espeak-ng")


def voices(language: str, agent_email: str) -> dict[str, str]:
    """espeak-ng voices for the agent and the customer of a call in ``language``."""
    base = LANGUAGE_VOICE.get((language or "en").split("-")[0].lower(), "en-us")
    agent = AGENT_VARIANT.get(agent_email.lower(), "m3")
    customer = "m4" if agent.startswith("f") else "f2"
    return {"agent": f"{base}+{agent}", "customer": f"{base}+{customer}", "system": f"{base}+m5"}


def _cache_dir() -> Path:
    path = Path(settings.VAR_DIR) / "demo-speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _speak(engine: str, text: str, voice: str) -> tuple[bytes, int]:
    """Mono 16-bit PCM of ``text`` spoken by ``voice``, and its sample rate (cached by hash)."""
    digest = hashlib.sha256(f"{voice}\n{SPEED}\n{text}".encode()).hexdigest()
    path = _cache_dir() / f"{digest}.wav"
    if not path.exists():
        part = path.with_suffix(f".{os.getpid()}.part")
        subprocess.run(
            [engine, "-v", voice, "-s", str(SPEED), "-w", str(part), "--stdin"],
            input=text.encode(),
            check=True,
            capture_output=True,
            timeout=60,
        )
        part.replace(path)  # atomic: a concurrent run never reads half a file
    with wave.open(str(path), "rb") as source:
        return source.readframes(source.getnframes()), source.getframerate()


def _trim(pcm: bytes, rate: int) -> bytes:
    """espeak-ng ends every utterance with silence: cut it, so the timing is the words'."""
    samples = array("h", pcm)
    end = len(samples)
    while end > 0 and abs(samples[end - 1]) < 64:
        end -= 1
    return samples[: min(len(samples), end + rate // 20)].tobytes()


def speak_lines(engine: str, lines: list[tuple[str, str]]) -> list[tuple[bytes, int]]:
    """Synthesise ``(text, voice)`` lines in parallel (the synthesiser is a process per line)."""

    def one(line: tuple[str, str]) -> tuple[bytes, int]:
        pcm, rate = _speak(engine, *line)
        return _trim(pcm, rate), rate

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(one, lines))


def retime(payload: dict, lengths: list[float]) -> None:
    """Move the payload's utterances to where speech of ``lengths`` seconds falls, keeping the call's
    pauses, crosstalk and holds: each turn starts as long after the previous one's end as it did before
    (never earlier than its own side's last words), and lasts as long as its speech. Holds move with
    the turn before them; the duration grows to the last sound."""
    old = [(u["start"], u["end"]) for u in payload["transcript"]]
    holds = [list(h) for h in payload.get("holds") or ()]
    shifted_holds = []
    last_end: dict[str, float] = {}
    prev_old_end = prev_new_end = prev_start = 0.0
    for i, (u, length) in enumerate(zip(payload["transcript"], lengths, strict=True)):
        start, end = old[i]
        gap = start - prev_old_end if i else start
        if i and gap >= 0 and u["speaker"] != payload["transcript"][i - 1]["speaker"]:
            gap = max(gap, GAP)
        new_start = round(max(prev_new_end + gap, prev_start + 0.1, last_end.get(u["speaker"], 0.0) + 0.05, 0.0), 2)
        new_end = round(new_start + length, 2)
        u["start"], u["end"] = new_start, new_end
        last_end[u["speaker"]] = new_end
        effective_old, effective_new = end, new_end
        following = old[i + 1][0] if i + 1 < len(old) else math.inf
        for hold in holds:
            if end <= hold[0] < following:  # a hold after this turn keeps its distance to the words
                shift = new_end - end
                moved = [round(hold[0] + shift, 2), round(hold[1] + shift, 1)]
                shifted_holds.append(moved)
                effective_old, effective_new = hold[1], moved[1]
        prev_old_end, prev_new_end, prev_start = effective_old, effective_new, new_start
    if holds:
        payload["holds"] = shifted_holds
    last = max([u["end"] for u in payload["transcript"]] + [h[1] for h in shifted_holds] + [0])
    payload["duration_seconds"] = int(math.ceil(last + 1.5))


def _pick(calls: list, started, language, limit: int) -> list:
    """The calls to record: the most recent ones, and the most recent call not in English (so the
    voices of another language can be heard), ``limit`` in all."""
    newest = sorted(calls, key=started, reverse=True)
    chosen = newest[: limit - 1]
    other = next((c for c in newest if language(c) != "en"), None)
    if other is not None and other not in chosen:
        chosen.append(other)
    elif len(newest) >= limit:
        chosen.append(newest[limit - 1])
    return chosen


def recorded_calls(payloads: list[dict], limit: int = RECORDED_CALLS) -> list[dict]:
    """The demo payloads that get a recording (voice calls with a transcript, :func:`_pick`)."""
    calls = [p for p in payloads if p["channel"] == "voice" and p.get("transcript")]
    return _pick(calls, lambda p: p["started_at"], language_of, limit)


def language_of(payload: dict) -> str:
    """The payload's language as enrichment will store it (the same detection), "en" when unknown."""
    hint = payload.get("language") or payload.get("metadata", {}).get("language")
    return detect_language([u["text"] for u in payload["transcript"]], hint) or "en"


def speak_payloads(payloads: list[dict]) -> int:
    """Re-time the transcripts of the calls that will be recorded to their synthesised speech (before
    ingest, so enrichment and the stored transcript carry the real times). Returns how many calls were
    re-timed (0 when speech is off or unavailable: the tones follow the generated times)."""
    engine = speech_engine()
    if engine is None:
        return 0
    calls = recorded_calls(payloads)
    lines = []
    for call in calls:
        voice = voices(language_of(call), call["agent"]["email"])
        lines.extend((u["text"], voice.get(u["speaker"], voice["system"])) for u in call["transcript"])
    spoken = iter(speak_lines(engine, lines))
    for call in calls:
        lengths = []
        for _ in call["transcript"]:
            pcm, rate = next(spoken)
            lengths.append(len(pcm) / 2 / rate)
        retime(call, lengths)
    return len(calls)


# --- Rendering ------------------------------------------------------------------------------------


def _place(track: array, at: int, pcm: bytes) -> None:
    """Add ``pcm`` into ``track`` from sample ``at`` (summed where turns overlap, clipped)."""
    clip = array("h", pcm)
    end = min(len(track), at + len(clip))
    for i in range(at, end):
        if track[i]:
            track[i] = max(-32768, min(32767, track[i] + clip[i - at]))
        else:
            track[i] = clip[i - at]


def speech_pcm(engine: str, interaction: Interaction) -> tuple[bytes, int]:
    """The call's speech, each utterance at its transcript start."""
    agent_email = interaction.agent.email if interaction.agent_id else ""
    voice = voices(interaction.language or "en", agent_email)
    utterances = interaction.utterances
    spoken = speak_lines(engine, [(u.text, voice.get(u.speaker, voice["system"])) for u in utterances])
    rate = spoken[0][1] if spoken else TONE_RATE
    duration = max([interaction.duration_seconds] + [u.end for u in utterances]) + 1
    track = array("h", bytes(2 * int(rate * duration)))
    for u, (pcm, _) in zip(utterances, spoken, strict=True):
        at = int(u.start * rate)
        n = min(len(pcm) // 2, len(track) - at)
        if not any(track[at : at + n]):
            track[at : at + n] = array("h", pcm[: 2 * n])  # the common case: nothing there yet
        else:
            _place(track, at, pcm)
    return track.tobytes(), rate


def tone_pcm(utterances, duration: float) -> bytes:
    """Mono 16-bit PCM at 8 kHz, ``duration`` seconds, a tone under every utterance."""
    frames = array("h", bytes(2 * int(TONE_RATE * duration)))
    for u in utterances:
        start, end = int(u.start * TONE_RATE), min(int(u.end * TONE_RATE), len(frames))
        pitch = PITCH.get(u.speaker, 440.0)
        for i in range(start, end):
            fade = min(1.0, (i - start) / 400, (end - i) / 400)  # no clicks at the edges
            frames[i] = int(6000 * fade * math.sin(2 * math.pi * pitch * i / TONE_RATE))
    return frames.tobytes()


def tone_wav(utterances, duration: float) -> bytes:
    """The tones as a plain WAV file (the browser tests' recording: exactly timed, no codec delay)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TONE_RATE)
        out.writeframes(tone_pcm(utterances, duration))
    return buffer.getvalue()


def encode_opus(pcm: bytes, rate: int) -> bytes:
    """Ogg/Opus of mono 16-bit ``pcm`` at ``rate`` (PyAV resamples to the encoder's rate)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as out:
        # "voip" tunes Opus for speech; a low compression level encodes ~3× faster at about the same size
        stream = out.add_stream(
            "libopus", rate=OPUS_RATE, layout="mono", options={"application": "voip", "compression_level": "2"}
        )
        stream.bit_rate = OPUS_BITRATE
        step = rate  # a second at a time
        for offset in range(0, len(pcm) // 2, step):
            chunk = pcm[2 * offset : 2 * (offset + step)]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk + bytes(frame.planes[0].buffer_size - len(chunk)))
            frame.sample_rate = rate
            frame.pts = None
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def call_audio(interaction: Interaction, engine: str | None) -> bytes:
    """The call's recording as Ogg/Opus: speech with ``engine``, tones without."""
    utterances = interaction.utterances
    if engine:
        pcm, rate = speech_pcm(engine, interaction)
    else:
        duration = max(interaction.duration_seconds, max(u.end for u in utterances)) + 1
        pcm, rate = tone_pcm(utterances, min(duration, 900)), TONE_RATE
    return encode_opus(pcm, rate)


def attach_demo_audio(limit: int = RECORDED_CALLS) -> int:
    """Give up to ``limit`` demo voice calls (the most recent, without a recording yet) their recording."""
    admin = User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    if admin is None or Recording.objects.filter(interaction__external_id__startswith="demo-").exists():
        return 0  # idempotent: the demo's recordings exist already
    candidates = (
        Interaction.objects.filter(channel="voice", recordings__isnull=True, external_id__startswith="demo-")
        .exclude(utterance_count=0)
        .select_related("agent")
    )
    calls = _pick(list(candidates), lambda c: c.started_at, lambda c: c.language or "en", limit)
    engine = speech_engine()
    made = 0
    for call in calls:
        data = call_audio(call, engine)
        recording_attach(
            interaction=call,
            by=admin,
            upload=SimpleUploadedFile(f"{call.external_id}.ogg", data, content_type="audio/ogg"),
        )
        made += 1
    return made
