"""Thin Huey tasks: each calls a service and is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from cxq.webhooks.services import webhook_deliver, webhook_sweep


@db_task()
def deliver_webhook(delivery_id: int) -> bool:
    return webhook_deliver(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def sweep_webhooks() -> int:
    return webhook_sweep()
