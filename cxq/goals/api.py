"""Evaluation goals over the API (docs/goals.md#api): the same services and selectors as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.goals import selectors, services
from cxq.goals.models import Goal
from cxq.lib.apischema import PublicIdOut, errors, uuid_of
from cxq.lib.inputs import Day, JsonObject, Text
from cxq.lib.pagination import CursorPagination
from cxq.scorecards.models import Scorecard

router = Router(tags=["goals"])

TargetPerName = Literal["agent", "evaluator"]
RecurrenceName = Literal["daily", "weekly", "monthly", "once"]


class GoalOut(PublicIdOut):
    name: str
    scorecard: UUID
    evaluators: list[UUID]
    target: int
    target_per: str
    recurrence: str
    starts_on: date
    ends_on: date | None
    recent_days: int
    condition: dict
    is_active: bool
    created_at: datetime
    updated_at: datetime

    resolve_scorecard = uuid_of("scorecard")

    @staticmethod
    def resolve_evaluators(obj):
        return [u.uuid for u in obj.evaluators.order_by("id")]


class GoalIn(Schema):
    name: Text
    scorecard: UUID
    evaluators: list[UUID] = Field(description="Who does the tasks (each must be able to evaluate)")
    target: int = Field(ge=1, le=services.MAX_TARGET, description="Evaluations per agent or per evaluator, each period")
    target_per: TargetPerName = "agent"
    recurrence: RecurrenceName = "weekly"
    starts_on: Day
    ends_on: Day | None = None
    recent_days: int = Field(7, ge=1, le=services.MAX_RECENT_DAYS, description="Draw among the last N days")
    condition: JsonObject = Field(default_factory=lambda: {"all": []}, description="docs/conditions.md")


class GoalPatch(Schema):
    name: Text | None = None
    scorecard: UUID | None = None
    evaluators: list[UUID] | None = None
    target: int | None = Field(None, ge=1, le=services.MAX_TARGET)
    target_per: TargetPerName | None = None
    recurrence: RecurrenceName | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    recent_days: int | None = Field(None, ge=1, le=services.MAX_RECENT_DAYS)
    condition: JsonObject | None = None
    is_active: bool | None = None


class PeriodOut(Schema):
    starts_at: datetime
    ends_at: datetime
    eligible: int = Field(description="Interactions that could be drawn")
    drawn: int


class LineOut(Schema):
    person: UUID
    name: str
    target: int
    drawn: int
    done: int
    overdue: int

    resolve_person = uuid_of("person")

    @staticmethod
    def resolve_name(obj):
        return obj.person.full_name


class ProgressOut(Schema):
    period: PeriodOut | None = Field(description="The latest period drawn; null before the first draw")
    target: int = 0
    drawn: int = 0
    done: int = 0
    overdue: int = 0
    evaluators: list[LineOut] = []
    agents: list[LineOut] = []


def _scorecard(uuid: UUID) -> Scorecard:
    scorecard = Scorecard.objects.filter(uuid=uuid).first()
    if scorecard is None:
        raise ValidationError({"scorecard": "No scorecard has this id."})
    return scorecard


def _evaluators(ids: list[UUID]) -> list[User]:
    people = list(User.objects.filter(uuid__in=ids))
    if len(people) != len(set(ids)):
        raise ValidationError({"evaluators": "No user has one of these ids."})
    return people


def _input(goal: Goal | None, values: dict) -> services.GoalInput:
    """The whole goal as the services take it: what was sent over what the goal says."""
    if goal is not None:
        current = {
            "name": goal.name,
            "scorecard": goal.scorecard,
            "evaluators": list(goal.evaluators.all()),
            "target": goal.target,
            "target_per": goal.target_per,
            "recurrence": goal.recurrence,
            "starts_on": goal.starts_on,
            "ends_on": goal.ends_on,
            "recent_days": goal.recent_days,
            "condition": goal.condition,
        }
        values = {**current, **values}
    return services.GoalInput(**values)


def _resolve(data: dict) -> dict:
    if data.get("scorecard") is not None:
        data["scorecard"] = _scorecard(data["scorecard"])
    if data.get("evaluators") is not None:
        data["evaluators"] = _evaluators(data["evaluators"])
    return {k: v for k, v in data.items() if v is not None or k == "ends_on"}


@router.get("/goals", response={200: list[GoalOut], **errors(403, 422)}, summary="Goals I see (goals.view)")
@paginate(CursorPagination, ordering=("id",))
def goals_list(request):
    return selectors.goal_list(viewer=request.user).prefetch_related("evaluators")


@router.post("/goals", response={201: GoalOut, **errors(400, 403, 422)}, summary="Create a goal (goals.edit)")
def goals_create(request, payload: GoalIn):
    require(request.user, "goals.edit")
    data = _resolve(payload.model_dump())
    return Status(201, services.goal_create(by=request.user, data=_input(None, data)))


@router.get("/goals/{uuid}", response={200: GoalOut, **errors(403, 404, 422)})
def goals_get(request, uuid: UUID):
    return selectors.goal_get_for(viewer=request.user, uuid=uuid)


@router.patch(
    "/goals/{uuid}",
    response={200: GoalOut, **errors(400, 403, 404, 422)},
    summary="Change a goal (goals.edit); a period already drawn keeps its tasks: the change applies from the next",
)
def goals_update(request, uuid: UUID, payload: GoalPatch):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    require(request.user, "goals.edit")
    data = _resolve(payload.model_dump(exclude_unset=True))
    is_active = data.pop("is_active", goal.is_active)
    return services.goal_update(by=request.user, goal=goal, data=_input(goal, data), is_active=is_active)


@router.get(
    "/goals/{uuid}/progress",
    response={200: ProgressOut, **errors(403, 404, 422)},
    summary="The latest period: done / target, per evaluator and per agent, overdue",
)
def goals_progress(request, uuid: UUID):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    periods = selectors.goal_periods(goal, limit=1)
    if not periods:
        return {"period": None}
    return selectors.period_progress(periods[0])


@router.post(
    "/goals/{uuid}/generate",
    response={200: PeriodOut, **errors(400, 403, 404, 422)},
    summary="Draw the current period now (goals.edit); a period already drawn is returned as it is",
)
def goals_generate(request, uuid: UUID):
    goal = selectors.goal_get_for(viewer=request.user, uuid=uuid)
    require(request.user, "goals.edit")
    period = services.period_generate(goal=goal)
    if period is None:
        raise ValidationError({"goal": "Nothing to draw: the goal is paused or today is outside its dates."})
    return period
