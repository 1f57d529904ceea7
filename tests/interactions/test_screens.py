"""Screen recordings (docs/screen-recordings.md): resumable upload, playback media, combined download,
retention; recordings through the API (upload, range streaming)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import av
import pytest
from django.urls import reverse
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.audit.models import AuditEvent
from cxq.evaluations import services as ev
from cxq.interactions import retention
from cxq.interactions.models import Interaction, Recording, ScreenTrack
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from tests.interactions.media import wav, webm

VIDEO = webm(seconds=2.0)
AUDIO = wav(seconds=3.0)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def screens_on(db):
    org = OrgSettings.get()
    org.screen_recording_enabled = True
    org.save()
    return org


@pytest.fixture
def call(personas, payload):
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


def api(client, method, url, body=None, **extra):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data, content_type="application/json", **extra)


def create(client, call, monitor=1, offset=0.0, data=VIDEO, sha=None):
    body = {
        "monitor": monitor,
        "offset_seconds": offset,
        "size": len(data),
        "sha256": sha or hashlib.sha256(data).hexdigest(),
    }
    return api(client, "post", f"/api/v1/interactions/{call.uuid}/screen-tracks", body)


def put_chunk(client, track_id, data, start, end, total=None):
    total = len(data) if total is None else total
    return client.put(
        f"/api/v1/screen-tracks/{track_id}/content",
        data[start : end + 1],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{end}/{total}",
    )


def upload(client, call, monitor=1, offset=0.0, data=VIDEO):
    track = create(client, call, monitor, offset, data).json()
    put_chunk(client, track["id"], data, 0, len(data) - 1)
    response = client.post(f"/api/v1/screen-tracks/{track['id']}/finalize")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_interrupted_upload_resumes_from_the_ranges_received(client_for, call, screens_on, media_root):
    client = client_for("supervisor_a")
    created = create(client, call, monitor=2, offset=-1.5)
    assert created.status_code == 201
    track = created.json()
    third = len(VIDEO) // 3
    # the last third first, then the connection drops
    assert put_chunk(client, track["id"], VIDEO, 2 * third, len(VIDEO) - 1).status_code == 200
    # the client lost its id: asking again for the same monitor, size and checksum resumes that upload
    again = create(client, call, monitor=2, offset=-1.5)
    assert again.status_code == 200 and again.json()["id"] == track["id"]
    status = client.get(f"/api/v1/screen-tracks/{track['id']}").json()
    assert status["received"] == [[2 * third, len(VIDEO) - 1]] and status["status"] == "uploading"
    early = client.post(f"/api/v1/screen-tracks/{track['id']}/finalize")
    assert early.status_code == 400 and f"0-{2 * third - 1}" in early.json()["detail"]
    # a body shorter than its Content-Range is refused, and the range it may have overwritten is to be
    # sent again
    short = client.put(
        f"/api/v1/screen-tracks/{track['id']}/content",
        VIDEO[:10],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {2 * third}-{len(VIDEO) - 1}/{len(VIDEO)}",
    )
    assert short.status_code == 400 and "The body has 10 bytes" in short.json()["detail"]
    assert client.get(f"/api/v1/screen-tracks/{track['id']}").json()["received"] == []
    assert put_chunk(client, track["id"], VIDEO, 2 * third, len(VIDEO) - 1).status_code == 200
    assert put_chunk(client, track["id"], VIDEO, 0, third - 1).status_code == 200
    status = put_chunk(client, track["id"], VIDEO, third, 2 * third - 1).json()
    assert status["received"] == [[0, len(VIDEO) - 1]]
    done = client.post(f"/api/v1/screen-tracks/{track['id']}/finalize")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["monitor"], body["offset_seconds"], body["content_type"]) == (
        "ready",
        2,
        -1.5,
        "video/webm",
    )
    assert abs(body["duration_seconds"] - 2.0) < 0.3 and (body["width"], body["height"]) == (64, 48)
    saved = ScreenTrack.objects.get()
    assert saved.file.read() == VIDEO
    assert AuditEvent.objects.filter(action="screen_track.uploaded").count() == 1
    assert not list((media_root / "screens" / "partial").iterdir())


def test_a_checksum_mismatch_is_refused_and_the_chunks_must_be_sent_again(client_for, call, screens_on):
    client = client_for("admin")
    track = create(client, call, sha="0" * 64).json()
    put_chunk(client, track["id"], VIDEO, 0, len(VIDEO) - 1)
    response = client.post(f"/api/v1/screen-tracks/{track['id']}/finalize")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "sha256: The file received hashes to " + hashlib.sha256(VIDEO).hexdigest()
    )
    assert client.get(f"/api/v1/screen-tracks/{track['id']}").json()["received"] == []
    assert (
        ScreenTrack.objects.get().status == "uploading"
        and not AuditEvent.objects.filter(action="screen_track.uploaded").exists()
    )


def test_not_a_video_is_refused_at_finalize(client_for, call, screens_on):
    client = client_for("admin")
    junk = b"not a video at all" * 10
    track = create(client, call, data=junk).json()
    put_chunk(client, track["id"], junk, 0, len(junk) - 1)
    response = client.post(f"/api/v1/screen-tracks/{track['id']}/finalize")
    assert response.status_code == 400 and "not a video" in response.json()["detail"]


def test_clear_errors_fifth_track_wrong_call_setting_off_bad_range(client_for, personas, call, payload, screens_on):
    client = client_for("admin")
    for monitor in (1, 2, 3, 4):
        assert create(client, call, monitor=monitor).status_code == 201
    fifth = create(client, call, monitor=1, data=VIDEO + b"x")
    assert fifth.status_code == 400 and "already has four screen tracks" in fifth.json()["detail"]
    assert create(client, call, monitor=5).status_code == 422
    unknown = api(
        client,
        "post",
        "/api/v1/interactions/00000000-0000-0000-0000-000000000000/screen-tracks",
        {"monitor": 1, "offset_seconds": 0, "size": 10, "sha256": "a" * 64},
    )
    assert unknown.status_code == 404
    chat = interaction_upsert(
        data=InteractionIn.model_validate({**payload, "external_id": "chat-1", "channel": "chat"})
    )[0]
    refused = create(client, chat)
    assert refused.status_code == 400 and "voice interactions" in refused.json()["detail"]
    screens_on.screen_recording_enabled = False
    screens_on.save()
    other = interaction_upsert(data=InteractionIn.model_validate({**payload, "external_id": "call-2"}))[0]
    off = create(client, other)
    assert off.status_code == 400 and "Screen recording is off" in off.json()["detail"]
    track = ScreenTrack.objects.filter(interaction=call).first()
    outside = put_chunk(client, track.uuid, VIDEO, 0, len(VIDEO) - 1, total=len(VIDEO) + 5)
    assert outside.status_code == 400 and "total" in outside.json()["detail"]
    no_range = client.put(f"/api/v1/screen-tracks/{track.uuid}/content", b"x", content_type="application/octet-stream")
    assert no_range.status_code == 400 and "Content-Range" in no_range.json()["detail"]
    # other teams' people do not see the call's tracks; agents cannot upload
    assert client_for("manager_b").get(f"/api/v1/screen-tracks/{track.uuid}").status_code == 404
    assert create(client_for("agent_a1"), call, monitor=1).status_code == 403


def test_screens_play_with_range_requests_beside_the_recording(client_for, personas, call, screens_on):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.interactions.recordings import recording_attach

    recording_attach(
        interaction=call, by=personas.admin, upload=SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav")
    )
    track = upload(client_for("admin"), call, monitor=1, offset=0.5)
    agent = client_for("agent_a1")
    media = f"/api/v1/screen-tracks/{track['id']}/media"
    part = agent.get(media, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{len(VIDEO)}"
    assert b"".join(part.streaming_content) == VIDEO[10:20]
    assert agent.get(media, HTTP_RANGE=f"bytes={len(VIDEO)}-").status_code == 416
    page = agent.get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    assert (
        'data-offset="0.500000"' in page and reverse("interactions:screen_media", args=[call.uuid, track["id"]]) in page
    )
    assert "Download with screens" not in page  # agents may play, not download
    web = agent.get(reverse("interactions:screen_media", args=[call.uuid, track["id"]]), HTTP_RANGE="bytes=0-3")
    assert web.status_code == 206
    lead_page = client_for("supervisor_a").get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    assert "Download with screens" in lead_page
    # the evaluation form shows them too
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    evaluation = ev.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)
    form = client_for("evaluator").get(reverse("evaluations:detail", args=[evaluation.uuid])).content.decode()
    assert 'data-testid="screen"' in form


def _durations(data: bytes):
    with av.open(io.BytesIO(data)) as container:
        streams = [(s.type, s.metadata.get("title")) for s in container.streams]
        firsts: dict[int, float] = {}
        lasts: dict[int, float] = {}
        for packet in container.demux():
            if packet.pts is None:
                continue
            t = float(packet.pts * packet.time_base)
            firsts.setdefault(packet.stream.index, t)
            lasts[packet.stream.index] = t + float((packet.duration or 0) * packet.time_base)
        return streams, firsts, lasts, json.loads(container.metadata.get("COMMENT") or container.metadata["comment"])


def test_the_combined_download_holds_audio_and_every_screen_at_its_offset(client_for, personas, call, screens_on):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.interactions.recordings import recording_attach

    recording_attach(
        interaction=call, by=personas.admin, upload=SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav")
    )
    admin = client_for("admin")
    upload(admin, call, monitor=1, offset=0.5)
    upload(admin, call, monitor=3, offset=-1.0, data=webm(seconds=1.0))
    url = f"/api/v1/interactions/{call.uuid}/recordings/combined"
    assert client_for("agent_a1").get(url).status_code == 403
    response = client_for("supervisor_a").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "video/x-matroska"
    assert "attachment" in response["Content-Disposition"] and ".mkv" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    streams, firsts, lasts, meta = _durations(data)
    assert streams == [("audio", "audio"), ("video", "screen 1"), ("video", "screen 3")]
    # screen 3 started a second before the audio: everything is shifted by 1 s
    assert firsts[0] == pytest.approx(1.0, abs=0.01) and firsts[1] == pytest.approx(1.5, abs=0.01)
    assert firsts[2] == pytest.approx(0.0, abs=0.01)
    assert lasts[0] - firsts[0] == pytest.approx(3.0, abs=0.05)
    assert lasts[1] - firsts[1] == pytest.approx(2.0, abs=0.25) and lasts[2] - firsts[2] == pytest.approx(1.0, abs=0.25)
    assert [t["offset_seconds"] for t in meta["tracks"]] == [0.0, 0.5, -1.0]
    entry = AuditEvent.objects.get(action="recordings.downloaded")
    assert entry.after["format"] == "matroska" and entry.after["tracks"] == ["audio", "screen 1", "screen 3"]
    web = client_for("supervisor_a").get(reverse("interactions:recordings_combined", args=[call.uuid]))
    assert web.status_code == 200 and web["Content-Type"] == "video/x-matroska"
    assert client_for("agent_a1").get(reverse("interactions:recordings_combined", args=[call.uuid])).status_code == 403


def test_the_combined_download_falls_back_to_a_zip_with_a_manifest(client_for, personas, call, screens_on, monkeypatch):
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.interactions import combined
    from cxq.interactions.recordings import recording_attach

    recording_attach(
        interaction=call, by=personas.admin, upload=SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav")
    )
    upload(client_for("admin"), call, monitor=2, offset=4.0)

    def cannot(*args, **kwargs):
        raise av.FFmpegError(0, "no muxer")

    monkeypatch.setattr(combined, "write_matroska", cannot)
    response = client_for("admin").get(f"/api/v1/interactions/{call.uuid}/recordings/combined")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["audio.wav", "manifest.json", "screen-2.webm"]
    assert archive.read("screen-2.webm") == VIDEO
    meta = json.loads(archive.read("manifest.json"))
    assert meta["tracks"][1] == {
        "label": "screen 2",
        "file": "screen-2.webm",
        "offset_seconds": 4.0,
        "starts_at_seconds": 4.0,
    }


def test_retention_deletes_expired_media_and_keeps_the_rest(client_for, personas, call, payload, screens_on):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.interactions.recordings import recording_attach

    recent = interaction_upsert(
        data=InteractionIn.model_validate(
            {**payload, "external_id": "call-new", "started_at": timezone.now().isoformat()}
        )
    )[0]
    for interaction in (call, recent):
        recording_attach(
            interaction=interaction,
            by=personas.admin,
            upload=SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav"),
        )
        upload(client_for("admin"), interaction, monitor=1)
    old_recording = call.recordings.get()
    old_file = old_recording.file.path
    nothing = {"recordings": 0, "screen_tracks": 0, "abandoned_uploads": 0}
    assert retention.media_purge_expired() == nothing  # nothing set: kept
    response = api(
        client_for("admin"),
        "patch",
        "/api/v1/settings",
        {"recording_retention_days": 30, "screen_retention_days": 2558},
    )
    assert response.status_code == 400 and "screen_retention_days" in response.json()["detail"]
    response = api(
        client_for("admin"), "patch", "/api/v1/settings", {"recording_retention_days": 30, "screen_retention_days": 7}
    )
    assert response.status_code == 200 and response.json()["screen_retention_days"] == 7
    transcript = list(call.transcript)
    assert retention.media_purge_expired() == {"recordings": 1, "screen_tracks": 1, "abandoned_uploads": 0}
    old_recording.refresh_from_db()
    assert old_recording.status == "purged" and old_recording.purged_at and not old_recording.file
    import os

    assert not os.path.exists(old_file)
    assert ScreenTrack.objects.get(interaction=call).status == "purged"
    assert recent.recordings.get().status == "ready" and ScreenTrack.objects.get(interaction=recent).status == "ready"
    call.refresh_from_db()
    assert call.transcript == transcript
    entry = AuditEvent.objects.get(action="media.retention_purged")
    assert entry.after["recordings"] == 1 and entry.after["screen_tracks"] == 1
    page = client_for("supervisor_a").get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    assert "Recording deleted by retention policy" in page and "<audio" not in page
    assert retention.media_purge_expired() == nothing  # idempotent
    assert AuditEvent.objects.filter(action="media.retention_purged").count() == 1


def test_an_abandoned_upload_is_dropped_after_a_week(client_for, call, screens_on, media_root):
    track = create(client_for("admin"), call, monitor=3).json()
    partial = media_root / "screens" / "partial" / f"{track['id']}.part"
    assert partial.exists()
    assert retention.media_purge_expired()["abandoned_uploads"] == 0
    later = timezone.now() + timedelta(days=8)
    assert retention.media_purge_expired(now=later)["abandoned_uploads"] == 1
    assert not partial.exists() and not ScreenTrack.objects.exists()
    assert not AuditEvent.objects.filter(action="media.retention_purged").exists()


def test_retention_settings_on_the_settings_page_are_validated(client_for, screens_on):
    form = {
        "name": "Org",
        "default_time_zone": "UTC",
        "acknowledgement_days": "7",
        "unknown_agents": "create",
        "silence_seconds": "3",
        "crosstalk_seconds": "0.5",
        "screen_recording_enabled": "on",
        "recording_retention_days": "0",
        "screen_retention_days": "",
    }
    response = client_for("admin").post(reverse("accounts:org_settings"), form)
    assert response.status_code == 200 and "greater than or equal to 1" in response.content.decode()
    response = client_for("admin").post(reverse("accounts:org_settings"), {**form, "recording_retention_days": "2557"})
    assert response.status_code == 302
    org = OrgSettings.get()
    assert (org.recording_retention_days, org.screen_retention_days, org.screen_recording_enabled) == (2557, None, True)


# --- Recordings through the API ----------------------------------------------------------------------


def test_a_recording_is_uploaded_multipart_or_raw_and_streamed_by_range(client_for, call):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("supervisor_a")
    url = f"/api/v1/interactions/{call.uuid}/recordings"
    multipart = client.post(url, {"file": SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav")})
    assert multipart.status_code == 201 and multipart.json()["content_type"] == "audio/wav"
    raw = client.post(url, AUDIO, content_type="audio/wav", HTTP_X_FILENAME="call.wav")
    assert raw.status_code == 201 and raw.json()["size"] == len(AUDIO)
    bad = client.post(url, b"MZ....", content_type="application/x-msdownload")
    assert bad.status_code == 400 and "Unsupported media type" in bad.json()["detail"]
    empty = client.post(url, b"", content_type="audio/wav")
    assert empty.status_code == 400 and empty.json()["detail"].startswith("file:")
    assert client_for("agent_a1").post(url, AUDIO, content_type="audio/wav").status_code == 403
    assert client_for("manager_b").post(url, AUDIO, content_type="audio/wav").status_code == 404
    listed = client_for("agent_a1").get(url).json()
    assert [r["status"] for r in listed] == ["ready", "ready"]
    media = f"{url}/{raw.json()['id']}/media"
    agent = client_for("agent_a1")
    whole = agent.get(media)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == AUDIO
    part = agent.get(media, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(AUDIO)}"
    assert b"".join(part.streaming_content) == AUDIO[100:200]
    bad_range = agent.get(media, HTTP_RANGE=f"bytes={len(AUDIO) + 1}-")
    assert bad_range.status_code == 416 and bad_range["Content-Range"] == f"bytes */{len(AUDIO)}"
    # the page's rule: streaming for whoever sees the call, a download as a file with recordings.download
    assert agent.get(media + "?download=true").status_code == 403
    download = client.get(media + "?download=true")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert Recording.objects.filter(interaction=call).count() == 2
    assert Interaction.objects.count() == 1


def test_demo_calls_of_two_agents_get_screens_that_follow_the_conversation(personas, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.devdata.demo.screens import attach_demo_screens
    from cxq.interactions.recordings import recording_attach

    calls = []
    for n, agent in enumerate(("agent.a1@example.com", "agent.b1@example.com")):
        data = {**payload, "external_id": f"demo-{n}", "agent": {"email": agent}}
        call = interaction_upsert(data=InteractionIn.model_validate(data))[0]
        recording_attach(
            interaction=call, by=personas.admin, upload=SimpleUploadedFile("a.wav", AUDIO, content_type="audio/wav")
        )
        calls.append(call)
    assert attach_demo_screens() == 3
    assert attach_demo_screens() == 0  # idempotent
    assert OrgSettings.get().screen_recording_enabled
    tracks = list(ScreenTrack.objects.order_by("interaction__started_at", "monitor"))
    assert {t.status for t in tracks} == {"ready"} and sorted(t.offset_seconds for t in tracks) == [-2.0, 0.0, 0.0]
    crm = next(t for t in tracks if t.monitor == 1)
    with av.open(crm.file.path) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 13 and (frames[0].shape[1], frames[0].shape[0]) == (320, 200)  # 12 s of transcript + 1
    assert (frames[0] != frames[-1]).any() and (frames[5] != frames[10]).any()  # the form fills in
