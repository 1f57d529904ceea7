"""Periodic job of evaluation goals; idempotent (docs/goals.md#the-job)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def generate_goal_periods() -> int:
    from cxq.goals.services import generate_due

    return generate_due()
