"""Generated media for tests and benchmarks (docs/moments.md#clips): a tone of any length written with
PyAV in a real codec (AAC, MP3, PCM…), and a small video with a moving bar, so clip cutting is measured
on real packets without shipping media files. Frames are filled from bytes: no numpy needed."""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path

import av

_PERIOD = 8000  # samples of one tone cycle buffer, cached per rate


def _tone(rate: int, count: int, offset: int) -> bytes:
    return b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 220 * (offset + i) / rate))) for i in range(count)
    )


def synth_audio(path: str | Path, seconds: float, *, codec: str = "aac", fmt: str | None = None, rate: int = 8000):
    """A mono 220 Hz tone of ``seconds`` in ``codec`` (``fmt``: the muxer, else guessed from the name)."""
    block = 1152 if codec in ("mp3", "libmp3lame") else 1024
    cycle = rate // math.gcd(rate, 220) * 1  # the tone repeats every `cycle` samples
    buffers = {}
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        total, done = int(seconds * rate), 0
        while done < total:
            count = min(block, total - done)
            phase = done % cycle
            key = (phase, count)
            if key not in buffers:
                buffers[key] = _tone(rate, count, phase)
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(buffers[key])
            frame.sample_rate = rate
            frame.pts = done
            frame.time_base = Fraction(1, rate)
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
            done += count
        for packet in stream.encode(None):
            out.mux(packet)
    return Path(path)


def synth_video(path: str | Path, seconds: float, *, fps: int = 10, size: tuple[int, int] = (160, 120), gop: int = 20):
    """A small H.264/MPEG-4 video with an AAC tone: a bar that moves every frame; a keyframe every ``gop``."""
    width, height = size
    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = gop
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "bf": "0"}
        audio = out.add_stream("aac", rate=8000)
        audio.layout = "mono"
        frames = int(seconds * fps)
        for i in range(frames):
            rows = bytearray(width * height * 3)
            x = (i * 4) % width
            for y in range(height):
                base = (y * width + x) * 3
                rows[base : base + 12] = b"\xff" * 12
            frame = av.VideoFrame(width, height, "rgb24")
            frame.planes[0].update(bytes(rows))
            frame = frame.reformat(format="yuv420p")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        resampler = av.AudioResampler(format=audio.codec_context.format.name, layout="mono", rate=8000)
        total, done = int(seconds * 8000), 0
        while done < total:
            count = min(1024, total - done)
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(_tone(8000, count, done))
            frame.sample_rate, frame.pts, frame.time_base = 8000, done, Fraction(1, 8000)
            for converted in resampler.resample(frame):
                for packet in audio.encode(converted):
                    out.mux(packet)
            done += count
        for packet in audio.encode(None):
            out.mux(packet)
    return Path(path)
