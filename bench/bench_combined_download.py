"""docs/screen-recordings.md#combined-download: the combined download of a 1-hour call with four 1-hour
screen tracks — time to remux it with PyAV (stream copy, into a temporary file) and to stream it out
through Django's FileResponse, and the process's peak RSS (resource.getrusage), which stays far below
the files' size because neither the inputs nor the output are held in memory.

The media is made first, in a child process (so its memory does not count): a 1-hour 8 kHz mono WAV
and a 1-hour VP8 WebM (640×400, 2 frames a second, a changing picture) used for the four monitors with
offsets -3, 0, 12.5 and 60 s. Run by hand: .venv/bin/python bench/bench_combined_download.py
[--minutes 60] [--keep DIR]"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_media(folder: Path, minutes: float) -> None:
    import av
    import numpy as np

    seconds = int(minutes * 60)
    with av.open(str(folder / "call.wav"), mode="w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        t = np.arange(8000) / 8000
        for second in range(seconds):
            tone = (2000 * np.sin(2 * np.pi * (200 + second % 200) * t)).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
            frame.sample_rate = 8000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    fps, width, height = 2, 640, 400
    with av.open(str(folder / "screen.webm"), mode="w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8"}
        stream.codec_context.thread_count = 1
        rng = np.random.default_rng(1)
        image = np.full((height, width, 3), 235, dtype=np.uint8)
        for _ in range(seconds * fps):
            y, x = rng.integers(0, height - 20), rng.integers(0, width - 120)
            image[y : y + 12, x : x + 110] = rng.integers(0, 255, 3)  # a "line of text" typed somewhere
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")
    import django

    django.setup()
    import av
    from django.http import FileResponse

    from cxq.interactions.combined import Part, write_matroska

    parts = [Part(str(folder / "call.wav"), "audio", 0.0, "audio.wav")]
    for monitor, offset in zip((1, 2, 3, 4), (-3.0, 0.0, 12.5, 60.0), strict=True):
        parts.append(Part(str(folder / "screen.webm"), f"screen {monitor}", offset, f"screen-{monitor}.webm"))
    inputs = sum(os.path.getsize(p.path) for p in parts)
    shift = 3.0
    baseline = peak_mb()
    start = time.perf_counter()
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed after streaming, as FileResponse would)
    write_matroska(spool, parts, {"interaction": "bench", "external_id": "bench", "tracks": []}, shift)
    remuxed = time.perf_counter()
    size = os.fstat(spool.fileno()).st_size
    spool.seek(0)
    sent = 0
    response = FileResponse(spool, content_type="video/x-matroska", as_attachment=True, filename="bench.mkv")
    for chunk in response.streaming_content:
        sent += len(chunk)
    response.close()
    done = time.perf_counter()
    assert sent == size
    print(f"inputs:   {inputs / 1e6:,.1f} MB (audio + 4 screen tracks); output {size / 1e6:,.1f} MB")
    print(f"remux:    {remuxed - start:.2f} s (stream copy into a temporary file)")
    print(f"stream:   {done - remuxed:.2f} s (FileResponse, {sent / 1e6:,.1f} MB)")
    print(f"total:    {done - start:.2f} s")
    print(f"peak RSS: {peak_mb():.0f} MB (after Django and PyAV were loaded: {baseline:.0f} MB)")
    spool.close()
    load = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True).stdout.strip()
    print(f"PyAV {av.__version__}; uptime: {load}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--keep", help="make the media here (or reuse it) instead of a temporary folder")
    parser.add_argument("--make-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_only:
        make_media(Path(args.make_only), args.minutes)
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="cxq-bench-combined-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "screen.webm").exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--minutes", str(args.minutes), "--make-only", str(folder)], check=True
        )
        print(f"media made in {time.perf_counter() - start:.1f} s in {folder}")
    measure(folder)


if __name__ == "__main__":
    main()
