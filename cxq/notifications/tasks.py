"""Thin Huey tasks: each calls a service and is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from cxq.notifications.services import email_deliver, email_sweep


@db_task(retries=2, retry_delay=10)
def deliver_email(mail_id: int) -> bool:
    return email_deliver(mail_id=mail_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    return email_sweep()
