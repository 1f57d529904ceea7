"""Cutting a moment's clip out of a recording with PyAV (docs/moments.md#clips).

Stream copy first: the packets between the nearest packet boundaries around the range are remuxed into
the recording's own container, their timestamps moved so the clip starts at zero. Audio packets
(MP3, AAC, PCM, Opus, FLAC…) each decode on their own, so the clip is the request to within one
packet. A video stream can only start on a keyframe: when the nearest keyframe at or before the start
is more than one frame away, or the container refuses the copy, the range is decoded and re-encoded
(H.264 or MPEG-4 video, AAC audio, in MP4). Nothing is read beyond the range: the input is seeked to
the start, so a clip of a one-hour recording costs what the clip costs (bench/bench_clip.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

# the muxer to write a stream-copied clip with, by the demuxer that read the recording
_COPY_MUXERS = {
    "mp3": ("mp3", ".mp3", "audio/mpeg"),
    "wav": ("wav", ".wav", "audio/wav"),
    "ogg": ("ogg", ".ogg", "audio/ogg"),
    "flac": ("flac", ".flac", "audio/flac"),
    "aac": ("adts", ".aac", "audio/aac"),
    "matroska,webm": ("webm", ".webm", "audio/webm"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("mp4", ".m4a", "audio/mp4"),
}


class ClipError(Exception):
    """The recording cannot be cut (unreadable, no audio or video, or the range is outside it)."""


@dataclass(frozen=True)
class Clip:
    path: Path
    extension: str
    content_type: str
    start: float  # where the clip really starts in the recording (a packet boundary)
    duration: float  # seconds, as written
    method: str  # "copy" or "encode"


def probe_duration(path: str | Path) -> float:
    """The recording's length in seconds (0 when the container does not say)."""
    with av.open(str(path)) as container:
        if container.duration:
            return container.duration / av.time_base
        stream = next(iter(container.streams.audio or container.streams.video), None)
        if stream is not None and stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def cut(source: str | Path, target_stem: str | Path, start: float, end: float) -> Clip:
    """Write the ``start``–``end`` seconds of ``source`` next to ``target_stem`` (its extension is the
    clip's format); stream copy where possible, else re-encode."""
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
        raise ClipError("The range must start at 0 or later and end after it starts.")
    try:
        with av.open(str(source)) as container:
            streams = _streams(container)
            fmt = container.format.name
            copy = fmt in _COPY_MUXERS and _copy_allowed(container, streams, start)
        if copy:
            try:
                return _copy(source, target_stem, start, end, fmt)
            except (av.FFmpegError, ValueError):
                pass  # the muxer refused the packets as they are: re-encode instead
        return _encode(source, target_stem, start, end)
    except av.FFmpegError as exc:
        raise ClipError(f"The recording could not be read: {exc}") from None


def _streams(container) -> list:
    streams = [s for s in container.streams if s.type in ("audio", "video")]
    if not streams:
        raise ClipError("The recording has no audio or video.")
    return streams


def _copy_allowed(container, streams, start: float) -> bool:
    """Audio copies from any packet; a video stream only if a keyframe is within one frame of the start."""
    video = next((s for s in streams if s.type == "video"), None)
    if video is None:
        return True
    frame = 1 / float(video.average_rate or 25)
    _seek(container, video, start)
    for packet in container.demux(video):
        if packet.pts is None or not packet.is_keyframe:
            continue
        at = float(packet.pts * packet.time_base)
        if at > start + frame:
            return False
        if abs(at - start) <= frame:
            return True
    return False


def _seek(container, stream, at: float) -> None:
    """To the packet boundary at or before ``at`` (a little earlier: demuxers land near, not on, it)."""
    offset = max(0.0, at - 0.5)
    container.seek(int(offset / stream.time_base), stream=stream, backward=True, any_frame=False)


def _copy(source, target_stem, start: float, end: float, fmt: str) -> Clip:
    muxer, extension, content_type = _COPY_MUXERS[fmt]
    has_video = False
    target = Path(f"{target_stem}{extension}")
    with av.open(str(source)) as container:
        streams = _streams(container)
        has_video = any(s.type == "video" for s in streams)
        if has_video:
            muxer, extension, content_type = "mp4", ".mp4", "video/mp4"
            target = Path(f"{target_stem}{extension}")
        lead = next((s for s in streams if s.type == "video"), streams[0])
        _seek(container, lead, start)
        with av.open(str(target), "w", format=muxer) as out:
            outs = {s.index: out.add_stream_from_template(s) for s in streams}
            first: dict[int, int] = {}
            spans: dict[int, tuple[float, float]] = {}
            for packet in container.demux(streams):
                if packet.pts is None or packet.dts is None:
                    continue
                tb = packet.time_base
                at = float(packet.pts * tb)
                length = float((packet.duration or 0) * tb)
                index = packet.stream.index
                middle = at + length / 2
                if index not in first:
                    # a stream starts at the packet boundary nearest to ``start`` (its keyframe, for video)
                    if packet.stream.type == "video":
                        if not packet.is_keyframe or at + length <= start + 1e-9:
                            continue
                    elif middle < start:
                        continue
                    first[index] = packet.dts
                if middle >= end:
                    if at >= end + 1:  # every stream is past the range
                        break
                    continue
                origin = first[index]
                packet.pts -= origin
                packet.dts -= origin
                packet.stream = outs[index]
                out.mux(packet)
                low, high = spans.get(index, (at, at + length))
                spans[index] = (min(low, at), max(high, at + length))
    if not spans:
        target.unlink(missing_ok=True)
        raise ClipError("The range is outside the recording.")
    begin = min(low for low, _ in spans.values())
    finish = max(high for _, high in spans.values())
    return Clip(target, extension, content_type, begin, finish - begin, "copy")


def _encode(source, target_stem, start: float, end: float) -> Clip:
    target = Path(f"{target_stem}.mp4")
    with av.open(str(source)) as container:
        streams = _streams(container)
        video = next((s for s in streams if s.type == "video"), None)
        audio = next((s for s in streams if s.type == "audio"), None)
        content_type = "video/mp4" if video is not None else "audio/mp4"
        if video is None:
            target = Path(f"{target_stem}.m4a")
        _seek(container, video or audio, start)
        with av.open(str(target), "w", format="mp4") as out:
            v_out = a_out = None
            rate = Fraction(video.average_rate or 25) if video is not None else Fraction(25)
            if video is not None:
                codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
                v_out = out.add_stream(codec, rate=rate)
                v_out.width, v_out.height = video.codec_context.width, video.codec_context.height
                v_out.pix_fmt = "yuv420p"
            if audio is not None:
                a_out = out.add_stream("aac", rate=audio.codec_context.sample_rate or 44100)
                resampler = av.AudioResampler(format="fltp", layout="mono", rate=a_out.rate)
            wanted = [s for s in (video, audio) if s is not None]
            first_at: float | None = None
            last_end = start
            v_count = 0
            for frame in container.decode(*wanted):
                if frame.time is None:
                    continue
                if isinstance(frame, av.VideoFrame):
                    length = 1 / float(video.average_rate or 25)
                else:
                    length = frame.samples / frame.sample_rate
                if frame.time + length / 2 < start:
                    continue
                if frame.time + length / 2 >= end:
                    if frame.time >= end + 1:  # every stream is past the range
                        break
                    continue
                first_at = frame.time if first_at is None else min(first_at, frame.time)
                last_end = max(last_end, frame.time + length)
                if isinstance(frame, av.VideoFrame):
                    image = frame.reformat(format="yuv420p")
                    image.pts = v_count
                    image.time_base = 1 / rate
                    v_count += 1
                    for packet in v_out.encode(image):
                        out.mux(packet)
                else:
                    frame.pts = None
                    for chunk in resampler.resample(frame):
                        for packet in a_out.encode(chunk):
                            out.mux(packet)
            for stream in (v_out, a_out):
                if stream is not None:
                    for packet in stream.encode(None):
                        out.mux(packet)
    if first_at is None:
        target.unlink(missing_ok=True)
        raise ClipError("The range is outside the recording.")
    return Clip(target, target.suffix, content_type, first_at, last_end - first_at, "encode")
