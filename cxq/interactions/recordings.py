"""Recordings (docs/interactions.md#recordings): upload, fetch by URL in the background, serve with range requests.

Fetching by URL only reaches hosts and ports the operator allowed (``CXQ_MEDIA_FETCH_HOSTS``), on
public addresses, following redirects only within the allow-list (``cxq.lib.fetch``); it streams to a
temporary file and stops at the size limit (never trusting Content-Length alone); a network failure or
a 5xx is retried with backoff, anything else records a clear failure (docs/interactions.md#fetch-by-url)."""

from __future__ import annotations

import http.client
import mimetypes
import tempfile
from datetime import timedelta
from pathlib import PurePosixPath
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

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
    """Queue a fetch of the media at ``url`` (docs/interactions.md#fetch-by-url)."""
    require(by, "interactions.create")
    check_download_url(url)
    return recording_queue_fetch(interaction=interaction, url=url)


def check_download_url(url: str) -> None:
    """The URL's scheme, host and port against the operator's allow-list; ValidationError on
    ``download_url`` otherwise (ingest checks every item with this before writing anything)."""
    _check_url(url)


def recording_queue_fetch(*, interaction: Interaction, url: str) -> Recording:
    """A pending recording of ``url`` fetched by the worker after the commit; an interaction ingested
    again with the same URL keeps the recording it has (no second fetch). The caller checked the URL
    and the permission (ingest)."""
    existing = interaction.recordings.filter(download_url=url).exclude(status=Recording.Status.FAILED).first()
    if existing is not None:
        return existing
    recording = Recording.objects.create(
        interaction=interaction, download_url=url, status=Recording.Status.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _enqueue(recording.pk))
    return recording


def _enqueue(recording_id: int) -> None:
    from cxq.interactions.tasks import fetch_recording

    fetch_recording(recording_id)


class _Transient(Exception):
    """A failure worth another try (network, a 5xx or 429 answer)."""


# Tries of one URL, and the wait before each retry (docs/interactions.md#fetch-by-url).
MAX_FETCH_ATTEMPTS = 5
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
# A claimed fetch not finished in this time is taken to have died with its worker; the sweep retries it.
FETCH_LEASE = timedelta(minutes=30)


def recording_fetch(*, recording_id: int) -> Recording:
    """Download a pending recording whose turn it is (idempotent: a ready, failed or already claimed
    one is left alone). It is claimed with a lease in one conditional UPDATE, so two workers (the queue
    and the sweep) never fetch it at once, and one that died is retried after the lease. A transient
    failure is retried with backoff up to MAX_FETCH_ATTEMPTS; anything else fails it at once."""
    now = timezone.now()
    claimed = (
        Recording.objects.filter(pk=recording_id, status=Recording.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + FETCH_LEASE, attempts=F("attempts") + 1, updated_at=now)
    )
    recording = Recording.objects.select_related("interaction").get(pk=recording_id)
    if not claimed:
        return recording
    try:
        with tempfile.TemporaryFile() as spool:
            kind, size = _download(recording.download_url, spool)
            spool.seek(0)
            recording.content_type = kind
            recording.size = size
            recording.file.save(f"{recording.interaction.uuid}{MEDIA_TYPES[kind]}", File(spool), save=False)
    except _Transient as exc:
        return _failed(recording, str(exc), retry=recording.attempts < MAX_FETCH_ATTEMPTS)
    except (ValidationError, FetchRefused, ValueError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
        return _failed(recording, message, retry=False)
    recording.status = Recording.Status.READY
    recording.error = ""
    recording.next_attempt_at = None
    recording.save()
    return recording


def _failed(recording: Recording, message: str, *, retry: bool) -> Recording:
    recording.error = message[:2000]
    if retry:
        delay = RETRY_DELAYS[min(recording.attempts, len(RETRY_DELAYS)) - 1]
        recording.next_attempt_at = timezone.now() + delay
        recording.error = f"attempt {recording.attempts} of {MAX_FETCH_ATTEMPTS} failed, retrying: {recording.error}"
    else:
        recording.status = Recording.Status.FAILED
        recording.next_attempt_at = None
    recording.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
    return recording


def recordings_fetch_due(*, limit: int = 100) -> int:
    """The sweep (every minute): queue the pending fetches whose time has come — retries after a
    transient failure, fetches whose worker died (lease expired) and any whose queue message was lost."""
    due = list(
        Recording.objects.filter(status=Recording.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)


def _download(url: str, spool) -> tuple[str, int]:
    """Stream ``url`` into ``spool`` (a temporary file: never the whole file in memory)."""
    limit = max_bytes()
    headers = {"User-Agent": "CXQ recording fetcher"}
    try:
        fetching = open_url(url, policy=_fetch_policy(), timeout=settings.CXQ_MEDIA_FETCH_TIMEOUT, headers=headers)
        with fetching as (response, final_url):
            if response.status >= 500 or response.status == 429:
                raise _Transient(f"the server answered {response.status}")
            if response.status != 200:
                raise ValueError(f"the server answered {response.status}")
            kind = _media_type(urlparse(final_url).path, response.headers.get("Content-Type"))
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ValueError(f"the file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB")
            total = 0
            while chunk := response.read(64 * 1024):
                total += len(chunk)
                if total > limit:
                    raise ValueError(f"the file is larger than {settings.CXQ_MAX_UPLOAD_MB} MB")
                spool.write(chunk)
            if declared and declared.isdigit() and total != int(declared):
                raise _Transient(f"the connection closed after {total} of {declared} bytes")
    except FetchRefused:
        raise
    except (OSError, http.client.HTTPException) as exc:
        raise _Transient(str(exc) or type(exc).__name__) from None
    return kind, total
