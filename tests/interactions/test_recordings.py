from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxq.interactions import recordings
from cxq.interactions.models import Interaction, Recording
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert

AUDIO = bytes(range(256)) * 40  # 10,240 bytes standing in for an mp3


@pytest.fixture
def interaction(personas, payload):
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


@pytest.fixture
def recording(interaction, personas):
    upload = SimpleUploadedFile("call.mp3", AUDIO, content_type="audio/mpeg")
    return recordings.recording_attach(interaction=interaction, upload=upload, by=personas.admin)


def media_url(interaction, recording):
    return reverse("interactions:recording_media", args=[interaction.uuid, recording.uuid])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_recording_is_served_whole_or_by_range(client_for, interaction, recording):
    client = client_for("supervisor_a")
    whole = client.get(media_url(interaction, recording))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and body(whole) == AUDIO
    part = client.get(media_url(interaction, recording), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(AUDIO)}"
    assert body(part) == AUDIO[100:200]
    tail = client.get(media_url(interaction, recording), HTTP_RANGE="bytes=-10")
    assert body(tail) == AUDIO[-10:]
    open_end = client.get(media_url(interaction, recording), HTTP_RANGE="bytes=10200-")
    assert body(open_end) == AUDIO[10200:]
    bad = client.get(media_url(interaction, recording), HTTP_RANGE=f"bytes={len(AUDIO) + 5}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(AUDIO)}"


def test_recordings_are_permission_checked(client_for, interaction, recording):
    assert client_for("manager_b").get(media_url(interaction, recording)).status_code == 404
    assert client_for("agent_b1").get(media_url(interaction, recording)).status_code == 404
    assert client_for("agent_a1").get(media_url(interaction, recording)).status_code == 200
    download = media_url(interaction, recording) + "?download=1"
    assert client_for("agent_a1").get(download).status_code == 403
    response = client_for("supervisor_a").get(download)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_unsupported_and_oversize_uploads_are_refused(personas, interaction, settings):
    with pytest.raises(Exception, match="Unsupported media type"):
        recordings.recording_attach(
            interaction=interaction,
            by=personas.admin,
            upload=SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload"),
        )
    settings.CXQ_MAX_UPLOAD_MB = 0
    with pytest.raises(Exception, match="larger than 0 MB"):
        recordings.recording_attach(
            interaction=interaction,
            by=personas.admin,
            upload=SimpleUploadedFile("a.mp3", AUDIO, content_type="audio/mpeg"),
        )
    assert not Recording.objects.exists()


def test_the_upload_form_reports_a_bad_file_and_keeps_nothing(client_for, interaction):
    response = client_for("supervisor_a").post(
        reverse("interactions:recording_upload", args=[interaction.uuid]),
        {"file": SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")},
        follow=True,
    )
    assert "Unsupported media type" in response.content.decode()
    assert not Recording.objects.exists()


class _Media(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.requests.append(self.path)
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect?to="))
            self.end_headers()
        elif self.path.startswith("/big"):
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.end_headers()
            self.wfile.write(b"x" * (2 * 1024 * 1024))
        elif self.path.startswith("/missing"):
            self.send_response(404)
            self.end_headers()
        elif self.path.startswith("/flaky") and self.server.failures_left > 0:
            self.server.failures_left -= 1
            self.send_response(503)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(AUDIO)))
            self.end_headers()
            self.wfile.write(AUDIO)

    def log_message(self, *args):
        pass


def _serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Media)
    server.requests = []
    server.failures_left = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def media_server(media_server_obj):
    return f"http://127.0.0.1:{media_server_obj.server_port}"


@pytest.fixture
def media_server_obj(settings):
    """A media server on loopback, allowed explicitly: its host and port, plain http, and the
    loopback address (fetching refuses non-public addresses otherwise)."""
    server = _serve()
    settings.CXQ_MEDIA_FETCH_HOSTS = [f"127.0.0.1:{server.server_port}"]
    settings.CXQ_MEDIA_FETCH_ALLOW_HTTP = True
    settings.CXQ_MEDIA_FETCH_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def other_server():
    """A second loopback server, on a port nobody allowed."""
    server = _serve()
    yield server
    server.shutdown()
    server.server_close()


def fetch(interaction, url, by, capture):
    with capture(execute=True):
        recording = recordings.recording_request_download(interaction=interaction, url=url, by=by)
    recording.refresh_from_db()
    return recording


def test_a_recording_is_fetched_from_an_allowed_url_in_the_background(
    personas, interaction, media_server, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        recording = recordings.recording_request_download(
            interaction=interaction, url=f"{media_server}/call.mp3", by=personas.admin
        )
    recording.refresh_from_db()
    assert recording.status == "ready" and recording.size == len(AUDIO)
    assert recording.file.read() == AUDIO


def test_a_url_on_a_host_not_allowed_is_refused(personas, interaction, settings):
    settings.CXQ_MEDIA_FETCH_HOSTS = ["media.example.com"]
    with pytest.raises(Exception, match="not allowed"):
        recordings.recording_request_download(interaction=interaction, url="https://10.0.0.1/a.mp3", by=personas.admin)
    assert not Recording.objects.exists()


def test_a_redirect_within_the_allowed_origin_is_followed(
    personas, interaction, media_server, django_capture_on_commit_callbacks
):
    url = f"{media_server}/redirect?to=/media/call.mp3"
    recording = fetch(interaction, url, personas.admin, django_capture_on_commit_callbacks)
    assert recording.status == "ready" and recording.file.read() == AUDIO


def test_a_redirect_to_a_port_not_allowed_fails_and_never_reaches_it(
    personas, interaction, media_server, other_server, django_capture_on_commit_callbacks
):
    elsewhere = f"http://127.0.0.1:{other_server.server_port}/call.mp3"
    recording = fetch(
        interaction, f"{media_server}/redirect?to={elsewhere}", personas.admin, django_capture_on_commit_callbacks
    )
    assert recording.status == "failed" and not recording.file
    assert f"redirected to {elsewhere}" in recording.error and "not allowed" in recording.error
    assert other_server.requests == []


@pytest.mark.parametrize("entry", ["127.0.0.1", "127.0.0.1:80", "media-port"])
def test_an_allowed_host_on_another_port_is_refused_and_nothing_is_queued(
    personas, interaction, media_server, other_server, settings, entry
):
    """A bare host allows only the scheme's default port; host:port exactly that port."""
    port = other_server.server_port
    if entry == "media-port":
        entry = settings.CXQ_MEDIA_FETCH_HOSTS[0]  # the media server's port, not the other one's
    settings.CXQ_MEDIA_FETCH_HOSTS = [entry]
    with pytest.raises(ValidationError) as refused:
        recordings.recording_request_download(
            interaction=interaction, url=f"http://127.0.0.1:{port}/call.mp3", by=personas.admin
        )
    assert f"127.0.0.1:{port} is not allowed" in refused.value.message_dict["download_url"][0]
    assert not Recording.objects.exists() and other_server.requests == []


def test_plain_http_is_refused_unless_the_operator_allows_it(personas, interaction, media_server, settings):
    settings.CXQ_MEDIA_FETCH_ALLOW_HTTP = False
    with pytest.raises(ValidationError) as refused:
        recordings.recording_request_download(interaction=interaction, url=f"{media_server}/a.mp3", by=personas.admin)
    assert "https" in refused.value.message_dict["download_url"][0]
    assert not Recording.objects.exists()


def test_a_loopback_address_is_refused_unless_its_network_is_allowed(
    personas, interaction, media_server, settings, django_capture_on_commit_callbacks
):
    settings.CXQ_MEDIA_FETCH_PRIVATE_NETWORKS = []
    recording = fetch(interaction, f"{media_server}/call.mp3", personas.admin, django_capture_on_commit_callbacks)
    assert recording.status == "failed" and "non-public address" in recording.error and not recording.file


@pytest.mark.parametrize(("path", "reason"), [("/big.mp3", "larger than 1 MB"), ("/missing.mp3", "404")])
def test_a_failed_fetch_is_recorded_clearly(
    personas, interaction, media_server, settings, path, reason, django_capture_on_commit_callbacks
):
    settings.CXQ_MAX_UPLOAD_MB = 1
    with django_capture_on_commit_callbacks(execute=True):
        recording = recordings.recording_request_download(
            interaction=interaction, url=media_server + path, by=personas.admin
        )
    recording.refresh_from_db()
    assert recording.status == "failed" and reason in recording.error and not recording.file


def test_an_offline_interaction_is_added_with_a_pasted_transcript_and_audio(client_for, personas):
    response = client_for("supervisor_a").post(
        reverse("interactions:new"),
        {
            "agent": str(personas.agent_a1.uuid),
            "channel": "offline",
            "direction": "inbound",
            "started_at": "2026-11-20T14:30",
            "duration_minutes": "4.5",
            "notes": "Walk-in at the shop",
            "transcript_text": "Customer: my bill is wrong\nAgent: let me check that\nfor you\nCustomer: thanks",
            "recording": SimpleUploadedFile("walkin.m4a", AUDIO, content_type="audio/mp4"),
        },
    )
    interaction = Interaction.objects.get()
    assert response.url == reverse("interactions:detail", args=[interaction.uuid])
    assert (interaction.source, interaction.duration_seconds, interaction.agent) == (
        "offline",
        270,
        personas.agent_a1,
    )
    texts = [(u.speaker, u.text) for u in interaction.utterances]
    assert texts == [
        ("customer", "my bill is wrong"),
        ("agent", "let me check that for you"),
        ("customer", "thanks"),
    ]
    assert interaction.recordings.get().content_type == "audio/mp4"


def test_the_offline_form_shows_errors_and_writes_nothing(client_for, personas):
    response = client_for("supervisor_a").post(
        reverse("interactions:new"),
        {
            "agent": str(personas.agent_b1.uuid),
            "channel": "offline",
            "direction": "inbound",
            "started_at": "",
            "duration_minutes": "-1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html  # agent_b1 is outside supervisor_a's teams
    assert not Interaction.objects.exists()


def test_whoever_sees_an_evaluation_plays_its_recording(client_for, personas, interaction, recording):
    """docs/interactions.md#recordings: an evaluator who evaluates a call outside their teams (a task, a
    calibration session) reaches its recording through the evaluation, and only while they see one."""
    from cxq.evaluations.models import Evaluation
    from cxq.evaluations.services import evaluation_start
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    Interaction.objects.filter(pk=interaction.pk).update(team=personas.team_b, agent=personas.agent_b1)
    client = client_for("evaluator")  # leads team A only
    assert client.get(media_url(interaction, recording)).status_code == 404
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    evaluation = evaluation_start(by=personas.admin, interaction=interaction, scorecard=card)
    Evaluation.objects.filter(pk=evaluation.pk).update(evaluator=personas.evaluator)  # as a task hands it over
    response = client.get(media_url(interaction, recording))
    assert response.status_code == 200 and body(response) == AUDIO
    assert client_for("agent_a1").get(media_url(interaction, recording)).status_code == 404  # sees no evaluation
    Evaluation.objects.filter(pk=evaluation.pk).update(evaluator=personas.admin)  # someone else's draft
    assert client.get(media_url(interaction, recording)).status_code == 404


# --- download_url on ingest, retries and the sweep (docs/interactions.md#fetch-by-url) --------------


def _post(client, url, body):
    import json

    return client.post(url, json.dumps(body), content_type="application/json")


def test_ingest_with_a_download_url_fetches_the_recording(
    client_for, payload, media_server, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client_for("admin"), "/api/v1/interactions", {**payload, "download_url": f"{media_server}/a.mp3"}
        )
    assert response.status_code == 201
    recording = Recording.objects.get(interaction__uuid=response.json()["id"])
    assert (recording.status, recording.size, recording.attempts) == ("ready", len(AUDIO), 1)
    assert recording.file.read() == AUDIO
    # ingesting it again with the same URL keeps that recording (no second fetch)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client_for("admin"), "/api/v1/interactions", {**payload, "download_url": f"{media_server}/a.mp3"})
    assert Recording.objects.count() == 1


def test_a_download_url_outside_the_allow_list_is_refused_at_ingest(client_for, payload, settings):
    settings.CXQ_MEDIA_FETCH_HOSTS = ["media.example.com"]
    response = _post(
        client_for("admin"), "/api/v1/interactions", {**payload, "download_url": "https://elsewhere.test/a.mp3"}
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("download_url: Fetching from elsewhere")
    assert not Interaction.objects.exists() and not Recording.objects.exists()


def test_bulk_ingest_fetches_each_download_url_and_reports_a_refused_one(
    client_for, payload, media_server, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    items = [
        {**payload, "external_id": "b-1", "download_url": f"{media_server}/one.mp3"},
        {**payload, "external_id": "b-2", "download_url": "https://not-allowed.test/two.mp3"},
        {**payload, "external_id": "b-3"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client_for("admin"), "/api/v1/interactions/bulk", {"items": items})
    body = response.json()
    assert response.status_code == 200 and body["created"] == 2
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["errors"][0].startswith("download_url: Fetching from")
    assert [(r.interaction.external_id, r.status) for r in Recording.objects.all()] == [("b-1", "ready")]


def test_a_transient_failure_is_retried_with_backoff_by_the_sweep(
    personas, interaction, media_server, media_server_obj, tmp_path, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    settings.MEDIA_ROOT = str(tmp_path)
    media_server_obj.failures_left = 2
    recording = fetch(interaction, f"{media_server}/flaky.mp3", personas.admin, django_capture_on_commit_callbacks)
    assert recording.status == "pending" and recording.attempts == 1 and "503" in recording.error
    assert recording.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert recordings.recordings_fetch_due() == 0  # not due yet
    for expected in ("pending", "ready"):
        Recording.objects.filter(pk=recording.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert recordings.recordings_fetch_due() == 1
        recording.refresh_from_db()
        assert recording.status == expected
    assert recording.attempts == 3 and recording.file.read() == AUDIO and recording.next_attempt_at is None


def test_a_fetch_gives_up_after_the_last_attempt(
    personas, interaction, media_server, media_server_obj, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    media_server_obj.failures_left = 99
    recording = fetch(interaction, f"{media_server}/flaky.mp3", personas.admin, django_capture_on_commit_callbacks)
    for _ in range(recordings.MAX_FETCH_ATTEMPTS - 1):
        Recording.objects.filter(pk=recording.pk).update(next_attempt_at=timezone.now())
        recordings.recordings_fetch_due()
    recording.refresh_from_db()
    assert recording.status == "failed" and recording.attempts == recordings.MAX_FETCH_ATTEMPTS
    assert recordings.recordings_fetch_due() == 0


def test_a_fetch_whose_worker_died_is_taken_up_after_its_lease(personas, interaction, media_server, tmp_path, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.MEDIA_ROOT = str(tmp_path)
    # queued, claimed by a worker that died (the queue's message and the claim are lost)
    recording = Recording.objects.create(
        interaction=interaction,
        download_url=f"{media_server}/a.mp3",
        status="pending",
        attempts=1,
        next_attempt_at=timezone.now() + recordings.FETCH_LEASE,
    )
    assert recordings.recordings_fetch_due() == 0
    assert recordings.recording_fetch(recording_id=recording.pk).status == "pending"  # claimed: left alone
    Recording.objects.filter(pk=recording.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert recordings.recordings_fetch_due() == 1
    recording.refresh_from_db()
    assert recording.status == "ready" and recording.attempts == 2
