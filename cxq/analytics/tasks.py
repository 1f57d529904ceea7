"""Background jobs for analytics; idempotent (a rebuild recomputes everything from the evaluations)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=60)
def rebuild_analytics() -> int:
    """Recompute every fact and rollup: after a change that moves many evaluations between buckets
    at once (the organisation's time zone decides each evaluation's day; a deleted team's
    evaluations no longer have a team)."""
    from cxq.analytics.services import analytics_rebuild

    return analytics_rebuild()
