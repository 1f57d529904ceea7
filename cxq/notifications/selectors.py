from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cxq.notifications.models import Notification


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get_for(*, user, uuid) -> Notification:
    return get_object_or_404(Notification, recipient=user, uuid=uuid)
