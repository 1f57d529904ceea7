"""Cutting clips with PyAV (docs/moments.md#clips): stream copy within one packet of the request, a
video re-encoded where no keyframe is near the start, refusals for bad ranges and unreadable files."""

from __future__ import annotations

import av
import pytest

from cxq.devdata.media import synth_audio, synth_video
from cxq.moments import clips


def _packets(path):
    """(duration in seconds, longest packet) of the clip's first audio or video stream, from its packets."""
    with av.open(str(path)) as container:
        stream = (container.streams.audio or container.streams.video)[0]
        spans = [
            (float(p.pts * p.time_base), float(p.duration * p.time_base))
            for p in container.demux(stream)
            if p.pts is not None
        ]
    first = min(s for s, _ in spans)
    last = max(s + d for s, d in spans)
    return last - first, max(d for _, d in spans)


@pytest.mark.parametrize(
    ("name", "codec", "rate"),
    [("a.m4a", "aac", 8000), ("a.mp3", "libmp3lame", 8000), ("a.wav", "pcm_s16le", 8000), ("a.ogg", "libopus", 48000)],
)
def test_an_audio_clip_is_stream_copied_to_within_one_packet(tmp_path, name, codec, rate):
    source = synth_audio(tmp_path / name, 12, codec=codec, rate=rate)
    clip = clips.cut(source, tmp_path / "clip", 3.3, 7.7)
    assert clip.method == "copy"
    assert clip.path.suffix == source.suffix
    duration, packet = _packets(clip.path)
    assert abs(duration - 4.4) <= packet + 1e-6, (duration, packet)
    assert abs(clip.duration - 4.4) <= packet + 1e-6
    assert abs(clip.start - 3.3) <= packet


def test_a_video_clip_starting_on_a_keyframe_is_copied(tmp_path):
    source = synth_video(tmp_path / "v.mp4", 6, fps=10, gop=20)  # keyframes every 2 s
    clip = clips.cut(source, tmp_path / "clip", 2.0, 4.0)
    assert clip.method == "copy" and clip.content_type == "video/mp4"
    with av.open(str(clip.path)) as container:
        assert container.streams.video and container.streams.audio
    assert abs(clip.duration - 2.0) <= 0.13  # one AAC packet (the video's frames are 0.1 s)


def test_a_video_clip_between_keyframes_is_re_encoded_to_within_one_frame(tmp_path):
    source = synth_video(tmp_path / "v.mp4", 6, fps=10, gop=20)
    clip = clips.cut(source, tmp_path / "clip", 2.55, 4.0)
    assert clip.method == "encode" and clip.content_type == "video/mp4"
    with av.open(str(clip.path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames / 10 - 1.45) <= 0.1 + 1e-6
    assert abs(clip.duration - 1.45) <= 0.13


def test_bad_ranges_and_unreadable_files_are_refused(tmp_path):
    source = synth_audio(tmp_path / "a.m4a", 3, codec="aac")
    with pytest.raises(clips.ClipError, match="end after"):
        clips.cut(source, tmp_path / "clip", 2, 1)
    with pytest.raises(clips.ClipError, match="outside"):
        clips.cut(source, tmp_path / "clip", 10, 12)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"ID3" + b"0" * 300)
    with pytest.raises(clips.ClipError):
        clips.cut(junk, tmp_path / "clip", 0, 1)
