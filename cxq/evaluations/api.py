from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.accounts.selectors import user_scope
from cxq.evaluations import automated, selectors, services
from cxq.evaluations.choices import Source
from cxq.evaluations.filters import DisputeFilter, EvaluationFilter
from cxq.interactions.selectors import interaction_get_for, interaction_scope
from cxq.lib.apischema import PublicIdOut, errors, uuid_of
from cxq.lib.inputs import JsonObject, Moment, MultilineText, Text
from cxq.lib.pagination import CursorPagination, url_with_cursor
from cxq.scorecards.api import preview_payload
from cxq.scorecards.models import Scorecard

router = Router(tags=["evaluations"])
MAX_BULK_ASSIGN = 500


class Person(PublicIdOut):
    full_name: str


class RevisionOut(Schema):
    number: int
    answers: dict
    question_comments: dict
    comment: str
    result: dict
    reason: str
    created_at: datetime


class BandOut(Schema):
    key: str
    label: str
    start: float = Field(description="Where the band starts (percent, or points in points mode)")
    colour: str


class EvaluationOut(PublicIdOut):
    interaction: UUID
    agent: Person
    evaluator: Person
    scorecard: UUID
    scorecard_name: str
    version: int
    source: str
    status: str
    score_percent: float | None
    earned: float | None
    possible: float | None
    passed: bool | None
    auto_failed: bool
    revision: int
    lock_version: int
    created_at: datetime
    completed_at: datetime | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    auto_acknowledged: bool
    band: BandOut | None = Field(description="The score band, from the scorecard's current bands (docs/scoring.md)")
    automated: bool = Field(description="Answered by the system from indicators (source automated)")

    @staticmethod
    def resolve_automated(obj):
        return obj.source == Source.AUTOMATED

    resolve_interaction = uuid_of("interaction")

    @staticmethod
    def resolve_band(obj):
        if obj.status == "draft":
            return None
        band = obj.scorecard.band(score_percent=obj.score_percent, earned=obj.earned)
        return None if band is None else {**band, "start": band["from"]}

    resolve_scorecard = uuid_of("scorecard")

    @staticmethod
    def resolve_scorecard_name(obj):
        return obj.scorecard.name

    @staticmethod
    def resolve_version(obj):
        return obj.version.number


class DisputeItemOut(Schema):
    question: str
    reason: str
    at: float | None = Field(None, description="The moment of the recording it is about, seconds from its start")
    response: str = Field(description="adjust, reaffirm, or empty while the dispute is open")
    response_note: str
    new_answer: str

    @staticmethod
    def resolve_question(obj):
        return obj.question_key

    @staticmethod
    def resolve_at(obj):
        return obj.at_seconds


class DisputeOut(Schema):
    raised_by: Person
    created_at: datetime
    note: str
    items: list[DisputeItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class EvidenceOut(Schema):
    """What an answer given from an indicator rests on (docs/evaluations.md#automated-evaluations)."""

    answer: str
    indicator: str
    indicator_id: UUID
    side: str
    mentioned: bool
    utterance: int | None = None
    start: float | None = None
    speaker: str | None = None
    text: str | None = None
    phrase: str | None = None
    matched: str | None = None


class EvaluationDetailOut(EvaluationOut):
    answers: dict
    evidence: dict[str, EvidenceOut] = Field(description="Per question answered from an indicator, its evidence")
    question_comments: dict
    comment: str
    result: dict
    revisions: list[RevisionOut]
    disputes: list[DisputeOut]

    @staticmethod
    def resolve_result(obj):
        return preview_payload(obj.version.document, obj.answers)

    @staticmethod
    def resolve_revisions(obj):
        return list(obj.revisions.order_by("number"))

    @staticmethod
    def resolve_disputes(obj):
        return list(obj.disputes.select_related("raised_by").prefetch_related("items").order_by("created_at"))


class StartIn(Schema):
    interaction: UUID
    scorecard: UUID
    agent: UUID | None = None
    assignment: UUID | None = None


class AutomatedIn(Schema):
    interaction: UUID
    scorecard: UUID
    agent: UUID | None = None


class DraftIn(Schema):
    answers: JsonObject
    question_comments: dict[Text, MultilineText] = {}
    comment: MultilineText = ""
    lock_version: int


class SubmitIn(Schema):
    lock_version: int | None = None


class DisputeItemIn(Schema):
    question: Text
    reason: MultilineText
    at: float | None = Field(None, description="The moment of the recording it is about, seconds from its start")


class DisputeIn(Schema):
    items: list[DisputeItemIn]
    note: MultilineText = ""


class ResponseIn(Schema):
    question: Text
    response: Text  # adjust | reaffirm
    note: MultilineText = ""
    answer: Text | int | None = None


class RespondIn(Schema):
    responses: list[ResponseIn]


class VoidIn(Schema):
    reason: MultilineText


class DisputeOut(PublicIdOut):
    evaluation: UUID
    interaction: UUID
    agent: Person
    evaluator: Person
    team: UUID | None
    scorecard: UUID
    scorecard_name: str
    questions: list[str]
    note: str
    created_at: datetime
    respond_by: datetime | None
    overdue: bool
    resolved_at: datetime | None

    resolve_evaluation = uuid_of("evaluation")

    resolve_interaction = uuid_of("evaluation.interaction")

    @staticmethod
    def resolve_agent(obj):
        return obj.evaluation.agent

    @staticmethod
    def resolve_evaluator(obj):
        return obj.evaluation.evaluator

    resolve_team = uuid_of("evaluation.team")

    resolve_scorecard = uuid_of("evaluation.scorecard")

    @staticmethod
    def resolve_scorecard_name(obj):
        return obj.evaluation.scorecard.name

    @staticmethod
    def resolve_questions(obj):
        return [i.question_key for i in obj.items.all()]

    @staticmethod
    def resolve_overdue(obj):
        return selectors.dispute_is_overdue(obj)


class AssignmentOut(PublicIdOut):
    interaction: UUID
    scorecard: UUID
    assignee: Person
    due_at: datetime
    status: str
    note: str
    overdue: bool

    resolve_interaction = uuid_of("interaction")

    resolve_scorecard = uuid_of("scorecard")

    @staticmethod
    def resolve_overdue(obj):
        return selectors.is_overdue(obj)


class AssignIn(Schema):
    interaction: UUID
    scorecard: UUID
    assignee: UUID
    due_at: Moment
    note: MultilineText = ""


class ExtendIn(Schema):
    due_at: Moment


def _get(request, uuid):
    return selectors.evaluation_get_for(viewer=request.user, uuid=uuid)


class EvaluationPageOut(Schema):
    """A keyset page of the table in its sort (docs/api.md#evaluations-and-assignments); ``next``/``previous`` are the
    addresses of the pages after/before it (the other parameters kept), null at either end."""

    results: list[EvaluationOut]
    next: str | None
    previous: str | None


@router.get(
    "/evaluations",
    response={200: EvaluationPageOut, **errors(400, 422)},
    summary="Evaluations in my scope, in the chosen sort (keyset cursor)",
)
def evaluations_list(request, filters: Query[EvaluationFilter.api_schema()], cursor: Text = "", page_size: int = 50):
    filterset = EvaluationFilter.from_api(filters)
    if cursor and not selectors.cursor_is_valid(filterset, cursor):
        raise NinjaValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ["query", "cursor"],
                    "msg": "This cursor is not valid for this sort; start again.",
                }
            ]
        )
    listed = selectors.evaluation_list(viewer=request.user, filters=filterset)
    page = selectors.evaluation_page(listed, filterset, cursor, max(1, min(page_size, 200)))
    url = request.build_absolute_uri()
    return {
        "results": page.rows,
        "next": url_with_cursor(url, page.next),
        "previous": url_with_cursor(url, page.previous),
    }


@router.post(
    "/evaluations",
    response={201: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Start an evaluation (a draft)",
)
def evaluations_start(request, payload: StartIn):
    interaction = interaction_get_for(viewer=request.user, uuid=payload.interaction)
    scorecard = get_object_or_404(Scorecard, uuid=payload.scorecard)
    agent = get_object_or_404(User, uuid=payload.agent) if payload.agent else None
    assignment = (
        selectors.assignment_get_for(viewer=request.user, uuid=payload.assignment) if payload.assignment else None
    )
    return Status(
        201,
        services.evaluation_start(
            by=request.user, interaction=interaction, scorecard=scorecard, agent=agent, assignment=assignment
        ),
    )


# Declared before the /evaluations/{uuid} routes so 'automated' is not read as an id.
@router.post(
    "/evaluations/automated",
    response={201: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Run an automated evaluation: answer the questions linked to indicators (evaluations.assign)",
)
def evaluations_automated(request, payload: AutomatedIn):
    interaction = interaction_get_for(viewer=request.user, uuid=payload.interaction)
    scorecard = get_object_or_404(Scorecard, uuid=payload.scorecard)
    agent = get_object_or_404(User, uuid=payload.agent) if payload.agent else None
    return Status(
        201,
        automated.automated_evaluation_run(by=request.user, interaction=interaction, scorecard=scorecard, agent=agent),
    )


@router.get("/evaluations/{uuid}", response={200: EvaluationDetailOut, **errors(404, 422)})
def evaluations_get(request, uuid: UUID):
    return _get(request, uuid)


@router.put(
    "/evaluations/{uuid}/draft",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 409, 422)},
    summary="Save the draft (409 when someone saved a newer version)",
)
def evaluations_save(request, uuid: UUID, payload: DraftIn):
    return services.evaluation_save(
        by=request.user,
        evaluation=_get(request, uuid),
        answers=payload.answers,
        question_comments=payload.question_comments,
        comment=payload.comment,
        lock_version=payload.lock_version,
    )


@router.post(
    "/evaluations/{uuid}/submit",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 409, 422)},
    summary="Submit the evaluation (409 when someone saved a newer version)",
)
def evaluations_submit(request, uuid: UUID, payload: SubmitIn):
    return services.evaluation_submit(
        by=request.user, evaluation=_get(request, uuid), lock_version=payload.lock_version
    )


@router.post("/evaluations/{uuid}/acknowledge", response={200: EvaluationDetailOut, **errors(400, 403, 404, 422)})
def evaluations_acknowledge(request, uuid: UUID):
    return services.evaluation_acknowledge(by=request.user, evaluation=_get(request, uuid))


@router.post(
    "/evaluations/{uuid}/dispute",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Dispute specific answers",
)
def evaluations_dispute(request, uuid: UUID, payload: DisputeIn):
    evaluation = _get(request, uuid)
    services.evaluation_dispute(
        by=request.user,
        evaluation=evaluation,
        items=[(i.question, i.reason, i.at) for i in payload.items],
        note=payload.note,
    )
    return _get(request, uuid)


@router.post(
    "/evaluations/{uuid}/respond",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Answer a dispute per question: adjust or re-affirm",
)
def evaluations_respond(request, uuid: UUID, payload: RespondIn):
    responses = {r.question: (r.response, r.note, r.answer) for r in payload.responses}
    return services.dispute_respond(by=request.user, evaluation=_get(request, uuid), responses=responses)


@router.post(
    "/evaluations/{uuid}/void",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Void a manual evaluation",
)
def evaluations_void(request, uuid: UUID, payload: VoidIn):
    return services.evaluation_void(by=request.user, evaluation=_get(request, uuid), reason=payload.reason)


@router.post(
    "/evaluations/{uuid}/adopt",
    response={200: EvaluationDetailOut, **errors(400, 403, 404, 422)},
    summary="Take an automated evaluation over: it becomes your manual draft to complete and submit",
)
def evaluations_adopt(request, uuid: UUID):
    return automated.automated_evaluation_adopt(by=request.user, evaluation=_get(request, uuid))


@router.delete(
    "/evaluations/{uuid}",
    response={204: None, **errors(400, 403, 404, 422)},
    summary="Delete an automated evaluation for good",
)
def evaluations_delete(request, uuid: UUID):
    services.evaluation_delete_automated(by=request.user, evaluation=_get(request, uuid))
    return Status(204, None)


@router.delete(
    "/evaluations/{uuid}/draft",
    response={204: None, **errors(400, 403, 404, 422)},
    summary="Discard my draft (deleted for good; audited)",
)
def evaluations_discard(request, uuid: UUID):
    services.evaluation_discard(by=request.user, evaluation=_get(request, uuid))
    return Status(204, None)


@router.get(
    "/disputes",
    response={200: list[DisputeOut], **errors(400, 403, 422)},
    summary="The disputes queue: open disputes in my scope (or answered ones), filtered",
)
@paginate(CursorPagination, ordering=("id",))
def disputes_list(request, filters: Query[DisputeFilter.api_schema()]):
    require(request.user, "evaluations.create")
    return selectors.dispute_list(viewer=request.user, filters=DisputeFilter.from_api(filters))


@router.get("/assignments", response={200: list[AssignmentOut], **errors()}, summary="My open evaluation tasks")
def assignments_mine(request):
    return list(selectors.my_tasks(viewer=request.user))


@router.post(
    "/assignments",
    response={201: AssignmentOut, **errors(400, 403, 404, 422)},
    summary="Assign an evaluation (evaluations.assign)",
)
def assignments_create(request, payload: AssignIn):
    interaction = interaction_get_for(viewer=request.user, uuid=payload.interaction)
    scorecard = get_object_or_404(Scorecard, uuid=payload.scorecard)
    assignee = User.objects.filter(uuid=payload.assignee, is_active=True).first()
    if assignee is None:
        raise ValidationError({"assignee": "No active user has this id."})
    return Status(
        201,
        services.assignment_create(
            by=request.user,
            interaction=interaction,
            scorecard=scorecard,
            assignee=assignee,
            due_at=payload.due_at,
            note=payload.note,
        ),
    )


class BulkAssignIn(Schema):
    """docs/api.md#bulk-assign: ``evaluator`` or ``pool`` (one of them); ``mode`` all_or_nothing (the
    default: any refused item refuses the request, 400, nothing created) or per_item (the others are
    created, the refused ones listed)."""

    interactions: list[UUID] = Field(min_length=1, max_length=MAX_BULK_ASSIGN)
    scorecard: UUID
    evaluator: UUID | None = None
    pool: list[UUID] | None = Field(None, min_length=1, max_length=100)
    distribution: Literal["round_robin", "least_loaded"] = "round_robin"
    due_at: Moment
    note: MultilineText = ""
    mode: Literal["all_or_nothing", "per_item"] = "all_or_nothing"


class BulkAssignError(Schema):
    index: int
    interaction: UUID
    detail: str


class BulkAssignOut(Schema):
    created: list[AssignmentOut]
    errors: list[BulkAssignError]


@router.post(
    "/assignments/bulk",
    response={200: BulkAssignOut, **errors(400, 403, 404, 422)},
    summary="Assign evaluation tasks for many interactions at once (evaluations.assign)",
)
def assignments_bulk(request, payload: BulkAssignIn):
    require(request.user, "evaluations.assign")
    if (payload.evaluator is None) == (payload.pool is None):
        raise ValidationError({"evaluator": "Name either an evaluator or a pool, not both and not neither."})
    scorecard = Scorecard.objects.filter(uuid=payload.scorecard).first()
    if scorecard is None:
        raise ValidationError({"scorecard": "No scorecard has this id."})
    wanted = [payload.evaluator] if payload.evaluator is not None else list(dict.fromkeys(payload.pool))
    people = {u.uuid: u for u in user_scope(viewer=request.user).filter(uuid__in=wanted, is_active=True)}
    missing = [str(w) for w in wanted if w not in people]
    if missing:
        name = "evaluator" if payload.evaluator is not None else "pool"
        raise ValidationError({name: f"No active person in your scope has the id {missing[0]}."})
    found = {i.uuid: i for i in interaction_scope(viewer=request.user).filter(uuid__in=payload.interactions)}
    report = services.assignment_bulk_create(
        by=request.user,
        interactions=[found.get(key) for key in payload.interactions],
        scorecard=scorecard,
        assignees=[people[w] for w in wanted],
        due_at=payload.due_at,
        note=payload.note,
        distribution=payload.distribution,
        all_or_nothing=payload.mode == "all_or_nothing",
    )
    refused = [{**e, "interaction": payload.interactions[e["index"]]} for e in report.errors]
    return {"created": report.created, "errors": refused}


@router.post("/assignments/{uuid}/extend", response={200: AssignmentOut, **errors(400, 403, 404, 422)})
def assignments_extend(request, uuid: UUID, payload: ExtendIn):
    task = selectors.assignment_get_for(viewer=request.user, uuid=uuid)
    return services.assignment_extend(by=request.user, assignment=task, due_at=payload.due_at)
