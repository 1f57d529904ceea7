"""Periodic job of coaching sessions; idempotent (docs/coaching.md#missed)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/30"))
def mark_missed_sessions() -> int:
    from cxq.coaching.services import mark_missed_due

    return mark_missed_due()
