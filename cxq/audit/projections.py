"""The audit log records every domain event that carries an audit trail (in-transaction, cxq/wiring.py)."""

from __future__ import annotations

from django.db import models

from cxq.audit.services import audit_record
from cxq.events import DomainEvent


def record(event: DomainEvent) -> None:
    trail = event.audit
    if trail is None:
        return
    subject = event.subject if isinstance(event.subject, models.Model) else None
    audit_record(
        actor=event.actor,
        action=event.name.value,
        obj=subject,
        object_type=trail.object_type,
        object_id=trail.object_id,
        object_repr=trail.object_repr,
        before=trail.before,
        after=trail.after,
    )
