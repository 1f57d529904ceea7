"""Moments in the API (docs/moments.md#the-api): list with the library's filters, create, get, delete,
share inside the organisation, and external links (made, revoked)."""

# No ``from __future__ import annotations`` here: ninja reads a @paginate view's parameter types from
# the decorator's module.
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import Team, User
from cxq.accounts.permissions import require
from cxq.interactions.selectors import interaction_get_for
from cxq.lib.apischema import PublicIdOut, errors, uuid_of
from cxq.lib.inputs import MultilineText, Text
from cxq.lib.pagination import CursorPagination
from cxq.lib.urls import absolute_url
from cxq.moments import selectors, services
from cxq.moments.filters import MomentFilter
from cxq.moments.models import Moment, ShareLink

router = Router(tags=["moments"])


class Line(Schema):
    speaker: str
    start: float
    end: float
    text: str


class MomentOut(PublicIdOut):
    title: str
    note: str
    tags: list[str]
    interaction: UUID
    agent: UUID | None
    start: float
    end: float
    status: str = Field(description="pending (being cut), ready, failed, or no_media (transcript only)")
    clip_duration: float | None
    clip_method: str = Field(description="copy (stream copy) or encode; empty until cut")
    clip_url: str | None = Field(description="The clip, with range requests, for a signed-in person")
    excerpt: list[Line]
    created_by: UUID | None
    created_at: datetime

    resolve_interaction = uuid_of("interaction")

    resolve_agent = uuid_of("interaction.agent")

    @staticmethod
    def resolve_start(obj):
        return obj.start_seconds

    @staticmethod
    def resolve_end(obj):
        return obj.end_seconds

    @staticmethod
    def resolve_clip_url(obj):
        return absolute_url(f"/moments/{obj.uuid}/clip/") if obj.status == Moment.Status.READY else None

    @staticmethod
    def resolve_excerpt(obj):
        return [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t, _ in obj.excerpt or ()]

    resolve_created_by = uuid_of("created_by")


class MomentIn(Schema):
    interaction: UUID
    start: float = Field(ge=0, description="Seconds from the interaction's start")
    end: float = Field(gt=0, description="Seconds from the interaction's start, after start")
    title: Text
    note: MultilineText = ""
    tags: list[Text] = []


class ShareIn(Schema):
    users: list[UUID] = []
    teams: list[UUID] = []


class ShareOut(Schema):
    shared_with_users: int
    shared_with_teams: int


class LinkIn(Schema):
    expires_in_days: int = Field(description="1 to the role's maximum (docs/moments.md#the-sharing-policy)")
    password: str = Field("", description="Optional unless the role's policy requires one; 8 characters or more")


class LinkOut(PublicIdOut):
    expires_at: datetime
    has_password: bool
    revoked_at: datetime | None
    view_count: int
    url: str | None = Field(None, description="Only in the answer that made the link: the token is not stored")

    @staticmethod
    def resolve_url(obj):
        return getattr(obj, "url", None)


def _get(request, uuid) -> Moment:
    return selectors.moment_get_for(viewer=request.user, uuid=uuid)


@router.get("/moments", response={200: list[MomentOut], **errors(400, 403, 422)}, summary="Moments I can see")
@paginate(CursorPagination, ordering=("-id",))
def moments_list(request, filters: Query[MomentFilter.api_schema()]):
    return selectors.moment_list(viewer=request.user, filters=MomentFilter.from_api(filters))


@router.post("/moments", response={201: MomentOut, **errors(400, 403, 404, 422)}, summary="Make a moment")
def moment_create(request, payload: MomentIn):
    require(request.user, "moments.share")
    interaction = interaction_get_for(viewer=request.user, uuid=payload.interaction)
    moment = services.moment_create(
        by=request.user,
        interaction=interaction,
        start=payload.start,
        end=payload.end,
        title=payload.title,
        note=payload.note,
        tags=payload.tags,
    )
    return Status(201, _get(request, moment.uuid))


@router.get("/moments/{uuid}", response={200: MomentOut, **errors(403, 404, 422)}, summary="One moment")
def moment_get(request, uuid: UUID):
    return _get(request, uuid)


@router.delete("/moments/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete a moment")
def moment_delete(request, uuid: UUID):
    services.moment_delete(by=request.user, moment=_get(request, uuid))
    return Status(204, None)


@router.post(
    "/moments/{uuid}/share",
    response={200: ShareOut, **errors(400, 403, 404, 422)},
    summary="Share with people and teams (they are notified)",
)
def moment_share(request, uuid: UUID, payload: ShareIn):
    require(request.user, "moments.share")
    moment = _get(request, uuid)
    users = list(User.objects.filter(uuid__in=payload.users, is_active=True))
    teams = list(Team.objects.filter(uuid__in=payload.teams))
    missing = {str(u) for u in payload.users} - {str(u.uuid) for u in users}
    if missing:
        raise ValidationError({"users": f"No active person has the id {sorted(missing)[0]}."})
    missing = {str(t) for t in payload.teams} - {str(t.uuid) for t in teams}
    if missing:
        raise ValidationError({"teams": f"No team has the id {sorted(missing)[0]}."})
    made = services.moment_share(by=request.user, moment=moment, users=users, teams=teams)
    return {
        "shared_with_users": sum(1 for s in made if s.user_id),
        "shared_with_teams": sum(1 for s in made if s.team_id),
    }


@router.post(
    "/moments/{uuid}/links",
    response={201: LinkOut, **errors(400, 403, 404, 422)},
    summary="Make an external link (its URL is in this answer only)",
)
def link_create(request, uuid: UUID, payload: LinkIn):
    require(request.user, "moments.share_external")
    link, token = services.link_create(
        by=request.user, moment=_get(request, uuid), expires_in_days=payload.expires_in_days, password=payload.password
    )
    link.url = absolute_url(f"/s/{token}/")
    return Status(201, link)


@router.get(
    "/moments/{uuid}/links", response={200: list[LinkOut], **errors(403, 404, 422)}, summary="Its external links"
)
def links_list(request, uuid: UUID):
    require(request.user, "moments.share")
    return list(_get(request, uuid).links.all())


@router.delete(
    "/moments/{uuid}/links/{link}",
    response={200: LinkOut, **errors(403, 404, 422)},
    summary="Revoke an external link (it answers 410 from now on)",
)
def link_revoke(request, uuid: UUID, link: UUID):
    require(request.user, "moments.share")
    moment = _get(request, uuid)
    item = get_object_or_404(ShareLink, uuid=link, moment=moment)
    return services.link_revoke(by=request.user, link=item)
