"""Coaching sessions over the API (docs/coaching.md#api): list, create, read, update, change status,
acknowledge. Scoped like the pages: a session outside the caller's scope is a 404."""

# No ``from __future__ import annotations``: ninja reads a @paginate view's parameter types at runtime.
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.coaching import policies, selectors, services
from cxq.coaching.choices import FocusKind, Kind
from cxq.coaching.models import CoachingSession
from cxq.evaluations.models import Evaluation
from cxq.interactions.models import Interaction
from cxq.lib.apischema import errors, uuid_of
from cxq.lib.inputs import Moment, MultilineText, Text
from cxq.lib.pagination import CursorPagination

router = Router(tags=["coaching"])


class CoachingPerson(Schema):
    id: UUID
    full_name: str


class AgentOut(CoachingPerson):
    acknowledged_at: datetime | None


class FocusOut(Schema):
    kind: str
    evaluation: UUID | None
    question_key: str
    question_text: str
    interaction: UUID | None
    at_seconds: int | None
    note: str
    withdrawn_at: datetime | None = Field(
        description="When its evaluation was voided or deleted: kept for history, no longer to work on"
    )
    withdrawn_reason: str = Field(description='"voided", "deleted", or "" while the item is live')


class FollowUpOut(Schema):
    id: int
    text: str
    done_at: datetime | None


class CoachingSessionOut(Schema):
    id: UUID
    title: str
    status: str
    kind: str
    coach: CoachingPerson
    agents: list[AgentOut]
    starts_at: datetime | None
    duration_minutes: int
    ends_at: datetime | None
    meeting_url: str
    location: str
    due_at: datetime | None
    material: str
    material_url: str
    origin: str
    evaluation: UUID | None
    outcome_notes: str
    follow_ups: list[FollowUpOut]
    sequence: int
    created_at: datetime


class CoachingSessionListOut(CoachingSessionOut):
    """A row of the list, read from the loaded session (selectors.session_list prefetches its people)."""

    resolve_id = uuid_of()

    @staticmethod
    def resolve_coach(obj):
        return _person(obj.coach)

    @staticmethod
    def resolve_agents(obj):
        return [{**_person(a.agent), "acknowledged_at": a.acknowledged_at} for a in obj.attendees.all()]

    resolve_evaluation = uuid_of("evaluation")

    @staticmethod
    def resolve_follow_ups(obj):
        return [{"id": f.pk, "text": f.text, "done_at": f.done_at} for f in obj.follow_ups.all()]


class CoachingSessionDetailOut(CoachingSessionOut):
    focus: list[FocusOut]


class FocusIn(Schema):
    kind: Literal["evaluation", "question", "moment", "note"]
    evaluation: UUID | None = None
    question_key: Text = ""
    interaction: UUID | None = None
    at_seconds: int | None = None
    note: MultilineText = ""


class CoachingSessionIn(Schema):
    title: Text
    agents: list[UUID]
    coach: UUID | None = None  # default: the caller
    kind: Literal["video", "in_person", "async"] = "video"
    starts_at: Moment | None = None
    duration_minutes: int = 30
    meeting_url: Text = ""
    location: Text = ""
    due_at: Moment | None = None
    material: MultilineText = ""
    material_url: Text = ""
    focus: list[FocusIn] = []
    evaluation: UUID | None = None  # made from this evaluation (kept as the session's origin)


class SessionPatch(Schema):
    title: Text | None = None
    agents: list[UUID] | None = None
    coach: UUID | None = None
    kind: Literal["video", "in_person", "async"] | None = None
    starts_at: Moment | None = None
    duration_minutes: int | None = None
    meeting_url: Text | None = None
    location: Text | None = None
    due_at: Moment | None = None
    material: MultilineText | None = None
    material_url: Text | None = None
    focus: list[FocusIn] | None = None


class StatusIn(Schema):
    status: Literal["completed", "cancelled", "missed"]
    outcome_notes: MultilineText = ""
    follow_ups: list[Text] = []
    reason: Text = ""


def _person(user: User) -> dict:
    return {"id": user.uuid, "full_name": user.full_name}


def _out(session: CoachingSession, *, focus: bool = False) -> dict:
    data = {
        "id": session.uuid,
        "title": session.title,
        "status": session.status,
        "kind": session.kind,
        "coach": _person(session.coach),
        "agents": [{**_person(a.agent), "acknowledged_at": a.acknowledged_at} for a in session.attendees.all()],
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "ends_at": session.ends_at,
        "meeting_url": session.meeting_url,
        "location": session.location,
        "due_at": session.due_at,
        "material": session.material,
        "material_url": session.material_url,
        "origin": session.origin,
        "evaluation": session.evaluation.uuid if session.evaluation else None,
        "outcome_notes": session.outcome_notes,
        "follow_ups": [{"id": f.pk, "text": f.text, "done_at": f.done_at} for f in session.follow_ups.all()],
        "sequence": session.sequence,
        "created_at": session.created_at,
    }
    if focus:
        data["focus"] = [
            {
                "kind": f.kind,
                "evaluation": f.evaluation.uuid if f.evaluation else None,
                "question_key": f.question_key,
                "question_text": f.question_text,
                "interaction": f.interaction.uuid if f.interaction else None,
                "at_seconds": f.at_seconds,
                "note": f.note,
                "withdrawn_at": f.withdrawn_at,
                "withdrawn_reason": f.withdrawn_reason,
            }
            for f in selectors.focus_of(session)
        ]
    return data


def _user(uuid: UUID, field: str) -> User:
    user = User.objects.filter(uuid=uuid).first()
    if user is None:
        raise ValidationError({field: f"No user has the id {uuid}."})
    return user


def _focus(items: list[FocusIn]) -> list[services.FocusInput]:
    out = []
    for n, item in enumerate(items, start=1):
        ev = (
            Evaluation.objects.filter(uuid=item.evaluation).select_related("version").first()
            if item.evaluation
            else None
        )
        it = Interaction.objects.filter(uuid=item.interaction).first() if item.interaction else None
        if item.evaluation and ev is None:
            raise ValidationError({"focus": f"Focus item {n}: no evaluation has the id {item.evaluation}."})
        if item.interaction and it is None:
            raise ValidationError({"focus": f"Focus item {n}: no interaction has the id {item.interaction}."})
        out.append(
            services.FocusInput(
                kind=FocusKind(item.kind),
                evaluation=ev,
                question_key=item.question_key,
                interaction=it,
                at_seconds=item.at_seconds,
                note=item.note,
            )
        )
    return out


def _detail(request, session: CoachingSession) -> dict:
    return _out(selectors.session_get_for(viewer=request.user, uuid=session.uuid), focus=True)


def _may_open(request) -> None:
    if not policies.may_open_coaching(request.user):
        raise PermissionDenied("Your role does not take part in coaching.")


def _session(request, uuid: UUID, *, manage: bool) -> CoachingSession:
    """The session an operation acts on: first may the caller act at all (coaching.manage to change a
    session, taking part in coaching to read or acknowledge one: 403), then the session within their
    scope (404 outside it)."""
    if manage:
        require(request.user, "coaching.manage")
    else:
        _may_open(request)
    return selectors.session_get_for(viewer=request.user, uuid=uuid)


@router.get(
    "/coaching",
    response={200: list[CoachingSessionListOut], **errors(403, 422)},
    summary="Coaching sessions in my scope (I run, attend, or of the teams I lead)",
)
@paginate(CursorPagination, ordering=("-id",))
def sessions_list(request, status: Literal["scheduled", "completed", "cancelled", "missed"] | None = None):
    _may_open(request)
    return selectors.session_list(viewer=request.user, status=status or "")


@router.post(
    "/coaching",
    response={201: CoachingSessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Schedule a coaching session",
    description="400: a field is refused (named in `detail` and `errors`): agents outside your scope, a coach "
    "who may not coach or is one of the agents, a start in the past, a video meeting without a valid link, an "
    "in-person session without a place, an asynchronous one without a due date or material, a focus item "
    "that is not about the agents. 404: `evaluation` is not one you may see.",
)
def sessions_create(request, payload: CoachingSessionIn):
    require(request.user, "coaching.manage")
    evaluation = None
    if payload.evaluation:
        from cxq.evaluations.selectors import evaluation_get_for

        evaluation = evaluation_get_for(viewer=request.user, uuid=payload.evaluation)
    data = services.SessionInput(
        title=payload.title,
        agents=[_user(u, "agents") for u in payload.agents],
        coach=_user(payload.coach, "coach") if payload.coach else request.user,
        kind=Kind(payload.kind),
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        meeting_url=payload.meeting_url,
        location=payload.location,
        due_at=payload.due_at,
        material=payload.material,
        material_url=payload.material_url,
        focus=_focus(payload.focus),
    )
    session = services.session_create(
        by=request.user, data=data, origin="evaluation" if evaluation else "page", evaluation=evaluation
    )
    return Status(201, _detail(request, session))


@router.get(
    "/coaching/{uuid}", response={200: CoachingSessionDetailOut, **errors(403, 404, 422)}, summary="A coaching session"
)
def sessions_get(request, uuid: UUID):
    return _detail(request, _session(request, uuid, manage=False))


@router.patch(
    "/coaching/{uuid}",
    response={200: CoachingSessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Edit or reschedule a scheduled (or missed) session",
    description="Fields left out keep their value; `focus`, when given, replaces the focus. A change of "
    "time, type, place, people or title sends a new invite (same UID, next SEQUENCE). 400: a refused field, "
    "or the session is completed or cancelled. 403: not a coach, or one of the session's agents.",
)
def sessions_update(request, uuid: UUID, payload: SessionPatch):
    session = _session(request, uuid, manage=True)
    # a field sent as null keeps its value, like a field left out
    sent = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    focus = selectors.focus_of(session)
    data = services.SessionInput(
        title=sent.get("title", session.title),
        agents=[_user(u, "agents") for u in sent["agents"]]
        if "agents" in sent
        else [a.agent for a in session.attendees.all()],
        coach=_user(sent["coach"], "coach") if sent.get("coach") else session.coach,
        kind=Kind(sent.get("kind") or session.kind),
        starts_at=sent.get("starts_at", session.starts_at),
        duration_minutes=sent.get("duration_minutes") or session.duration_minutes,
        meeting_url=sent.get("meeting_url", session.meeting_url) or "",
        location=sent.get("location", session.location) or "",
        due_at=sent.get("due_at", session.due_at),
        material=sent.get("material", session.material) or "",
        material_url=sent.get("material_url", session.material_url) or "",
        focus=_focus(payload.focus)
        if payload.focus is not None
        else [
            services.FocusInput(
                kind=f.kind,
                evaluation=f.evaluation,
                question_key=f.question_key,
                interaction=f.interaction,
                at_seconds=f.at_seconds,
                note=f.note,
            )
            for f in focus
            if not f.withdrawn  # withdrawn items stay as they are (docs/coaching.md#withdrawn-focus)
        ],
    )
    session = services.session_update(by=request.user, session=session, data=data)
    return _detail(request, session)


@router.post(
    "/coaching/{uuid}/status",
    response={200: CoachingSessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Complete, cancel or mark missed",
    description="`completed` needs `outcome_notes` and takes `follow_ups` (checklist items); `cancelled` "
    "takes a `reason` and sends the agents a cancellation (METHOD:CANCEL). 400: a transition the session's "
    "status does not allow (e.g. completing a cancelled session), named in `detail`, or a missing outcome.",
)
def sessions_status(request, uuid: UUID, payload: StatusIn):
    session = _session(request, uuid, manage=True)
    if payload.status == "completed":
        session = services.session_complete(
            by=request.user, session=session, outcome_notes=payload.outcome_notes, follow_ups=payload.follow_ups
        )
    elif payload.status == "cancelled":
        session = services.session_cancel(by=request.user, session=session, reason=payload.reason)
    else:
        session = services.session_mark_missed(by=request.user, session=session)
    return _detail(request, session)


@router.post(
    "/coaching/{uuid}/acknowledge",
    response={200: CoachingSessionDetailOut, **errors(400, 403, 404, 422)},
    summary="Acknowledge a session (its agents)",
    description="403: the caller is not one of the session's agents. 400: already acknowledged, or the "
    "session is cancelled or missed.",
)
def sessions_acknowledge(request, uuid: UUID):
    session = services.session_acknowledge(by=request.user, session=_session(request, uuid, manage=False))
    return _detail(request, session)
