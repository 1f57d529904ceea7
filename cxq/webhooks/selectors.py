from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.webhooks.models import Attempt, Delivery, Endpoint
from cxq.webhooks.policies import require_manage


def endpoint_list(*, viewer) -> QuerySet[Endpoint]:
    require_manage(viewer)
    return Endpoint.objects.annotate(
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        last_delivery=Max("deliveries__created_at"),
    ).order_by("name", "id")


def endpoint_get(*, viewer, uuid) -> Endpoint:
    require_manage(viewer)
    return get_object_or_404(Endpoint, uuid=uuid)


def delivery_list(*, viewer, endpoint: Endpoint, status: str = "") -> QuerySet[Delivery]:
    """An endpoint's delivery log, newest first, each with its attempts (newest first)."""
    require_manage(viewer)
    qs = endpoint.deliveries.prefetch_related(Prefetch("log", queryset=Attempt.objects.order_by("-id")))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def delivery_get(*, viewer, uuid) -> Delivery:
    require_manage(viewer)
    return get_object_or_404(Delivery.objects.select_related("endpoint"), uuid=uuid)
