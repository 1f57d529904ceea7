"""Recordings (docs/interactions.md#recordings): upload, fetch by URL in the background, serve with range requests.

Fetching by URL only reaches hosts and ports the operator allowed (``CXQ_MEDIA_FETCH_HOSTS``), on
public addresses, following redirects only within the allow-list (``cxq.lib.fetch``); it stops at the
size limit while streaming (never trusting Content-Length alone), and records a clear failure."""

from __future__ import annotations

import http.client
import mimetypes
from pathlib import PurePosixPath
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction, Recording
from cxq.lib.fetch import FetchPolicy, FetchRefused, check_url, open_url

MEDIA_TYPES = {
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/ogg": ".ogg",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/aac": ".aac",
    "audio/flac": ".flac",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
}
EXTENSIONS = {ext: kind for kind, ext in MEDIA_TYPES.items()}


def max_bytes() -> int:
    return settings.CXQ_MAX_UPLOAD_MB * 1024 * 1024


def _media_type(name: str, declared: str | None) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in MEDIA_TYPES:
        return declared
    guessed = EXTENSIONS.get(PurePosixPath(name or "").suffix.lower()) or mimetypes.guess_type(name or "")[0]
    if guessed in MEDIA_TYPES:
        return guessed
    raise ValidationError(
        {
            "file": f"Unsupported media type {declared or 'unknown'}: upload audio "
            "(mp3, wav, ogg, webm, m4a, aac, flac) or mp4/webm video."
        }
    )


@transaction.atomic
def recording_attach(*, interaction: Interaction, upload, by) -> Recording:
    require(by, "interactions.create")
    if upload.size > max_bytes():
        raise ValidationError({"file": f"The file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB."})
    kind = _media_type(upload.name, getattr(upload, "content_type", None))
    recording = Recording(interaction=interaction, content_type=kind, size=upload.size, status=Recording.Status.READY)
    recording.file.save(f"{interaction.uuid}{MEDIA_TYPES[kind]}", upload, save=False)
    recording.save()
    trail = AuditTrail(after={"size": upload.size, "type": kind})
    publish(Name.RECORDING_UPLOADED, subject=interaction, actor=by, data={"recording": recording.pk}, audit=trail)
    return recording


def _fetch_policy() -> FetchPolicy:
    return FetchPolicy.build(
        hosts=settings.CXQ_MEDIA_FETCH_HOSTS,
        allow_http=settings.CXQ_MEDIA_FETCH_ALLOW_HTTP,
        private_networks=settings.CXQ_MEDIA_FETCH_PRIVATE_NETWORKS,
    )


def _check_url(url: str) -> None:
    """Scheme, host and port now, for a clear answer to the user; addresses are checked at fetch
    time, on every hop, because that is when they are used."""
    try:
        check_url(url, _fetch_policy())
    except FetchRefused as exc:
        message = str(exc)
        raise ValidationError({"download_url": message[0].upper() + message[1:]}) from None


@transaction.atomic
def recording_request_download(*, interaction: Interaction, url: str, by) -> Recording:
    """Queue a fetch of the media at ``url`` (docs/interactions.md#recordings)."""
    require(by, "interactions.create")
    _check_url(url)
    recording = Recording.objects.create(interaction=interaction, download_url=url, status=Recording.Status.PENDING)
    transaction.on_commit(lambda: _enqueue(recording.pk))
    return recording


def _enqueue(recording_id: int) -> None:
    from cxq.interactions.tasks import fetch_recording

    fetch_recording(recording_id)


def recording_fetch(*, recording_id: int) -> Recording:
    """Download a pending recording (idempotent: a ready or failed one is left alone)."""
    recording = Recording.objects.select_related("interaction").get(pk=recording_id)
    if recording.status != Recording.Status.PENDING:
        return recording
    recording.attempts += 1
    try:
        content, kind = _download(recording.download_url)
    except (ValidationError, OSError, http.client.HTTPException, ValueError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
        recording.status = Recording.Status.FAILED
        recording.error = message[:2000]
        recording.save(update_fields=["status", "error", "attempts", "updated_at"])
        return recording
    recording.content_type = kind
    recording.size = len(content)
    recording.file.save(f"{recording.interaction.uuid}{MEDIA_TYPES[kind]}", ContentFile(content), save=False)
    recording.status = Recording.Status.READY
    recording.error = ""
    recording.save()
    return recording


def _download(url: str) -> tuple[bytes, str]:
    limit = max_bytes()
    headers = {"User-Agent": "CXQ recording fetcher"}
    fetching = open_url(url, policy=_fetch_policy(), timeout=settings.CXQ_MEDIA_FETCH_TIMEOUT, headers=headers)
    with fetching as (response, final_url):
        if response.status != 200:
            raise ValueError(f"the server answered {response.status}")
        kind = _media_type(urlparse(final_url).path, response.headers.get("Content-Type"))
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ValueError(f"the file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB")
        chunks, total = [], 0
        while chunk := response.read(64 * 1024):
            total += len(chunk)
            if total > limit:
                raise ValueError(f"the file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB")
            chunks.append(chunk)
    return b"".join(chunks), kind
