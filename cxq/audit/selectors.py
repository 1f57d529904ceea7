from __future__ import annotations

from django.db.models import QuerySet

from cxq.accounts.permissions import has_perm, require
from cxq.audit.models import AuditEvent
from cxq.lib import filters as lib_filters
from cxq.lib.filters import FilterSet


def audit_list(*, viewer, filters: FilterSet | None = None) -> QuerySet[AuditEvent]:
    """The audit log for viewers with audit.view, newest first, narrowed by ``filters`` (an
    ``audit.filters.AuditFilter``, validated)."""
    require(viewer, "audit.view")
    qs = lib_filters.apply(filters, AuditEvent.objects.select_related("actor"))
    return qs.order_by("-created_at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_object_types() -> list[str]:
    return list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct())


def can_view_audit(user) -> bool:
    return has_perm(user, "audit.view")
