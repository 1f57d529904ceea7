"""Periodic jobs for evaluations; idempotent."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/5"))
def auto_acknowledge() -> int:
    from cxq.evaluations.services import auto_acknowledge_due

    return auto_acknowledge_due()
