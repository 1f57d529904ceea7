"""Automation cards over the API (docs/automations.md): the same services and selectors as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.automations import selectors, services
from cxq.interactions.selectors import interaction_get_for
from cxq.lib.apischema import PublicIdOut, errors, uuid_of
from cxq.lib.inputs import JsonObject, Text
from cxq.scorecards.models import Scorecard

router = Router(tags=["automations"])

ActionName = Literal["assign", "automated"]
DistributionName = Literal["round_robin", "least_loaded"]


class RuleOut(PublicIdOut):
    name: str
    priority: int = Field(description="1 = tried first")
    enabled: bool
    condition: dict
    action: str
    scorecard: UUID
    pool: list[UUID]
    distribution: str
    due_days: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_priority(obj):
        return obj.position + 1

    resolve_scorecard = uuid_of("scorecard")

    @staticmethod
    def resolve_pool(obj):
        return [u.uuid for u in obj.pool.all()]


class RuleIn(Schema):
    name: Text
    condition: JsonObject = Field(description="A condition (docs/conditions.md)")
    action: ActionName = "assign"
    scorecard: UUID
    pool: list[UUID] = Field([], description="Evaluators who share the tasks (assign)")
    distribution: DistributionName = "round_robin"
    due_days: int = Field(3, ge=1, le=365)
    enabled: bool = True


class RulePatch(Schema):
    name: Text | None = None
    condition: JsonObject | None = None
    action: ActionName | None = None
    scorecard: UUID | None = None
    pool: list[UUID] | None = None
    distribution: DistributionName | None = None
    due_days: int | None = Field(None, ge=1, le=365)
    enabled: bool | None = None


class ReorderIn(Schema):
    order: list[UUID] = Field(description="Every card's id, first = highest priority")


class NodeOut(Schema):
    holds: bool
    text: str = Field("", description="A rule in words (empty for a group)")
    kind: str = Field("", description="all / any for a group")
    path: str
    children: list[NodeOut] = []


class VerdictOut(Schema):
    card: RuleOut
    matches: bool
    fires: bool = Field(description="The first enabled card that matches: the one that would apply")
    explanation: NodeOut


class MatchOut(Schema):
    card: str
    card_id: UUID | None
    outcome: str
    detail: str
    assignment: UUID | None
    evaluation: UUID | None
    created_at: datetime

    @staticmethod
    def resolve_card(obj):
        return obj.rule_name

    resolve_card_id = uuid_of("rule")

    resolve_assignment = uuid_of("assignment")

    resolve_evaluation = uuid_of("evaluation")


def _people(ids: list[UUID]) -> list[User]:
    people = list(User.objects.filter(uuid__in=ids))
    if len(people) != len(set(ids)):
        raise ValidationError({"pool": "No user has one of these ids."})
    return people


def _scorecard(uuid: UUID) -> Scorecard:
    scorecard = Scorecard.objects.filter(uuid=uuid).first()
    if scorecard is None:
        raise ValidationError({"scorecard": "No scorecard has this id."})
    return scorecard


@router.get("/automations", response={200: list[RuleOut], **errors(403)}, summary="The cards, in priority order")
def automations_list(request):
    return selectors.rule_list(viewer=request.user)


@router.post("/automations", response={201: RuleOut, **errors(400, 403, 422)}, summary="Add a card (last)")
def automations_create(request, payload: RuleIn):
    data = payload.model_dump()
    data["scorecard"] = _scorecard(payload.scorecard)
    data["pool"] = _people(payload.pool)
    return Status(201, services.rule_create(by=request.user, **data))


# Declared before the /automations/{uuid} routes so 'reorder' and 'test' are not read as ids.
@router.post(
    "/automations/reorder",
    response={200: list[RuleOut], **errors(400, 403, 422)},
    summary="Put every card in a new order, at once (order = priority)",
)
def automations_reorder(request, payload: ReorderIn):
    return services.rules_reorder(by=request.user, order=payload.order)


@router.get(
    "/automations/test",
    response={200: list[VerdictOut], **errors(403, 404, 422)},
    summary="Test the cards on an interaction: why each matches or not, and which would fire",
)
def automations_test(request, interaction: UUID):
    require(request.user, "automations.view")
    item = interaction_get_for(viewer=request.user, uuid=interaction)
    return [
        {"card": v.rule, "matches": v.holds, "fires": v.fires, "explanation": v.tree}
        for v in selectors.explain(viewer=request.user, interaction=item)
    ]


@router.get("/automations/{uuid}", response={200: RuleOut, **errors(403, 404, 422)})
def automations_get(request, uuid: UUID):
    return selectors.rule_get(viewer=request.user, uuid=uuid)


@router.patch("/automations/{uuid}", response={200: RuleOut, **errors(400, 403, 404, 422)}, summary="Change a card")
def automations_update(request, uuid: UUID, payload: RulePatch):
    rule = selectors.rule_get(viewer=request.user, uuid=uuid)
    data = payload.model_dump(exclude_unset=True)
    if payload.scorecard is not None:
        data["scorecard"] = _scorecard(payload.scorecard)
    if payload.pool is not None:
        data["pool"] = _people(payload.pool)
    return services.rule_update(by=request.user, rule=rule, **data)


@router.post(
    "/automations/{uuid}/duplicate",
    response={201: RuleOut, **errors(400, 403, 404, 422)},
    summary="Copy a card (right below it, switched off)",
)
def automations_duplicate(request, uuid: UUID):
    rule = selectors.rule_get(viewer=request.user, uuid=uuid)
    return Status(201, services.rule_duplicate(by=request.user, rule=rule))


@router.delete("/automations/{uuid}", response={204: None, **errors(403, 404, 422)}, summary="Delete a card")
def automations_delete(request, uuid: UUID):
    services.rule_delete(by=request.user, rule=selectors.rule_get(viewer=request.user, uuid=uuid))
    return Status(204, None)


@router.get(
    "/interactions/{uuid}/automations",
    response={200: list[MatchOut], **errors(403, 404, 422)},
    summary="An interaction's matching log: which card fired, when, what it did (automations.view)",
)
def interaction_automation_log(request, uuid: UUID):
    require(request.user, "automations.view")
    interaction = interaction_get_for(viewer=request.user, uuid=uuid)
    return selectors.matches_for(interaction)
