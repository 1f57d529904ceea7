"""Demo screen recordings (docs/demo.md, docs/screen-recordings.md): two demo agents' recorded calls get
what their desktop showed, drawn with numpy and encoded with PyAV (VP8 WebM, 320×200, one frame a
second): a CRM form whose fields fill in as the conversation passes, the line being said highlighted,
and on a second monitor a case history that scrolls. Uploaded through the same resumable-upload
service a capture client uses, so the demo exercises it end to end. Nothing is downloaded."""

from __future__ import annotations

import hashlib
import io

import av
import numpy as np

from cxq.accounts.models import OrgSettings, User
from cxq.interactions.models import Interaction, Recording, ScreenTrack
from cxq.interactions.screens import screen_track_create, screen_track_finalize, screen_track_write_chunk

WIDTH, HEIGHT, FPS = 320, 200, 1
DESKTOP = (38, 70, 110)
WINDOW = (245, 246, 248)
TITLE = (52, 92, 190)
FIELD = (255, 255, 255)
FIELD_EDGE = (190, 196, 206)
INK = {"agent": (40, 60, 130), "customer": (150, 70, 40), "system": (110, 110, 110)}
HIGHLIGHT = (255, 214, 102)
MAX_SECONDS = 900


def _box(image, x, y, w, h, colour) -> None:
    image[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)] = colour


def _crm_base(fields: int) -> np.ndarray:
    image = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    image[:] = DESKTOP
    _box(image, 0, HEIGHT - 14, WIDTH, 14, (24, 28, 36))  # task bar
    for i in range(4):
        _box(image, 6 + i * 18, HEIGHT - 11, 12, 8, (90 + 30 * i, 120, 170))
    _box(image, 12, 10, WIDTH - 24, HEIGHT - 32, WINDOW)  # the CRM window
    _box(image, 12, 10, WIDTH - 24, 12, TITLE)
    for i in range(3):
        _box(image, WIDTH - 24 - 10 * i, 13, 6, 6, (230, 230, 240))
    for i in range(fields):  # labels and empty fields, two columns
        x, y = 20 + (i % 2) * 146, 30 + (i // 2) * 22
        _box(image, x, y, 40, 4, (150, 156, 166))
        _box(image, x, y + 6, 130, 11, FIELD_EDGE)
        _box(image, x + 1, y + 7, 128, 9, FIELD)
    return image


def crm_frames(utterances, seconds: int):
    """One frame a second: each utterance fills a field once said (its text's length gives the fill),
    the field of the line being said is highlighted."""
    fields = min(len(utterances), 12) or 1
    base = _crm_base(fields)
    for t in range(seconds):
        image = base.copy()
        for i, u in enumerate(utterances[:fields]):
            x, y = 20 + (i % 2) * 146, 30 + (i // 2) * 22
            if u.start <= t < u.end:
                _box(image, x - 2, y + 4, 134, 15, HIGHLIGHT)
                _box(image, x + 1, y + 7, 128, 9, FIELD)
                done = (t - u.start + 1) / max(u.end - u.start, 1)
            elif t >= u.end:
                done = 1.0
            else:
                continue
            width = int(min(124, 8 + len(u.text)) * min(done, 1.0))
            _box(image, x + 3, y + 9, width, 5, INK.get(u.speaker, INK["system"]))
        said = sum(1 for u in utterances if u.end <= t)  # progress bar of the case
        _box(image, 20, HEIGHT - 30, int((WIDTH - 40) * said / max(len(utterances), 1)), 4, TITLE)
        yield image


def history_frames(utterances, seconds: int, offset: float = 0.0):
    """A second monitor: a case history whose rows arrive as the conversation goes on (the screen's
    second ``t`` is the call's ``t + offset``)."""
    base = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    base[:] = (30, 34, 44)
    _box(base, 8, 8, WIDTH - 16, HEIGHT - 16, (250, 250, 250))
    _box(base, 8, 8, WIDTH - 16, 12, (70, 130, 90))
    for t in range(seconds):
        image = base.copy()
        rows = [u for u in utterances if u.start <= t + offset][-14:]
        for j, u in enumerate(rows):
            y = 26 + j * 11
            _box(image, 14, y, 6, 6, INK.get(u.speaker, INK["system"]))
            _box(image, 24, y + 1, min(WIDTH - 40, 20 + 2 * len(u.text)), 4, (170, 175, 185))
        yield image


def encode_webm(frames) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8"}
        stream.codec_context.thread_count = 1  # tiny frames: threads only wait on each other (20× slower)
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def _upload(call: Interaction, monitor: int, offset: float, data: bytes, by: User) -> ScreenTrack:
    track, _ = screen_track_create(
        interaction=call,
        monitor=monitor,
        offset_seconds=offset,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        by=by,
    )
    screen_track_write_chunk(
        track=track, content_range=f"bytes 0-{len(data) - 1}/{len(data)}", stream=io.BytesIO(data), by=by
    )
    return screen_track_finalize(track=track, by=by)


def attach_demo_screens(agents: int = 2) -> int:
    """Screen tracks for the latest recorded voice call of ``agents`` demo agents (idempotent). The
    demo organisation has screen recording on."""
    admin = User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    if admin is None or ScreenTrack.objects.filter(interaction__external_id__startswith="demo-").exists():
        return 0
    OrgSettings.objects.filter(pk=OrgSettings.get().pk).update(screen_recording_enabled=True)
    recorded = (
        Interaction.objects.filter(
            channel="voice", external_id__startswith="demo-", recordings__status=Recording.Status.READY
        )
        .exclude(agent=None)
        .order_by("-started_at")
    )
    calls, seen = [], set()
    for call in recorded:
        if call.agent_id not in seen and call.utterances:
            seen.add(call.agent_id)
            calls.append(call)
        if len(calls) == agents:
            break
    made = 0
    for n, call in enumerate(calls):
        utterances = call.utterances
        seconds = int(min(MAX_SECONDS, max(call.duration_seconds, max(u.end for u in utterances)) + 1))
        _upload(call, 1, 0.0, encode_webm(crm_frames(utterances, seconds)), admin)
        made += 1
        if n == 0:  # the first agent works on two monitors; the second one was recording 2 s before the call
            _upload(call, 2, -2.0, encode_webm(history_frames(utterances, seconds + 2, offset=-2.0)), admin)
            made += 1
    return made
