"""Thin Huey tasks for interactions; each is idempotent (enriching twice gives the same result)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=2, retry_delay=10)
def enrich_batch(ids: list[int]) -> int:
    from cxq.interactions.enrich import enrich_ids
    from cxq.lib.gc import bulk_gc

    with bulk_gc():
        return enrich_ids(ids, only_pending=True)


@db_periodic_task(crontab(minute="*"))
def sweep_enrichment() -> int:
    """What no queued task enriched: pending for over a minute (a batch just stored has its own task,
    docs/enrichment.md#when-enrichment-runs)."""
    from datetime import timedelta

    from cxq.interactions.enrich import enrich_pending

    return enrich_pending(settled=timedelta(minutes=1))


@db_task()
def fetch_recording(recording_id: int) -> str:
    """Retries are the service's (backoff in the row, picked up by the sweep below)."""
    from cxq.interactions.recordings import recording_fetch

    return recording_fetch(recording_id=recording_id).status


@db_periodic_task(crontab(minute="*"))
def sweep_recording_fetches() -> int:
    from cxq.interactions.recordings import recordings_fetch_due

    return recordings_fetch_due()


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_expired_media() -> dict:
    """Retention (docs/screen-recordings.md#retention): once a day."""
    from cxq.interactions.retention import media_purge_expired

    return media_purge_expired()
