"""Outbound webhooks in the API (docs/webhooks.md#api): administrators only."""

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from cxq.lib.apischema import PublicIdOut, errors
from cxq.lib.inputs import Text
from cxq.lib.outbox import OutboxStatus
from cxq.lib.pagination import CursorPagination
from cxq.webhooks import registry, selectors, services
from cxq.webhooks.policies import require_manage

router = Router(tags=["webhooks"])


class EventOut(Schema):
    name: str
    version: int
    description: str


class EndpointOut(PublicIdOut):
    name: str
    url: str
    events: list[str]
    enabled: bool
    failing_since: datetime | None
    disabled_reason: str
    created_at: datetime


class SecretOut(Schema):
    secret: str


class EndpointIn(Schema):
    name: Text
    url: Text
    events: list[Text]
    secret: Text
    enabled: bool = True


class EndpointPatch(Schema):
    name: Text | None = None
    url: Text | None = None
    events: list[Text] | None = None
    enabled: bool | None = None


class AttemptOut(Schema):
    number: int
    at: datetime
    ok: bool
    response_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str

    @staticmethod
    def resolve_at(obj):
        return obj.created_at


class DeliveryOut(PublicIdOut):
    event_id: UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    created_at: datetime
    log: list[AttemptOut]

    @staticmethod
    def resolve_log(obj):
        return list(obj.log.all())


@router.get("/events", response={200: list[EventOut], **errors(403)}, summary="The events endpoints can receive")
def webhook_events(request):
    require_manage(request.user)
    return [{"name": e.name, "version": e.version, "description": e.description} for e in registry.EVENTS]


@router.get("/endpoints", response={200: list[EndpointOut], **errors(403, 422)}, summary="Webhook endpoints")
@paginate(CursorPagination, ordering=("id",))
def webhook_endpoints_list(request):
    return selectors.endpoint_list(viewer=request.user)


@router.post(
    "/secrets",
    response={201: SecretOut, **errors(403)},
    summary="Generate a signing secret (not stored): configure the receiver with it, then add the endpoint",
)
def webhook_secrets_create(request):
    return Status(201, {"secret": services.secret_generate(by=request.user)})


@router.post(
    "/endpoints",
    response={201: EndpointOut, **errors(400, 403, 422)},
    summary="Add an endpoint signing with a generated secret, once its URL passes the validation handshake",
)
def webhook_endpoints_create(request, payload: EndpointIn):
    return Status(201, services.endpoint_create(by=request.user, **payload.model_dump()))


@router.get("/endpoints/{uuid}", response={200: EndpointOut, **errors(403, 404, 422)}, summary="One endpoint")
def webhook_endpoints_get(request, uuid: UUID):
    return selectors.endpoint_get(viewer=request.user, uuid=uuid)


@router.patch(
    "/endpoints/{uuid}",
    response={200: EndpointOut, **errors(400, 403, 404, 422)},
    summary="Change an endpoint (a new URL must pass the handshake)",
)
def webhook_endpoints_update(request, uuid: UUID, payload: EndpointPatch):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    return services.endpoint_update(by=request.user, endpoint=endpoint, **payload.model_dump(exclude_unset=True))


@router.delete("/endpoints/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete an endpoint")
def webhook_endpoints_delete(request, uuid: UUID):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    services.endpoint_delete(by=request.user, endpoint=endpoint)
    return Status(204, None)


@router.post(
    "/endpoints/{uuid}/test",
    response={200: DeliveryOut, **errors(400, 403, 404, 422)},
    summary="Queue a webhook.test event to this endpoint",
)
def webhook_endpoints_test(request, uuid: UUID):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    return services.endpoint_send_test(by=request.user, endpoint=endpoint)


@router.get(
    "/endpoints/{uuid}/deliveries",
    response={200: list[DeliveryOut], **errors(403, 404, 422)},
    summary="An endpoint's delivery log, newest first, with every attempt",
)
@paginate(CursorPagination, ordering=("-id",))
def webhook_deliveries_list(request, uuid: UUID, status: OutboxStatus | None = None):
    endpoint = selectors.endpoint_get(viewer=request.user, uuid=uuid)
    return selectors.delivery_list(viewer=request.user, endpoint=endpoint, status=status or "")


@router.post(
    "/deliveries/{uuid}/resend",
    response={200: DeliveryOut, **errors(400, 403, 404, 422)},
    summary="Send a delivery again with the same event id",
)
def webhook_deliveries_resend(request, uuid: UUID):
    delivery = selectors.delivery_get(viewer=request.user, uuid=uuid)
    return services.delivery_resend(by=request.user, delivery=delivery)
