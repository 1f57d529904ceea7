"""docs/moments.md#performance (PF-5): cutting a moment's clip out of a one-hour recording, by stream copy.

Run by hand: .venv/bin/python bench/bench_clip.py [--repeat 20] [--length 30]
The recordings (one hour of mono 8 kHz audio, AAC in M4A and MP3) are generated with PyAV once and kept
under var/bench/. Each cut seeks to a different place in the hour and remuxes the packets of the range
(cxq/moments/clips.py), as the worker does for a new moment. For context the run also prints the load
average (``uptime``) before and after and the scoring benchmark's rate measured in the same run, so a
slow figure on a busy machine can be told from a slow cutter. Target: ≤ 1 s; aim ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed  # noqa: E402
from cxq.devdata.media import synth_audio  # noqa: E402
from cxq.moments.clips import cut, probe_duration  # noqa: E402

HOUR = 3600
RECORDINGS = (("hour.m4a", "aac"), ("hour.mp3", "libmp3lame"))


def recording(name: str, codec: str) -> Path:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists() or probe_duration(path) < HOUR - 1:
        started = time.perf_counter()
        synth_audio(path, HOUR, codec=codec)
        print(f"generated {name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    return path


def uptime() -> str:
    command = shutil.which("uptime")
    return subprocess.run([command], capture_output=True, text=True, check=False).stdout.strip() if command else "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--length", type=float, default=30.0, help="seconds of each clip")
    args = parser.parse_args()
    print("load before:", uptime())
    with tempfile.TemporaryDirectory(prefix="cxq-bench-clip-") as work:
        for name, codec in RECORDINGS:
            path = recording(name, codec)
            starts = iter(range(10**6))

            def one(path=path, starts=starts):
                at = (next(starts) * 377.3) % (HOUR - args.length - 1)  # a different place each time
                clip = cut(path, Path(work) / "clip", at, at + args.length)
                assert clip.method == "copy" and abs(clip.duration - args.length) < 0.2, clip
                clip.path.unlink()

            median, p95 = timed(one, args.repeat)
            verdict = "ok" if p95 <= 1000 else "OVER PF-5"
            print(
                f"{name}: {args.length:.0f}-second clip of a 1-hour recording: median {median:.1f} ms, "
                f"p95 {p95:.1f} ms ({verdict}; aim 200 ms)"
            )
    scoring = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_scoring.py"), "--evaluations", "50000"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    print("scoring in the same run:", " ".join(scoring.stdout.split()) or scoring.stderr.strip()[-300:])
    print("load after:", uptime())


if __name__ == "__main__":
    main()
