from __future__ import annotations

from django.db import models

from cxq.audit.context import current_ip
from cxq.audit.models import AuditEvent
from cxq.lib.snapshot import jsonable


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the service's transaction so both commit or neither."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", None) or obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(f"{actor} <{actor.email}>" if is_user else (str(actor) if actor else "system")),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=(object_repr or "")[:200],
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        ip_address=current_ip.get(),
    )
