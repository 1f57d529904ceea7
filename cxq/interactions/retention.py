"""Media retention (docs/screen-recordings.md#retention): the organisation keeps call recordings and
screen recordings for a set number of days after the interaction (1 day – 7 years, or until deleted by
hand). A daily job deletes the files of expired ones; their rows stay, marked purged with the date, so
the interaction says "Recording deleted by retention policy". Evaluations, transcripts and comments are
untouched. Each run that removed something publishes one MEDIA_RETENTION_PURGED event with the counts
(audited)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Recording, ScreenTrack
from cxq.interactions.screens import partial_path

logger = logging.getLogger(__name__)

MIN_DAYS, MAX_DAYS = 1, 2557  # one day to seven years (7 × 365 + 2 leap days)
BATCH = 500
# a screen-track upload nobody has sent a chunk to for this long is abandoned: its partial file and row go
ABANDONED_AFTER = timedelta(days=7)


def clean_retention_days(value, field: str) -> int | None:
    """A retention setting: empty (keep) or whole days in range; ValidationError naming ``field``."""
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Give a number of days, or leave it empty to keep recordings."}) from None
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValidationError({field: f"Choose between {MIN_DAYS} day and {MAX_DAYS} days (7 years)."})
    return days


def _delete_file(field) -> None:
    if field and field.name:
        try:
            field.storage.delete(field.name)
        except OSError:  # already gone: the row is what matters
            logger.warning("Retention: could not delete %s", field.name)


def _purge(model, cutoff, now, statuses) -> int:
    """Delete the files of ``model`` rows (of interactions started before ``cutoff``) in batches."""
    purged = 0
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(interaction__started_at__lt=cutoff, status__in=statuses)
                .order_by("pk")[:BATCH]
            )
            if not rows:
                return purged
            for row in rows:
                _delete_file(row.file)
                if isinstance(row, ScreenTrack):
                    partial_path(row).unlink(missing_ok=True)
            model.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=model.Status.PURGED, purged_at=now, file="", updated_at=now
            )
            purged += len(rows)


def _drop_abandoned(now) -> int:
    """Unfinished screen-track uploads idle for ABANDONED_AFTER: partial file and row deleted (the
    monitor is free again). Housekeeping, not retention: not audited."""
    stale = list(
        ScreenTrack.objects.filter(status=ScreenTrack.Status.UPLOADING, updated_at__lt=now - ABANDONED_AFTER)[:BATCH]
    )
    for track in stale:
        partial_path(track).unlink(missing_ok=True)
    ScreenTrack.objects.filter(pk__in=[t.pk for t in stale], status=ScreenTrack.Status.UPLOADING).delete()
    return len(stale)


def media_purge_expired(*, now=None) -> dict:
    """The daily job: returns the counts removed ({"recordings": n, "screen_tracks": m,
    "abandoned_uploads": k})."""
    now = now or timezone.now()
    org = OrgSettings.get()
    counts = {"recordings": 0, "screen_tracks": 0}
    if org.recording_retention_days:
        cutoff = now - timedelta(days=org.recording_retention_days)
        counts["recordings"] = _purge(
            Recording, cutoff, now, [Recording.Status.READY, Recording.Status.PENDING, Recording.Status.FAILED]
        )
    if org.screen_retention_days:
        cutoff = now - timedelta(days=org.screen_retention_days)
        counts["screen_tracks"] = _purge(
            ScreenTrack, cutoff, now, [ScreenTrack.Status.READY, ScreenTrack.Status.UPLOADING]
        )
    counts["abandoned_uploads"] = _drop_abandoned(now)
    if counts["recordings"] or counts["screen_tracks"]:
        with transaction.atomic():
            publish(
                Name.MEDIA_RETENTION_PURGED,
                subject=org,
                data={"recordings": counts["recordings"], "screen_tracks": counts["screen_tracks"]},
                audit=AuditTrail(
                    object_id="org",
                    after={
                        "recordings": counts["recordings"],
                        "screen_tracks": counts["screen_tracks"],
                        "recording_retention_days": org.recording_retention_days,
                        "screen_retention_days": org.screen_retention_days,
                    },
                ),
            )
    return counts
