"""Writes of coaching sessions (docs/coaching.md): schedule, reschedule, complete, cancel, mark missed,
acknowledge, tick follow-ups. Each is atomic, validates, writes and publishes one event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm, require
from cxq.accounts.selectors import agents_in_scope, user_scope
from cxq.coaching import policies
from cxq.coaching.choices import FocusKind, Kind, Origin, Status
from cxq.coaching.models import Attendee, CoachingSession, FocusItem, FollowUp
from cxq.evaluations.choices import Status as EvaluationStatus
from cxq.evaluations.models import Dispute, Evaluation
from cxq.evaluations.selectors import evaluation_scope
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction
from cxq.interactions.selectors import interaction_scope
from cxq.lib.inputs import text_problem
from cxq.scorecards.engine import compiled_for

MAX_AGENTS = 20
MAX_FOCUS = 30
MAX_FOLLOW_UPS = 30
MIN_MINUTES, MAX_MINUTES = 5, 480
MISSED_GRACE = timedelta(hours=24)  # docs/coaching.md#missed
PAST_TOLERANCE = timedelta(minutes=5)  # a start typed "now" is not refused by the time it arrives
ORGANIZATION_ID = 1  # the single organisation's settings row (accounts.OrgSettings)
_url = URLValidator(schemes=["https", "http"])


@dataclass
class FocusInput:
    kind: str
    evaluation: Evaluation | None = None
    question_key: str = ""
    interaction: Interaction | None = None
    at_seconds: int | None = None
    note: str = ""


@dataclass
class SessionInput:
    title: str
    agents: list[User]
    coach: User
    kind: str = Kind.VIDEO
    starts_at: datetime | None = None
    duration_minutes: int = 30
    meeting_url: str = ""
    location: str = ""
    due_at: datetime | None = None
    material: str = ""
    material_url: str = ""
    focus: list[FocusInput] = field(default_factory=list)


def _text(errors: dict, name: str, value: str, *, required: bool, limit: int, multiline: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = "This field is required."
    elif len(value) > limit:
        errors[name] = f"At most {limit} characters."
    elif value and text_problem(value, multiline=multiline):
        errors[name] = text_problem(value, multiline=multiline) or ""
    return value


def _link(errors: dict, name: str, value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            errors[name] = "A link (https://…) is required."
        return ""
    try:
        _url(value)
    except ValidationError:
        errors[name] = "Enter a full web address starting with https:// or http://."
    return value


def _question_text(evaluation: Evaluation, key: str) -> str | None:
    for section in compiled_for(evaluation.version.document).scorecard.sections:
        for q in section.questions:
            if q.key == key:
                return q.text or key
    return None


def _check(by: User, data: SessionInput, *, times_changed: bool) -> dict:
    """The problems of a session, by field (raised as one ValidationError), and its clean values."""
    errors: dict[str, str] = {}
    clean = {"title": _text(errors, "title", data.title, required=True, limit=200)}
    if not data.agents:
        errors["agents"] = "Choose at least one agent."
    elif len(data.agents) > MAX_AGENTS:
        errors["agents"] = f"At most {MAX_AGENTS} agents in one session."
    else:
        allowed = set(agents_in_scope(viewer=by).values_list("pk", flat=True))
        for agent in data.agents:
            if agent.pk not in allowed:
                errors["agents"] = f"{agent} is not an agent in your scope."
                break
    coach = data.coach
    if coach is None or not coach.is_active or not has_perm(coach, "coaching.manage"):
        errors["coach"] = "The coach must be an active person who may coach."
    elif not user_scope(viewer=by).filter(pk=coach.pk).exists():
        errors["coach"] = f"{coach} is not in your scope."
    elif any(a.pk == coach.pk for a in data.agents):
        errors["coach"] = "Nobody coaches themselves: the coach cannot be one of the agents."
    if data.kind not in Kind.values:
        errors["kind"] = "Video meeting, in person or asynchronous."
    if not MIN_MINUTES <= (data.duration_minutes or 0) <= MAX_MINUTES:
        errors["duration_minutes"] = f"Between {MIN_MINUTES} and {MAX_MINUTES} minutes."
    now = timezone.now()
    clean["meeting_url"] = clean["location"] = clean["material"] = clean["material_url"] = ""
    clean["starts_at"] = clean["due_at"] = None
    if data.kind == Kind.ASYNC:
        if data.due_at is None:
            errors["due_at"] = "An asynchronous session needs a due date."
        elif times_changed and data.due_at < now - PAST_TOLERANCE:
            errors["due_at"] = "The due date is in the past."
        clean["due_at"] = data.due_at
        clean["material"] = _text(errors, "material", data.material, required=False, limit=5000, multiline=True)
        clean["material_url"] = _link(errors, "material_url", data.material_url, required=False)
        if not clean["material"] and not clean["material_url"] and "material" not in errors:
            errors["material"] = "Say what to go through: a text, a link, or both."
    elif data.kind in Kind.values:
        if data.starts_at is None:
            errors["starts_at"] = "Choose when the session starts."
        elif times_changed and data.starts_at < now - PAST_TOLERANCE:
            errors["starts_at"] = "The start is in the past."
        clean["starts_at"] = data.starts_at
        if data.kind == Kind.VIDEO:
            clean["meeting_url"] = _link(errors, "meeting_url", data.meeting_url, required=True)
        else:
            clean["location"] = _text(errors, "location", data.location, required=True, limit=200)
    clean["focus"] = _check_focus(by, data, errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _check_focus(by: User, data: SessionInput, errors: dict) -> list[dict]:
    if len(data.focus) > MAX_FOCUS:
        errors["focus"] = f"At most {MAX_FOCUS} focus items."
        return []
    agent_ids = {a.pk for a in data.agents}
    visible = evaluation_scope(viewer=by)
    out = []
    for n, item in enumerate(data.focus, start=1):
        row = {"kind": item.kind, "position": n, "note": (item.note or "").strip()}
        if item.kind in (FocusKind.EVALUATION, FocusKind.QUESTION):
            ev = item.evaluation
            if ev is None or not visible.filter(pk=ev.pk).exists():
                errors["focus"] = f"Focus item {n}: no evaluation you may see."
                continue
            if ev.status == EvaluationStatus.VOIDED:
                errors["focus"] = f"Focus item {n}: the evaluation of {ev.agent} is voided."
                continue
            if ev.agent_id not in agent_ids:
                errors["focus"] = f"Focus item {n}: the evaluation of {ev.agent} is not about one of the agents."
                continue
            row["evaluation"] = ev
            if item.kind == FocusKind.QUESTION:
                text = _question_text(ev, item.question_key)
                if text is None:
                    errors["focus"] = (
                        f"Focus item {n}: the evaluation's scorecard has no question {item.question_key!r}."
                    )
                    continue
                row.update(question_key=item.question_key, question_text=text[:500])
        elif item.kind == FocusKind.MOMENT:
            it = item.interaction
            if it is None or not interaction_scope(viewer=by).filter(pk=it.pk).exists():
                errors["focus"] = f"Focus item {n}: no interaction you may see."
                continue
            if item.at_seconds is None or item.at_seconds < 0:
                errors["focus"] = f"Focus item {n}: the moment needs a time (seconds from the start, 0 or more)."
                continue
            row.update(interaction=it, at_seconds=item.at_seconds)
        elif item.kind == FocusKind.NOTE:
            if not row["note"]:
                errors["focus"] = f"Focus item {n}: a note cannot be empty."
                continue
        else:
            errors["focus"] = f"Focus item {n}: unknown kind {item.kind!r}."
            continue
        if len(row["note"]) > 2000 or (row["note"] and text_problem(row["note"], multiline=True)):
            errors["focus"] = (
                f"Focus item {n}: the note is over 2000 characters or has characters that are not allowed."
            )
            continue
        out.append(row)
    return out


def payload(session: CoachingSession) -> dict:
    """The events' data (docs/coaching.md#events): ids, not objects, for subscribers in other apps."""
    agent_ids = sorted(a.agent_id for a in session.attendees.all())
    data = {
        "session_id": session.pk,
        "organization_id": ORGANIZATION_ID,
        "agent_ids": agent_ids,
        "coach_id": session.coach_id,
    }
    if session.status == Status.SCHEDULED:
        end = session.ends_at
        start = session.starts_at
        if session.kind == Kind.ASYNC:  # the time set aside before the due time, as in the invite
            start = end - timedelta(minutes=session.duration_minutes)
        data.update(
            starts_at=start.isoformat() if start else None,
            ends_at=end.isoformat() if end else None,
            title=session.title,
            kind=session.kind,
        )
    return data


def _snapshot(session: CoachingSession) -> dict:
    return {
        "title": session.title,
        "status": session.status,
        "kind": session.kind,
        "coach": session.coach_id,
        "agents": sorted(a.agent_id for a in session.attendees.all()),
        "starts_at": session.starts_at.isoformat() if session.starts_at else None,
        "duration_minutes": session.duration_minutes,
        "due_at": session.due_at.isoformat() if session.due_at else None,
        "meeting_url": session.meeting_url,
        "location": session.location,
        "sequence": session.sequence,
    }


def _write_focus(session: CoachingSession, rows: list[dict]) -> None:
    """The live focus replaced; items withdrawn (their evaluation voided or deleted) stay, for history,
    listed after it in the order they had."""
    session.focus.filter(withdrawn_at__isnull=True).delete()
    FocusItem.objects.bulk_create([FocusItem(session=session, **row) for row in rows])
    withdrawn = list(session.focus.filter(withdrawn_at__isnull=False).order_by("position", "id"))
    for n, item in enumerate(withdrawn, start=len(rows) + 1):
        item.position = n
    FocusItem.objects.bulk_update(withdrawn, ["position"])


def _reload(session: CoachingSession) -> CoachingSession:
    return CoachingSession.objects.select_related("coach").prefetch_related("attendees").get(pk=session.pk)


@transaction.atomic
def session_create(
    *,
    by: User,
    data: SessionInput,
    origin: str = Origin.PAGE,
    evaluation: Evaluation | None = None,
    dispute: Dispute | None = None,
) -> CoachingSession:
    """Schedule a session. ``evaluation``/``dispute``: where it was made from, kept as its origin (the
    evaluation page lists the sessions made from it)."""
    require(by, "coaching.manage")
    clean = _check(by, data, times_changed=True)
    if origin not in Origin.values:
        raise ValidationError({"origin": "Unknown origin."})
    session = CoachingSession.objects.create(
        title=clean["title"],
        coach=data.coach,
        kind=data.kind,
        starts_at=clean["starts_at"],
        duration_minutes=data.duration_minutes,
        meeting_url=clean["meeting_url"],
        location=clean["location"],
        due_at=clean["due_at"],
        material=clean["material"],
        material_url=clean["material_url"],
        origin=origin,
        evaluation=evaluation,
        dispute=dispute,
        created_by=by,
    )
    Attendee.objects.bulk_create([Attendee(session=session, agent=a) for a in data.agents])
    _write_focus(session, clean["focus"])
    session = _reload(session)
    publish(
        Name.COACHING_SCHEDULED,
        subject=session,
        actor=by,
        data=payload(session),
        audit=AuditTrail(after=_snapshot(session)),
    )
    return session


def _locked(session: CoachingSession) -> CoachingSession:
    return CoachingSession.objects.select_for_update().get(pk=session.pk)


def _require_manager(by: User, session: CoachingSession) -> None:
    require(by, "coaching.manage")
    if policies.is_agent_of(by, session):
        raise PermissionDenied("Nobody manages a coaching session they attend as an agent.")


def _refuse(session: CoachingSession, action: str, allowed: tuple[str, ...]) -> None:
    if session.status not in allowed:
        raise ValidationError({"status": f"A {session.get_status_display().lower()} session cannot be {action}."})


INVITE_FIELDS = ("title", "kind", "starts_at", "duration_minutes", "meeting_url", "location", "due_at", "coach_id")


@transaction.atomic
def session_update(*, by: User, session: CoachingSession, data: SessionInput) -> CoachingSession:
    """Edit a scheduled (or missed) session. A change the calendars must follow (time, type, place,
    people, title) bumps the invite's SEQUENCE and publishes ``coaching.rescheduled`` (a missed session
    rescheduled is scheduled again); a change of the focus or material only is ``coaching.updated``."""
    session = _reload(_locked(session))
    _require_manager(by, session)
    _refuse(session, "edited", (Status.SCHEDULED, Status.MISSED))
    times_changed = session.status == Status.MISSED or (
        (data.starts_at != session.starts_at) if data.kind != Kind.ASYNC else (data.due_at != session.due_at)
    )
    clean = _check(by, data, times_changed=times_changed)
    before = _snapshot(session)
    old = {f: getattr(session, f) for f in INVITE_FIELDS}
    old_agents = {a.agent_id for a in session.attendees.all()}
    session.title = clean["title"]
    session.coach = data.coach
    session.kind = data.kind
    session.starts_at = clean["starts_at"]
    session.duration_minutes = data.duration_minutes
    session.meeting_url = clean["meeting_url"]
    session.location = clean["location"]
    session.due_at = clean["due_at"]
    session.material = clean["material"]
    session.material_url = clean["material_url"]
    new_agents = {a.pk for a in data.agents}
    invite_changed = (
        any(getattr(session, f) != v for f, v in old.items())
        or new_agents != old_agents
        or session.status == Status.MISSED
    )
    if invite_changed:
        session.sequence += 1
        session.status = Status.SCHEDULED
        session.closed_at = None
    session.save()
    Attendee.objects.filter(session=session).exclude(agent_id__in=new_agents).delete()
    Attendee.objects.bulk_create([Attendee(session=session, agent=a) for a in data.agents if a.pk not in old_agents])
    _write_focus(session, clean["focus"])
    session = _reload(session)
    data_out = payload(session)
    if invite_changed:
        data_out["removed_agent_ids"] = sorted(old_agents - new_agents)
    publish(
        Name.COACHING_RESCHEDULED if invite_changed else Name.COACHING_UPDATED,
        subject=session,
        actor=by,
        data=data_out,
        audit=AuditTrail(before=before, after=_snapshot(session)),
    )
    return session


@transaction.atomic
def session_complete(
    *, by: User, session: CoachingSession, outcome_notes: str, follow_ups: list[str]
) -> CoachingSession:
    """Close a scheduled or missed session as held, with its outcome and follow-up actions."""
    session = _reload(_locked(session))
    _require_manager(by, session)
    _refuse(session, "completed", (Status.SCHEDULED, Status.MISSED))
    errors: dict[str, str] = {}
    notes = _text(errors, "outcome_notes", outcome_notes, required=True, limit=10_000, multiline=True)
    items = [t.strip() for t in follow_ups if t and t.strip()]
    if len(items) > MAX_FOLLOW_UPS:
        errors["follow_ups"] = f"At most {MAX_FOLLOW_UPS} follow-up actions."
    for n, text in enumerate(items, start=1):
        if len(text) > 300 or text_problem(text):
            errors["follow_ups"] = f"Follow-up {n}: one line of at most 300 characters."
            break
    if errors:
        raise ValidationError(errors)
    before = _snapshot(session)
    now = timezone.now()
    session.status = Status.COMPLETED
    session.outcome_notes = notes
    session.completed_at = session.closed_at = now
    session.save(update_fields=["status", "outcome_notes", "completed_at", "closed_at", "updated_at"])
    FollowUp.objects.bulk_create([FollowUp(session=session, text=t, position=n) for n, t in enumerate(items)])
    publish(
        Name.COACHING_COMPLETED,
        subject=session,
        actor=by,
        data=payload(session),
        audit=AuditTrail(before=before, after=_snapshot(session)),
    )
    return session


@transaction.atomic
def session_cancel(*, by: User, session: CoachingSession, reason: str = "") -> CoachingSession:
    """Call a scheduled session off: the agents' calendars get a cancellation (same UID, next SEQUENCE)."""
    session = _reload(_locked(session))
    _require_manager(by, session)
    _refuse(session, "cancelled", (Status.SCHEDULED,))
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, required=False, limit=300)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(session)
    session.status = Status.CANCELLED
    session.cancel_reason = reason
    session.closed_at = timezone.now()
    session.sequence += 1
    session.save(update_fields=["status", "cancel_reason", "closed_at", "sequence", "updated_at"])
    publish(
        Name.COACHING_CANCELLED,
        subject=session,
        actor=by,
        data={**payload(session), "reason": reason},
        audit=AuditTrail(before=before, after=_snapshot(session)),
    )
    return session


@transaction.atomic
def session_mark_missed(*, by: User | None, session: CoachingSession) -> CoachingSession:
    """A scheduled session that did not happen. ``by`` None: the periodic sweep (docs/coaching.md#missed)."""
    session = _reload(_locked(session))
    if by is not None:
        _require_manager(by, session)
    _refuse(session, "marked missed", (Status.SCHEDULED,))
    end = session.ends_at
    if by is not None and end is not None and end > timezone.now():
        raise ValidationError({"status": "A session that has not ended yet cannot be marked missed."})
    before = _snapshot(session)
    session.status = Status.MISSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at", "updated_at"])
    publish(
        Name.COACHING_MISSED,
        subject=session,
        actor=by,
        data=payload(session),
        audit=AuditTrail(before=before, after=_snapshot(session)),
    )
    return session


def mark_missed_due(*, now: datetime | None = None) -> int:
    """The periodic sweep: every scheduled session whose end (an asynchronous one's due time) is more
    than MISSED_GRACE ago becomes missed. Idempotent: a second run finds nothing."""
    cutoff = (now or timezone.now()) - MISSED_GRACE
    candidates = CoachingSession.objects.filter(status=Status.SCHEDULED).filter(
        # the live sessions' start is at most MAX_MINUTES before their end
        starts_at__lt=cutoff,
    ) | CoachingSession.objects.filter(status=Status.SCHEDULED, kind=Kind.ASYNC, due_at__lt=cutoff)
    n = 0
    for session in candidates.distinct():
        end = session.ends_at
        if end is not None and end < cutoff:
            try:
                session_mark_missed(by=None, session=session)
                n += 1
            except ValidationError:  # closed meanwhile by its coach
                continue
    return n


@transaction.atomic
def session_acknowledge(*, by: User, session: CoachingSession) -> CoachingSession:
    """An agent of the session acknowledges it (once)."""
    session = _reload(_locked(session))
    seat = Attendee.objects.filter(session=session, agent=by).first()
    if seat is None:
        raise PermissionDenied("Only the session's agents acknowledge it.")
    _refuse(session, "acknowledged", (Status.SCHEDULED, Status.COMPLETED))
    if seat.acknowledged_at is not None:
        raise ValidationError({"status": f"You acknowledged this session on {seat.acknowledged_at:%Y-%m-%d}."})
    seat.acknowledged_at = timezone.now()
    seat.save(update_fields=["acknowledged_at"])
    publish(
        Name.COACHING_ACKNOWLEDGED,
        subject=session,
        actor=by,
        data={**payload(session), "agent_id": by.pk},
        audit=AuditTrail(after={"acknowledged_by": by.pk}),
    )
    return session


@transaction.atomic
def follow_up_set_done(*, by: User, follow_up: FollowUp, done: bool) -> FollowUp:
    """Tick (or untick) a follow-up action: the session's agents and those who manage it."""
    session = _reload(follow_up.session)
    if not policies.may_tick(by, session):
        raise PermissionDenied("Only the session's agents and its coaches tick its follow-up actions.")
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if (follow_up.done_at is not None) == done:
        return follow_up
    follow_up.done_at = timezone.now() if done else None
    follow_up.done_by = by if done else None
    follow_up.save(update_fields=["done_at", "done_by", "updated_at"])
    publish(
        Name.COACHING_UPDATED,
        subject=session,
        actor=by,
        data={**payload(session), "follow_up": follow_up.pk, "done": done},
        audit=AuditTrail(after={"follow_up": follow_up.text, "done": done}),
    )
    return follow_up
