"""The combined download (docs/screen-recordings.md#combined-download): the call's audio and every
screen track in one Matroska file, remuxed with PyAV without re-encoding (stream copy). Each screen's
offset to the audio is applied to its timestamps; when a screen starts before the audio (a negative
offset) everything is shifted so the earliest starts at 0, and the audio's own start is in the
file's manifest. Packets are written in time order, merged from the inputs one packet each, and the
file goes to a temporary file on disk that is streamed to the client: neither is held in memory.

If PyAV cannot put a stream into Matroska, the download is a zip (stored, not compressed: media is
compressed already) of the original files with a ``manifest.json`` of the offsets."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction, Recording, ScreenTrack

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    path: str
    label: str  # "audio", "screen 1" …
    offset: float  # seconds from the audio's start
    name: str  # its file name inside a zip


@dataclass(frozen=True)
class Combined:
    file: object  # an open temporary file, at its start
    filename: str
    content_type: str
    size: int


def parts_of(interaction: Interaction) -> list[Part]:
    parts = []
    audio = interaction.recordings.filter(status=Recording.Status.READY).exclude(file="").order_by("created_at").first()
    if audio is not None:
        ext = audio.file.name.rsplit(".", 1)[-1]
        parts.append(Part(audio.file.path, "audio", 0.0, f"audio.{ext}"))
    for track in interaction.screen_tracks.filter(status=ScreenTrack.Status.READY).order_by("monitor"):
        ext = track.file.name.rsplit(".", 1)[-1]
        parts.append(
            Part(track.file.path, f"screen {track.monitor}", track.offset_seconds, f"screen-{track.monitor}.{ext}")
        )
    return parts


def manifest(interaction: Interaction, parts: list[Part], shift: float) -> dict:
    return {
        "interaction": str(interaction.uuid),
        "external_id": interaction.external_id,
        "started_at": interaction.started_at.isoformat(),
        "tracks": [
            {"label": p.label, "file": p.name, "offset_seconds": p.offset, "starts_at_seconds": p.offset + shift}
            for p in parts
        ],
    }


def _packets(container, index: int, mapping: dict, shift: float):
    """(time in seconds, tie-breaker, packet, output stream, shift) in the input's order."""
    counter = itertools.count()
    for packet in container.demux(*[s for s in container.streams if s.index in mapping]):
        if packet.dts is None or packet.size == 0:
            continue  # the demuxer's flush packet
        time = float(packet.dts * packet.time_base) + shift
        yield time, index, next(counter), packet, mapping[packet.stream.index], shift


def write_matroska(out, parts: list[Part], meta: dict, shift: float) -> None:
    """Remux ``parts`` into the Matroska file ``out`` (a path or a binary file), without re-encoding."""
    import av

    inputs = [av.open(p.path) for p in parts]
    try:
        with av.open(out, mode="w", format="matroska") as output:
            output.metadata["title"] = f"Interaction {meta['external_id'] or meta['interaction']}"
            output.metadata["comment"] = json.dumps(meta)
            sources = []
            for index, (part, container) in enumerate(zip(parts, inputs, strict=True)):
                mapping = {}
                for stream in container.streams:
                    if stream.type not in ("audio", "video"):
                        continue
                    target = output.add_stream_from_template(stream)
                    target.metadata["title"] = part.label
                    mapping[stream.index] = target
                sources.append(_packets(container, index, mapping, part.offset + shift))
            for _time, _i, _n, packet, target, part_shift in heapq.merge(*sources, key=lambda row: row[:3]):
                delta = round(part_shift / packet.time_base)
                if packet.pts is not None:
                    packet.pts += delta
                packet.dts += delta
                packet.stream = target
                output.mux(packet)
    finally:
        for container in inputs:
            container.close()


def write_zip(out, parts: list[Part], meta: dict) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("manifest.json", json.dumps(meta, indent=2))
        for part in parts:
            archive.write(part.path, part.name)


def combined_download(*, interaction: Interaction, by) -> Combined:
    """Build the combined file for ``by`` (who needs ``recordings.download``); audited."""
    require(by, "recordings.download")
    parts = parts_of(interaction)
    if not parts:
        raise ValidationError({"interaction": "This interaction has no recording to download."})
    shift = -min(0.0, *(p.offset for p in parts))
    meta = manifest(interaction, parts, shift)
    stem = f"{interaction.external_id or interaction.uuid}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        write_matroska(spool, parts, meta, shift)
        filename, content_type, kind = f"{stem}.mkv", "video/x-matroska", "matroska"
    except Exception as exc:  # any stream PyAV cannot copy into Matroska: the archive instead
        logger.warning("Combined download of %s as a zip: %s", interaction.uuid, exc)
        spool.close()
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        write_zip(spool, parts, meta)
        filename, content_type, kind = f"{stem}.zip", "application/zip", "zip"
    size = os.fstat(spool.fileno()).st_size
    spool.seek(0)
    with transaction.atomic():
        publish(
            Name.RECORDINGS_DOWNLOADED,
            subject=interaction,
            actor=by,
            data={"format": kind, "tracks": [p.label for p in parts]},
            audit=AuditTrail(after={"format": kind, "tracks": [p.label for p in parts], "size": size}),
        )
    return Combined(file=spool, filename=filename, content_type=content_type, size=size)
