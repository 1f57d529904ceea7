"""Screen recordings (docs/screen-recordings.md): up to four monitor tracks per voice interaction,
uploaded in chunks that a client can resume, verified against their SHA-256 when finalised.

Chunks are written straight to a partial file on disk under MEDIA_ROOT (``screens/partial/``), at
the offset their ``Content-Range`` names; the row keeps the byte ranges received (merged), which is
what a client reads to resume. Finalising checks the ranges cover the file, hashes it, opens it with
PyAV (a video stream, its duration and size) and moves it into place."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.choices import Channel
from cxq.interactions.models import Interaction, ScreenTrack
from cxq.interactions.selectors import interaction_scope

READ_SIZE = 1024 * 1024
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
# container names PyAV reports, and the type and extension the browser gets
CONTAINERS = {"matroska,webm": ("video/webm", ".webm"), "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", ".mp4")}


def max_track_bytes() -> int:
    return settings.CXQ_MAX_SCREEN_TRACK_MB * 1024 * 1024


def max_chunk_bytes() -> int:
    return settings.CXQ_SCREEN_CHUNK_MB * 1024 * 1024


def partial_path(track: ScreenTrack) -> Path:
    return Path(settings.MEDIA_ROOT) / "screens" / "partial" / f"{track.uuid}.part"


# --- Reads ---------------------------------------------------------------------------------------


def screen_tracks_of(interaction: Interaction) -> list[ScreenTrack]:
    """The interaction's tracks, by monitor (any status: the page says which were purged)."""
    return list(interaction.screen_tracks.order_by("monitor"))


def screen_track_get_for(*, viewer, uuid) -> ScreenTrack:
    """A track of an interaction ``viewer`` may see, else 404 (as for the interaction itself)."""
    return get_object_or_404(
        ScreenTrack.objects.select_related("interaction"),
        uuid=uuid,
        interaction__in=interaction_scope(viewer=viewer),
    )


# --- Upload --------------------------------------------------------------------------------------


def _merge(ranges: list[list[int]], start: int, end: int) -> list[list[int]]:
    """Half-open ranges, sorted and merged, with [start, end) added."""
    merged: list[list[int]] = []
    for lo, hi in sorted([*ranges, [start, end]]):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def _subtract(ranges: list[list[int]], start: int, end: int) -> list[list[int]]:
    """Half-open ranges without [start, end)."""
    kept = []
    for lo, hi in ranges:
        if hi <= start or lo >= end:
            kept.append([lo, hi])
            continue
        if lo < start:
            kept.append([lo, start])
        if hi > end:
            kept.append([end, hi])
    return kept


def _missing(ranges: list[list[int]], size: int) -> list[list[int]]:
    gaps, at = [], 0
    for lo, hi in ranges:
        if lo > at:
            gaps.append([at, lo])
        at = max(at, hi)
    if at < size:
        gaps.append([at, size])
    return gaps


@transaction.atomic
def screen_track_create(
    *, interaction: Interaction, monitor: int, offset_seconds: float, size: int, sha256: str, by
) -> tuple[ScreenTrack, bool]:
    """Start (or resume) the upload of one monitor's recording. Asking again for a monitor whose upload
    is unfinished, with the same size and checksum, returns that upload (created False) so a client
    that lost its id can resume."""
    require(by, "interactions.create")
    if not OrgSettings.get().screen_recording_enabled:
        raise ValidationError(
            {"interaction": "Screen recording is off for this organisation (Settings → Recordings turns it on)."}
        )
    if interaction.channel != Channel.VOICE:
        raise ValidationError(
            {"interaction": f"Screen recordings go with voice interactions; this one is {interaction.channel}."}
        )
    if not 1 <= monitor <= ScreenTrack.MAX_PER_INTERACTION:
        raise ValidationError({"monitor": "Number the monitor 1 to 4."})
    sha256 = (sha256 or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationError({"sha256": "Give the file's SHA-256 as 64 hexadecimal digits."})
    if not 1 <= size <= max_track_bytes():
        raise ValidationError({"size": f"A screen recording is 1 byte to {settings.CXQ_MAX_SCREEN_TRACK_MB} MB."})
    if abs(offset_seconds) > 7 * 24 * 3600:
        raise ValidationError({"offset_seconds": "The offset is at most 7 days either way."})
    Interaction.objects.select_for_update().filter(pk=interaction.pk).first()  # one create at a time per call
    existing = {t.monitor: t for t in interaction.screen_tracks.all()}
    same = existing.get(monitor)
    if same is not None and same.status == ScreenTrack.Status.UPLOADING and (same.size, same.sha256) == (size, sha256):
        if same.offset_seconds != offset_seconds:
            same.offset_seconds = offset_seconds
            same.save(update_fields=["offset_seconds", "updated_at"])
        return same, False
    if len(existing) >= ScreenTrack.MAX_PER_INTERACTION:
        raise ValidationError({"monitor": "This interaction already has four screen tracks, the most it can have."})
    if same is not None:
        raise ValidationError({"monitor": f"Monitor {monitor} already has a screen track on this interaction."})
    track = ScreenTrack.objects.create(
        interaction=interaction, monitor=monitor, offset_seconds=offset_seconds, size=size, sha256=sha256, created_by=by
    )
    path = partial_path(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.truncate(size)  # sparse: chunks land at their offsets in any order
    return track, True


def parse_content_range(header: str | None, size: int) -> tuple[int, int]:
    """``bytes first-last/total`` of a chunk, as [start, end) within a file of ``size`` bytes."""
    match = _CONTENT_RANGE.match((header or "").strip())
    if not match:
        raise ValidationError({"Content-Range": "Send the chunk's place as Content-Range: bytes first-last/total."})
    first, last, total = (int(g) for g in match.groups())
    if total != size:
        raise ValidationError({"Content-Range": f"The total is {total}, but this upload is {size} bytes."})
    if first > last or last >= size:
        raise ValidationError({"Content-Range": f"bytes {first}-{last} is not within 0-{size - 1}."})
    if last - first + 1 > max_chunk_bytes():
        raise ValidationError({"Content-Range": f"A chunk is at most {settings.CXQ_SCREEN_CHUNK_MB} MB."})
    return first, last + 1


def screen_track_write_chunk(*, track: ScreenTrack, content_range: str | None, stream, by) -> ScreenTrack:
    """Write one chunk read from ``stream`` (the request body, read in pieces) at its place, then add
    its range to the received ones. A body shorter or longer than its range is refused and not
    counted (bytes already written there are overwritten by the retry)."""
    require(by, "interactions.create")
    if track.status != ScreenTrack.Status.UPLOADING:
        raise ValidationError({"upload": "This screen track is already complete; nothing more can be sent."})
    start, end = parse_content_range(content_range, track.size)
    path = partial_path(track)
    if not path.exists():
        raise ValidationError({"upload": "The upload's partial file is gone; start a new upload."})
    written = 0
    with open(path, "r+b") as out:
        out.seek(start)
        while written < end - start:
            piece = stream.read(min(READ_SIZE, end - start - written))
            if not piece:
                break
            out.write(piece)
            written += len(piece)
    complete = written == end - start and not stream.read(1)
    with transaction.atomic():
        locked = ScreenTrack.objects.select_for_update().get(pk=track.pk)
        # a body that is not its range may have overwritten part of it: that range is to be sent again
        merge = _merge if complete else _subtract
        locked.received = merge(locked.received, start, end)
        locked.save(update_fields=["received", "updated_at"])
    if not complete:
        said = written if written < end - start else "more"
        raise ValidationError(
            {"Content-Range": f"The body has {said} bytes but Content-Range names {end - start}; send it again."}
        )
    return locked


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


def probe(path: str | Path) -> dict:
    """What PyAV reads of a screen recording: container, first video stream's size, duration."""
    import av

    try:
        with av.open(str(path)) as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            if video is None:
                raise ValueError("it has no video stream")
            duration = None
            if video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            return {
                "format": container.format.name,
                "width": video.codec_context.width,
                "height": video.codec_context.height,
                "duration": duration,
            }
    except (av.FFmpegError, ValueError, StopIteration) as exc:
        raise ValidationError({"file": f"This is not a video CXQ can read ({exc})."}) from None


def screen_track_finalize(*, track: ScreenTrack, by) -> ScreenTrack:
    """Check the whole file arrived and matches its SHA-256, read it as a video, move it into place.
    A checksum mismatch clears the received ranges (the chunks must be sent again)."""
    require(by, "interactions.create")
    track.refresh_from_db()  # the ranges as the chunks' requests left them
    if track.status == ScreenTrack.Status.READY:
        return track  # finalising twice is harmless
    if track.status != ScreenTrack.Status.UPLOADING:
        raise ValidationError({"upload": "This screen track was deleted by the retention policy."})
    gaps = _missing(track.received, track.size)
    if gaps:
        listed = ", ".join(f"{lo}-{hi - 1}" for lo, hi in gaps[:5])
        raise ValidationError({"upload": f"Bytes still missing: {listed}. Send them, then finalise."})
    path = partial_path(track)
    actual = _sha256_of(path)
    if actual != track.sha256:
        ScreenTrack.objects.filter(pk=track.pk).update(received=[], updated_at=timezone.now())
        track.received = []
        raise ValidationError(
            {
                "sha256": f"The file received hashes to {actual}, not the declared {track.sha256}; "
                "the received chunks were discarded, send them again."
            }
        )
    info = probe(path)
    content_type, extension = CONTAINERS.get(info["format"], (None, None))
    if content_type is None:
        raise ValidationError({"file": f"Send screen recordings as WebM or MP4 (this one is {info['format']})."})
    now = timezone.now()
    name = f"screens/{now:%Y/%m}/{track.uuid}{extension}"
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        locked = ScreenTrack.objects.select_for_update().get(pk=track.pk)
        if locked.status == ScreenTrack.Status.READY:
            return locked
        os.replace(path, target)
        locked.file.name = name
        locked.status = ScreenTrack.Status.READY
        locked.content_type = content_type
        locked.duration_seconds = info["duration"]
        locked.width, locked.height = info["width"], info["height"]
        locked.received = [[0, locked.size]]
        locked.save()
        trail = AuditTrail(
            after={"monitor": locked.monitor, "offset_seconds": locked.offset_seconds, "size": locked.size}
        )
        publish(
            Name.SCREEN_TRACK_UPLOADED,
            subject=locked.interaction,
            actor=by,
            data={"screen_track": str(locked.uuid), "monitor": locked.monitor},
            audit=trail,
        )
    return locked
