"""Synthetic recordings for a few demo calls, so the player and its transcript sync can be tried
without real audio: each utterance is a soft tone (agent lower, customer higher) for exactly its
time span, silence between. Plain WAV built with the standard library; nothing is downloaded."""

from __future__ import annotations

import io
import math
import struct
import wave

from django.core.files.uploadedfile import SimpleUploadedFile

from cxq.accounts.models import User
from cxq.interactions.models import Interaction, Recording
from cxq.interactions.recordings import recording_attach

RATE = 8000
PITCH = {"agent": 220.0, "customer": 330.0, "system": 440.0}


def tone_wav(utterances, duration: float) -> bytes:
    """Mono 16-bit 8 kHz WAV, ``duration`` seconds, a tone under every utterance."""
    frames = bytearray(struct.pack("<h", 0) * int(RATE * duration))
    for u in utterances:
        start, end = int(u.start * RATE), min(int(u.end * RATE), len(frames) // 2)
        pitch = PITCH.get(u.speaker, 440.0)
        for i in range(start, end):
            fade = min(1.0, (i - start) / 400, (end - i) / 400)  # no clicks at the edges
            value = int(6000 * fade * math.sin(2 * math.pi * pitch * i / RATE))
            struct.pack_into("<h", frames, 2 * i, value)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def attach_demo_audio(limit: int = 6) -> int:
    """Give up to ``limit`` demo voice calls (without a recording yet) a synthetic recording."""
    admin = User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    if admin is None or Recording.objects.filter(interaction__external_id__startswith="demo-").exists():
        return 0  # idempotent: the demo's recordings exist already
    calls = Interaction.objects.filter(
        channel="voice", recordings__isnull=True, external_id__startswith="demo-"
    ).order_by("-started_at")[:limit]
    made = 0
    for call in calls:
        utterances = call.utterances
        if not utterances:
            continue
        duration = max(call.duration_seconds, max(u.end for u in utterances)) + 1
        data = tone_wav(utterances, min(duration, 900))
        recording_attach(
            interaction=call,
            by=admin,
            upload=SimpleUploadedFile(f"{call.external_id}.wav", data, content_type="audio/wav"),
        )
        made += 1
    return made
