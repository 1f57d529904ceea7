"""Schedules over the API (docs/schedules.md#api): entries (list, bulk upsert by external id, delete),
slot suggestions, the forecast and the settings."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import OrgSettings
from cxq.accounts.permissions import require
from cxq.accounts.selectors import team_get_for
from cxq.lib.apischema import OptionalUUID, PublicIdOut, errors, uuid_of
from cxq.lib.inputs import Day, Moment, Text
from cxq.lib.pagination import CursorPagination
from cxq.schedules import selectors, services
from cxq.schedules.forecast import forecast_volumes, org_zone
from cxq.schedules.models import Entry, ScheduleSettings
from cxq.schedules.query import MAX_PEOPLE, parse_suggest_query
from cxq.schedules.services import EntryInput, ImportProblems, entry_problem

router = Router(tags=["schedules"])

KindName = Literal["shift", "break", "lunch", "meeting", "training", "coaching", "other"]
MAX_BULK = 1000


class EntryOut(PublicIdOut):
    user: UUID
    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str
    source: str
    external_id: str | None
    coaching_session: str = Field(description="The coaching session this activity belongs to (empty otherwise)")

    resolve_user = uuid_of("user")


class EntryIn(Schema):
    user: Text = Field(description="Email, external id or public id of someone in your scope")
    kind: KindName
    starts_at: Moment = Field(description="With an offset; without one it is read in the organisation's zone")
    ends_at: Moment
    title: Text = ""
    external_id: Text | None = Field(None, description="Your key: sending it again updates that entry")


class ScheduleBulkIn(Schema):
    items: list[EntryIn] = Field(max_length=MAX_BULK)


class ScheduleBulkOut(Schema):
    created: int
    updated: int


class FreeOut(Schema):
    name: str
    shift_starts_at: datetime
    shift_ends_at: datetime


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    forecast_volume: float = Field(description="Interactions expected over the slot")
    free: list[FreeOut]
    explanation: str


class SuggestionsOut(Schema):
    slots: list[SlotOut]
    message: str = Field(description="Why no slot is possible (empty when there are slots)")
    time_zone: str = Field(description="The organisation's zone: days and the forecast's intervals are read in it")


class IntervalOut(Schema):
    weekday: int = Field(description="1 = Monday … 7 = Sunday")
    minute: int = Field(description="First minute of the 15-minute interval in the local day")
    time: str
    volume: float


class ScheduleSettingsOut(Schema):
    forecast_weeks: int


class ScheduleSettingsPatch(Schema):
    forecast_weeks: int = Field(ge=1, le=52)


class EntryQuery(Schema):
    user: OptionalUUID = Field(None, description="One person's entries")
    start: Moment | None = Field(None, description="Entries ending after this instant")
    end: Moment | None = Field(None, description="Entries starting before this instant")
    kind: KindName | None = None


class SuggestionQuery(Schema):
    users: list[Text] = Field(description=f"Public (or numeric) ids of up to {MAX_PEOPLE} people")
    date_from: Day = Field(alias="from", description="First day (organisation's zone)")
    date_to: Day = Field(alias="to", description="Last day, included")
    duration: int = Field(description="Minutes, 15 to 480")
    limit: int = Field(10, ge=1, le=50)
    team: OptionalUUID = Field(None, description="A team whose forecast orders the slots (default: the organisation's)")


@router.get(
    "/schedules/entries",
    response={200: list[EntryOut], **errors(422)},
    summary="Shifts and activities of the people in your scope (yours without a lead's scope)",
)
@paginate(CursorPagination, ordering=("id",))
def entries_list(request, filters: Query[EntryQuery]):
    people = selectors.people_in_scope(viewer=request.user)
    qs = Entry.objects.filter(user__in=people).select_related("user")
    if filters.user:
        qs = qs.filter(user__uuid=filters.user)
    if filters.start:
        qs = qs.filter(ends_at__gt=filters.start)
    if filters.end:
        qs = qs.filter(starts_at__lt=filters.end)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


def _aware(value: datetime, zone) -> datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=zone)


@router.post(
    "/schedules/entries/bulk",
    response={200: ScheduleBulkOut, **errors(400, 403, 422)},
    summary="Create or update shifts and activities (by external id), all or nothing",
)
def entries_bulk(request, payload: ScheduleBulkIn):
    require(request.user, "schedules.manage")
    zone = org_zone()
    people = services.people_by_key(by=request.user, keys={i.user.strip() for i in payload.items})
    items, problems = [], []
    for n, item in enumerate(payload.items):
        key = item.user.strip()
        person = people.get(key.lower() if "@" in key else key)
        place = f"items[{n}]"
        if person is None:
            problems.append(f"{place}.user: nobody in your scope is {key!r}.")
            continue
        starts_at, ends_at = _aware(item.starts_at, zone), _aware(item.ends_at, zone)
        problem = entry_problem(item.kind, starts_at, ends_at)
        if problem:
            problems.append(f"{place}.{problem[0]}: {problem[1]}.")
            continue
        items.append(EntryInput(person, item.kind, starts_at, ends_at, item.title, item.external_id or None, place))
    if problems:
        raise ImportProblems(problems)
    created, updated = services.entries_upsert(by=request.user, items=items, source="api")
    return {"created": created, "updated": updated}


@router.delete("/schedules/entries/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete an entry")
def entries_delete(request, uuid: UUID):
    entry = get_object_or_404(Entry, uuid=uuid, user__in=selectors.people_in_scope(viewer=request.user))
    services.entry_delete(by=request.user, entry=entry)
    return Status(204, None)


@router.get(
    "/schedules/suggestions",
    response={200: SuggestionsOut, **errors(400, 403, 422)},
    summary="The best slots when every listed person is on shift and free, quietest first",
)
def suggestions(request, q: Query[SuggestionQuery]):
    if not selectors.may_suggest(request.user):
        raise PermissionDenied("Suggesting slots needs coaching.manage or schedules.manage.")
    params = {
        "users": q.users,
        "from": q.date_from.isoformat(),
        "to": q.date_to.isoformat(),
        "duration": str(q.duration),
        "team": str(q.team) if q.team else "",
    }
    query = parse_suggest_query(params, viewer=request.user)
    found = selectors.suggest_slots(
        organization=OrgSettings.get(),
        user_ids=query.user_ids,
        date_from=query.date_from,
        date_to=query.date_to,
        duration_minutes=query.duration,
        limit=q.limit,
        team_id=query.team_id,
    )
    zone = org_zone()
    return {
        "slots": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "forecast_volume": round(s.volume, 3),
                "free": [
                    {"name": p.name, "shift_starts_at": p.shift_start, "shift_ends_at": p.shift_end} for p in s.people
                ],
                "explanation": s.explanation(zone),
            }
            for s in found.slots
        ],
        "message": found.message,
        "time_zone": found.zone_name,
    }


@router.get(
    "/schedules/forecast",
    response={200: list[IntervalOut], **errors(403, 404, 422)},
    summary="Expected interactions per weekday and 15-minute interval (the organisation's, or a team's)",
)
def forecast(request, team: OptionalUUID = None):
    if not selectors.may_suggest(request.user):
        raise PermissionDenied("The forecast needs coaching.manage or schedules.manage.")
    team_id = team_get_for(viewer=request.user, uuid=team).pk if team else None
    volumes = forecast_volumes(team_id=team_id)
    return [
        {"weekday": wd, "minute": m, "time": f"{m // 60:02d}:{m % 60:02d}", "volume": round(v, 3)}
        for (wd, m), v in sorted(volumes.items())
    ]


@router.get("/schedules/settings", response={200: ScheduleSettingsOut, **errors(403)}, summary="Schedule settings")
def settings_get(request):
    require(request.user, "schedules.manage")
    return ScheduleSettings.get()


@router.patch(
    "/schedules/settings", response={200: ScheduleSettingsOut, **errors(400, 403, 422)}, summary="Change them"
)
def settings_patch(request, payload: ScheduleSettingsPatch):
    return services.settings_update(by=request.user, forecast_weeks=payload.forecast_weeks)
