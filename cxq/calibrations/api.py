"""Calibration sessions over the API: list, create, read (with statistics), assessors, close, CSV.

While the caller is an assessor of an open session who has not submitted, the session's
``statistics`` and ``questions`` are null and assessors' scores are left out (docs/calibrations.md#the-session
blindness)."""

# No ``from __future__ import annotations`` here: ninja reads a @paginate view's parameter types from
# the decorator's module, where a string annotation such as "Text" cannot be resolved.
from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.calibrations import selectors, services
from cxq.calibrations.exports import report_csv_rows
from cxq.calibrations.filters import SessionFilter
from cxq.calibrations.models import Session
from cxq.interactions.selectors import interaction_get_for
from cxq.lib.apischema import errors, uuid_of
from cxq.lib.csvio import csv_stream_response
from cxq.lib.inputs import Moment, Text
from cxq.lib.pagination import CursorPagination
from cxq.scorecards.models import Scorecard

router = Router(tags=["calibrations"])


class Person(Schema):
    id: UUID
    full_name: str


class SessionOut(Schema):
    id: UUID
    name: str
    status: str
    scorecard: UUID
    scorecard_name: str
    version: int
    interaction: UUID
    agent: Person
    benchmark: Person | None
    due_at: datetime
    created_at: datetime
    closed_at: datetime | None
    assigned: int
    completed: int
    completion_percent: float | None
    average_score: float | None


class SessionListOut(SessionOut):
    """A row of the list: the counts come annotated on the session (selectors.session_list)."""

    resolve_id = uuid_of()

    resolve_scorecard = uuid_of("scorecard")

    @staticmethod
    def resolve_scorecard_name(obj):
        return obj.scorecard.name

    @staticmethod
    def resolve_version(obj):
        return obj.version.number

    resolve_interaction = uuid_of("interaction")

    @staticmethod
    def resolve_agent(obj):
        return _person(obj.agent)

    @staticmethod
    def resolve_benchmark(obj):
        return _person(obj.benchmark)

    @staticmethod
    def resolve_completion_percent(obj):
        return selectors.completion_percent(obj.completed, obj.assigned)

    @staticmethod
    def resolve_average_score(obj):
        return None if obj.average is None or obj.blind else float(obj.average)


class AnswerOut(Schema):
    assessor: UUID
    answer: str | None
    label: str
    points: float | None
    comment: str


class QuestionOut(Schema):
    key: str
    text: str
    section: str
    agrees: bool | None
    percent_agreement: float | None
    mean_points: float | None
    benchmark_points: float | None
    answers: list[AnswerOut]


class AssessorOut(Schema):
    user: Person
    is_benchmark: bool
    status: str  # not_started | in_progress | submitted | withdrawn
    evaluation: UUID | None
    score_percent: float | None = None
    earned: float | None = None
    vs_average_percent: float | None = None
    vs_average_points: float | None = None
    vs_benchmark_percent: float | None = None
    vs_benchmark_points: float | None = None
    mad_from_mean: float | None = None
    mad_from_benchmark: float | None = None
    comment: str | None = None


class StatisticsOut(Schema):
    completion_percent: float | None
    assigned: int
    completed: int
    average: float | None
    minimum: float | None
    maximum: float | None
    stdev: float | None
    alpha_interval: float | None
    alpha_nominal: float | None
    percent_agreement: float | None
    mad_from_benchmark: float | None


class SessionDetailOut(SessionOut):
    blind: bool
    assessors: list[AssessorOut]
    statistics: StatisticsOut | None
    questions: list[QuestionOut] | None


class SessionIn(Schema):
    name: Text
    scorecard: UUID
    interaction: UUID
    assessors: list[UUID]
    benchmark: UUID | None = None
    due_at: Moment


class AssessorIn(Schema):
    user: UUID


class StartOut(Schema):
    evaluation: UUID


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.uuid, "full_name": user.full_name}


def _summary(session: Session, report: selectors.Report) -> dict:
    assigned, completed, average = report.assigned, report.completed, report.spread.mean
    return {
        "id": session.uuid,
        "name": session.name,
        "status": session.status,
        "scorecard": session.scorecard.uuid,
        "scorecard_name": session.scorecard.name,
        "version": session.version.number,
        "interaction": session.interaction.uuid,
        "agent": _person(session.agent),
        "benchmark": _person(session.benchmark),
        "due_at": session.due_at,
        "created_at": session.created_at,
        "closed_at": session.closed_at,
        "assigned": assigned,
        "completed": completed,
        "completion_percent": selectors.completion_percent(completed, assigned),
        "average_score": average,
    }


def _state(row: selectors.Row) -> str:
    ev = row.seat.evaluation
    if row.submitted:
        return "submitted"
    if ev is None:
        return "not_started"
    return "in_progress" if ev.status == "draft" else "withdrawn"


def session_payload(session: Session, *, viewer) -> dict:
    """The session's API representation, statistics included, as the viewer may see it: the selector
    redacts the report for a blind viewer; this only leaves the hidden fields out of the shape."""
    report = selectors.session_report(session, viewer=viewer)
    blind = report.blind
    assessors = []
    for r in report.rows:
        item = {
            "user": _person(r.seat.user),
            "is_benchmark": r.is_benchmark,
            "status": _state(r),
            "evaluation": r.seat.evaluation.uuid if (r.submitted and not blind) else None,
        }
        if not blind:
            item.update(
                score_percent=r.score,
                earned=r.earned,
                vs_average_percent=r.vs_mean_percent,
                vs_average_points=r.vs_mean_points,
                vs_benchmark_percent=r.vs_benchmark_percent,
                vs_benchmark_points=r.vs_benchmark_points,
                mad_from_mean=r.mad_mean,
                mad_from_benchmark=r.mad_benchmark,
                comment=r.comment if r.submitted else None,
            )
        assessors.append(item)
    payload = {
        **_summary(session, report),
        "blind": blind,
        "assessors": assessors,
        "statistics": None,
        "questions": None,
    }
    if blind:
        payload["average_score"] = None
        return payload
    s = report.spread
    payload["statistics"] = {
        "completion_percent": report.completion,
        "assigned": report.assigned,
        "completed": report.completed,
        "average": s.mean,
        "minimum": s.minimum,
        "maximum": s.maximum,
        "stdev": s.stdev,
        "alpha_interval": report.alpha_interval,
        "alpha_nominal": report.alpha_nominal,
        "percent_agreement": report.percent_agreement,
        "mad_from_benchmark": report.mad_benchmark,
    }
    payload["questions"] = [
        {
            "key": q.key,
            "text": q.text,
            "section": q.section,
            "agrees": q.agrees,
            "percent_agreement": q.percent_agreement,
            "mean_points": q.mean_points,
            "benchmark_points": q.benchmark_points,
            "answers": [
                {
                    "assessor": r.seat.user.uuid,
                    "answer": c.option,
                    "label": c.label,
                    "points": c.points,
                    "comment": c.comment,
                }
                for r, c in zip(report.submitted, q.cells, strict=True)
            ],
        }
        for q in report.questions
    ]
    return payload


def _get(request, uuid) -> Session:
    return selectors.session_get_for(viewer=request.user, uuid=uuid)


def _user(uuid: UUID, field: str) -> User:
    user = User.objects.filter(uuid=uuid, is_active=True).first()
    if user is None:
        raise ValidationError({field: f"No active user has the id {uuid}."})
    return user


def _detail(request, session: Session) -> dict:
    session = selectors.session_get_for(viewer=request.user, uuid=session.uuid)
    return session_payload(session, viewer=request.user)


@router.get(
    "/calibrations",
    response={200: list[SessionListOut], **errors(400, 403, 422)},
    summary="Calibration sessions I take part in or manage",
)
@paginate(CursorPagination, ordering=("-id",))
def sessions_list(request, filters: Query[SessionFilter.api_schema()]):
    if not selectors.may_view_calibrations(request.user):
        raise PermissionDenied("Your role does not take part in calibrations.")
    return selectors.session_list(viewer=request.user, filters=SessionFilter.from_api(filters)).select_related(
        "version", "benchmark"
    )


@router.post(
    "/calibrations",
    response={201: SessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Open a calibration session",
)
def sessions_create(request, payload: SessionIn):
    require(request.user, "calibrations.manage")
    interaction = interaction_get_for(viewer=request.user, uuid=payload.interaction)
    scorecard = Scorecard.objects.filter(uuid=payload.scorecard).first()
    if scorecard is None:
        raise ValidationError({"scorecard": "No scorecard has this id."})
    session = services.session_create(
        by=request.user,
        name=payload.name,
        scorecard=scorecard,
        interaction=interaction,
        assessors=[_user(u, "assessors") for u in payload.assessors],
        benchmark=_user(payload.benchmark, "benchmark") if payload.benchmark else None,
        due_at=payload.due_at,
    )
    return Status(201, _detail(request, session))


@router.get(
    "/calibrations/{uuid}",
    response={200: SessionDetailOut, **errors(404, 422)},
    summary="A session with its statistics",
)
def sessions_get(request, uuid: UUID):
    session = _get(request, uuid)
    return session_payload(session, viewer=request.user)


@router.post(
    "/calibrations/{uuid}/assessors",
    response={200: SessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Add an assessor (and invite them)",
)
def sessions_assessor_add(request, uuid: UUID, payload: AssessorIn):
    require(request.user, "calibrations.manage")
    session = _get(request, uuid)
    services.assessor_add(by=request.user, session=session, user=_user(payload.user, "user"))
    return _detail(request, session)


@router.delete(
    "/calibrations/{uuid}/assessors/{user}",
    response={200: SessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Remove an assessor",
)
def sessions_assessor_remove(request, uuid: UUID, user: UUID):
    require(request.user, "calibrations.manage")
    session = _get(request, uuid)
    person = get_object_or_404(session.assessors.select_related("user"), user__uuid=user).user
    services.assessor_remove(by=request.user, session=session, user=person)
    return _detail(request, session)


@router.post(
    "/calibrations/{uuid}/close",
    response={200: SessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Close the session",
)
def sessions_close(request, uuid: UUID):
    require(request.user, "calibrations.manage")
    session = _get(request, uuid)
    services.session_close(by=request.user, session=session)
    return _detail(request, session)


@router.post(
    "/calibrations/{uuid}/start",
    response={200: StartOut, **errors(400, 403, 404, 422)},
    summary="Start (or resume) my calibration evaluation; fill it in with the evaluation endpoints",
)
def sessions_start(request, uuid: UUID):
    evaluation = services.assessor_start(by=request.user, session=_get(request, uuid))
    return {"evaluation": evaluation.uuid}


@router.get(
    "/calibrations/{uuid}/export",
    summary="CSV of the side-by-side answers",
    response={200: None, **errors(403, 404, 422)},
    # Keyed by the int, as ninja keys the responses it generates: a "200" string would be a second
    # 200 in openapi.json, which stops Swagger UI from rendering any of the document.
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def sessions_export(request, uuid: UUID):
    session = _get(request, uuid)
    report = selectors.session_report(session, viewer=request.user)
    if report.blind:
        raise PermissionDenied("Submit your own evaluation first; until then the others' answers stay hidden.")
    header, rows = report_csv_rows(report)
    return csv_stream_response(f"cxq-calibration-{session.uuid}.csv", header, rows)
