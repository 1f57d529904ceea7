from datetime import datetime
from uuid import UUID

from ninja import Router, Schema
from ninja.pagination import paginate

from cxq.lib.apischema import PublicIdOut, errors
from cxq.lib.pagination import CursorPagination
from cxq.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(PublicIdOut):
    kind: str
    title: str
    body: str
    url: str
    read_at: datetime | None
    created_at: datetime


class CountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get("", response={200: list[NotificationOut], **errors(422)}, summary="My notifications, newest first")
@paginate(CursorPagination, ordering=("-id",))
def notifications_list(request, unread: bool = False):
    return selectors.notification_list(user=request.user, unread_only=unread)


@router.get("/unread-count", response={200: CountOut, **errors()}, summary="How many are unread (the bell)")
def notifications_unread(request):
    return {"unread": selectors.unread_count(user=request.user)}


@router.post("/{uuid}/read", response={200: NotificationOut, **errors(404, 422)}, summary="Mark one as read")
def notifications_read(request, uuid: UUID):
    note = selectors.notification_get_for(user=request.user, uuid=uuid)
    return services.notification_mark_read(user=request.user, notification=note)


@router.post("/read-all", response={200: MarkedOut, **errors()}, summary="Mark all as read")
def notifications_read_all(request):
    return {"marked": services.notification_mark_all_read(user=request.user)}
