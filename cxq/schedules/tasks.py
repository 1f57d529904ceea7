"""Periodic job of schedules: the forecast, rebuilt every night (docs/schedules.md#forecast); idempotent."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="20", hour="2"))
def rebuild_forecast_nightly() -> int:
    from cxq.schedules.forecast import forecast_rebuild

    return forecast_rebuild()


@db_task()
def rebuild_forecast() -> int:
    """Also queued when the number of weeks changes."""
    from cxq.schedules.forecast import forecast_rebuild

    return forecast_rebuild()
