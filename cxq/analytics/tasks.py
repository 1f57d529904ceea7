"""Background jobs for analytics; idempotent (a rebuild recomputes everything from the evaluations)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=60)
def rebuild_analytics() -> int:
    """Recompute every fact and rollup: queued after the organisation's time zone changes on a small
    history (the zone decides each evaluation's day; see ``services.time_zone_changed``)."""
    from cxq.analytics.services import analytics_rebuild

    return analytics_rebuild()
