from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from cxq.accounts.permissions import has_perm, require
from cxq.audit.models import AuditEvent
from cxq.lib.timezones import day_edge


def audit_list(
    *,
    viewer,
    actor_uuid: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log for viewers with audit.view, newest first, narrowed by the given filters.
    Dates are whole days in the viewer's current time zone, both ends included."""
    require(viewer, "audit.view")
    qs = AuditEvent.objects.select_related("actor")
    if actor_uuid:
        qs = qs.filter(actor__uuid=actor_uuid)
    if action:
        qs = qs.filter(action=action) if "." in action else qs.filter(action__startswith=action + ".")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if search:
        qs = qs.filter(object_repr__icontains=search)
    if date_from:
        qs = qs.filter(created_at__gte=day_edge(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=day_edge(date_to, end=True))
    return qs.order_by("-created_at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_object_types() -> list[str]:
    return list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct())


def can_view_audit(user) -> bool:
    return has_perm(user, "audit.view")
