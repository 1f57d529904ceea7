"""The evaluation workflow (docs/evaluations.md). Every transition is a service: it asks the policies
who may do it, checks from which status, writes, and publishes one domain event. What follows from the
event — the evaluation's history, the audit log, analytics, notifications — is wired in cxq/wiring.py.

Statuses: draft → completed → (acknowledgement required) awaiting_ack → acknowledged, or
disputed → (adjusted: a new revision, or re-affirmed) → awaiting_ack again. Manual evaluations can
be voided with a reason; automated ones can be deleted for good.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxq.accounts.models import OrgSettings, User
from cxq.accounts.permissions import require
from cxq.accounts.selectors import local_text
from cxq.evaluations import policies
from cxq.evaluations.choices import AssignmentStatus, DisputeResponse, Source, Status
from cxq.evaluations.models import Assignment, Dispute, DisputeItem, Evaluation, Revision
from cxq.evaluations.sources import source_policy
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction
from cxq.lib.durations import clock
from cxq.lib.text import count
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scoring import AnswerError, ScoreResult, normalize_answers, round_half_up, score
from cxq.scoring.engine import missing_required


class StaleEdit(ValidationError):
    """Someone saved this evaluation since it was loaded (docs/evaluations.md#concurrent-edits)."""


def score_answers(evaluation: Evaluation, answers: dict) -> tuple[dict, ScoreResult]:
    """Validate raw answers against the pinned version and score them (the one scoring path)."""
    compiled = compiled_for(evaluation.version.document)
    try:
        clean = normalize_answers(compiled, answers)
    except AnswerError as exc:
        raise ValidationError({f"answers.{exc.key}" if exc.key else "answers": exc.message}) from None
    return clean, score(compiled, clean)


def _store(evaluation: Evaluation, result: ScoreResult) -> None:
    def dec(value):
        return None if value is None else Decimal(round_half_up(value))

    evaluation.score_percent = dec(result.score_percent)
    evaluation.earned = dec(result.earned)
    evaluation.possible = dec(result.possible)
    evaluation.passed = result.passed
    evaluation.auto_failed = result.auto_failed


def _check_lock(evaluation: Evaluation, lock_version: int | None) -> None:
    if lock_version is not None and int(lock_version) != evaluation.lock_version:
        raise StaleEdit(
            {
                "lock_version": "This evaluation was saved again since you loaded it (in another tab or window); "
                "reload to see that newer version before changing anything."
            },
            code="stale",
        )


def _clean_comments(raw: dict | None, keys: set[str]) -> dict:
    comments = {}
    for key, text in (raw or {}).items():
        if key not in keys:
            raise ValidationError({"question_comments": f"No question has the key {key!r}."})
        text = str(text or "").strip()
        if len(text) > 5000:
            raise ValidationError({f"question_comments.{key}": "Keep comments under 5000 characters."})
        if text:
            comments[key] = text
    return comments


# --- Start, save, submit --------------------------------------------------------------------------


@transaction.atomic
def evaluation_start(
    *,
    by: User,
    interaction: Interaction,
    scorecard: Scorecard,
    agent: User | None = None,
    assignment: Assignment | None = None,
    source: str = Source.MANUAL,
    version: ScorecardVersion | None = None,
) -> Evaluation:
    """A draft with the scorecard's default answers pre-selected (docs/evaluations.md#starting-an-evaluation).
    ``version`` pins an older
    published version (a calibration session scores everyone against the version it was created with)."""
    require(by, "evaluations.create")
    refusal = policies.evaluate_refusal(by, interaction)
    if refusal:
        raise PermissionDenied(refusal)
    scorecard = Scorecard.objects.select_related("current_version").get(pk=scorecard.pk)  # status as of now
    if not scorecard.is_usable:
        raise ValidationError({"scorecard": "Only published scorecards can be used to evaluate."})
    agent = agent or interaction.agent
    if agent is None:
        raise ValidationError({"agent": "This interaction has no agent; choose the agent to evaluate."})
    if agent.pk not in policies.handler_ids(interaction):
        raise ValidationError({"agent": f"{agent} did not handle this interaction."})
    if assignment is not None:
        if assignment.assignee_id != by.pk:
            raise PermissionDenied("This task is assigned to someone else.")
        if assignment.status != AssignmentStatus.OPEN:
            raise ValidationError({"assignment": "This task is already done."})
        if assignment.interaction_id != interaction.pk or assignment.scorecard_id != scorecard.pk:
            raise ValidationError(
                {"assignment": "This task is for another interaction or scorecard; open it from the task."}
            )
        source = assignment.source
    if version is not None and version.scorecard_id != scorecard.pk:
        raise ValidationError({"version": "This version belongs to another scorecard."})
    version = version or scorecard.current_version
    defaults = {
        q["key"]: q["default"] for s in version.document["sections"] for q in s["questions"] if q["default"] is not None
    }
    evaluation = Evaluation(
        interaction=interaction,
        agent=agent,
        agent_name=agent.full_name,
        evaluator=by,
        team=interaction.team,
        scorecard=scorecard,
        version=version,
        assignment=assignment,
        source=source,
        status=Status.DRAFT,
    )
    clean, result = score_answers(evaluation, defaults)
    evaluation.answers = clean
    _store(evaluation, result)
    evaluation.save()
    publish(Name.EVALUATION_STARTED, subject=evaluation, actor=by, data={"version": version.number})
    return evaluation


@transaction.atomic
def evaluation_save(
    *,
    by: User,
    evaluation: Evaluation,
    answers: dict,
    question_comments: dict | None = None,
    comment: str = "",
    lock_version: int | None = None,
) -> Evaluation:
    """Save a draft (autosave). Refuses a stale save (docs/evaluations.md#concurrent-edits) and anyone but the
    evaluator."""
    evaluation = Evaluation.objects.select_for_update().select_related("version").get(pk=evaluation.pk)
    if evaluation.evaluator_id != by.pk:
        raise PermissionDenied("Only the evaluator can change this evaluation.")
    if evaluation.status != Status.DRAFT:
        raise ValidationError({"status": "This evaluation is submitted; changes go through a dispute."})
    _check_lock(evaluation, lock_version)
    clean, result = score_answers(evaluation, answers)
    keys = {q.key for q in compiled_for(evaluation.version.document).scorecard.questions()}
    evaluation.answers = clean
    evaluation.question_comments = _clean_comments(question_comments, keys)
    evaluation.comment = (comment or "").strip()[:20000]
    _store(evaluation, result)
    evaluation.lock_version = F("lock_version") + 1
    evaluation.save()
    evaluation.refresh_from_db()
    return evaluation


@transaction.atomic
def evaluation_submit(*, by: User, evaluation: Evaluation, lock_version: int | None = None) -> Evaluation:
    """Complete the evaluation: all required visible questions answered; a first revision is kept;
    the agent is told (not for calibrations); acknowledgement starts when the organisation asks for it."""
    evaluation = Evaluation.objects.select_for_update().select_related("version", "agent").get(pk=evaluation.pk)
    if evaluation.evaluator_id != by.pk:
        raise PermissionDenied("Only the evaluator can submit this evaluation.")
    if evaluation.status != Status.DRAFT:
        raise ValidationError({"status": "This evaluation is already submitted."})
    _check_lock(evaluation, lock_version)
    compiled = compiled_for(evaluation.version.document)
    missing = missing_required(compiled, evaluation.answers)
    if missing:
        titles = {q.key: q.text for q in compiled.scorecard.questions()}
        raise ValidationError({"answers": [f"Answer “{titles[k]}” (required)." for k in missing]}, code="missing")
    _, result = score_answers(evaluation, evaluation.answers)
    _store(evaluation, result)
    now = timezone.now()
    # an automated evaluation a person took over already has the system's revision 1
    evaluation.revision += 1
    Revision.objects.create(
        evaluation=evaluation,
        number=evaluation.revision,
        answers=evaluation.answers,
        question_comments=evaluation.question_comments,
        comment=evaluation.comment,
        result=result.as_json(),
        created_by=by,
        reason="Submitted" if evaluation.revision == 1 else f"Completed by {by}",
    )
    evaluation.completed_at = now
    _await_ack(evaluation, now)
    evaluation.lock_version = F("lock_version") + 1
    evaluation.save()
    evaluation.refresh_from_db()
    if evaluation.assignment_id:
        Assignment.objects.filter(pk=evaluation.assignment_id).update(status=AssignmentStatus.DONE, completed_at=now)
    result_data = {"score": str(evaluation.score_percent), "passed": evaluation.passed}
    publish(
        Name.EVALUATION_COMPLETED,
        subject=evaluation,
        actor=by,
        data=result_data,
        audit=AuditTrail(after={"score_percent": str(evaluation.score_percent), "passed": evaluation.passed}),
    )
    return evaluation


def _await_ack(evaluation: Evaluation, now: datetime) -> None:
    org = OrgSettings.get()
    if org.acknowledgement_required and source_policy(evaluation.source).needs_acknowledgement:
        evaluation.status = Status.AWAITING_ACK
        evaluation.ack_due_at = now + timedelta(days=org.acknowledgement_days)
    else:
        evaluation.status = Status.COMPLETED
        evaluation.ack_due_at = None


# --- Agent: acknowledge or dispute ----------------------------------------------------------------


def _require_agent(by: User, evaluation: Evaluation) -> None:
    if evaluation.agent_id != by.pk:
        raise PermissionDenied("Only the evaluated agent can do this.")


@transaction.atomic
def evaluation_acknowledge(*, by: User, evaluation: Evaluation) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    _require_agent(by, evaluation)
    if evaluation.status not in (Status.AWAITING_ACK, Status.COMPLETED):
        raise ValidationError(
            {"status": f"An evaluation that is {evaluation.get_status_display().lower()} cannot be acknowledged."}
        )
    evaluation.status = Status.ACKNOWLEDGED
    evaluation.acknowledged_at = timezone.now()
    evaluation.save(update_fields=["status", "acknowledged_at", "updated_at"])
    publish(Name.EVALUATION_ACKNOWLEDGED, subject=evaluation, actor=by)
    return evaluation


def dispute_closed_reason(evaluation: Evaluation) -> str | None:
    """Why the agent cannot dispute this evaluation now, or None when they can (docs/evaluations.md#disputes
    settings)."""
    if not source_policy(evaluation.source).disputable:
        return "This kind of evaluation cannot be disputed."
    if evaluation.status not in (Status.AWAITING_ACK, Status.COMPLETED):
        return "Only a completed evaluation can be disputed."
    org = OrgSettings.get()
    if evaluation.completed_at and timezone.now() > evaluation.completed_at + timedelta(days=org.dispute_window_days):
        return f"The dispute window ({org.dispute_window_days} days) has passed."
    if evaluation.disputes.count() >= org.max_disputes:
        return f"It has already been disputed {count(org.max_disputes, 'time')}, the most allowed."
    return None


@transaction.atomic
def evaluation_dispute(
    *, by: User, evaluation: Evaluation, items: list[tuple[str, str] | tuple[str, str, float | None]], note: str = ""
) -> Dispute:
    """The agent disputes specific answers, each with a reason and, optionally, the moment of the
    recording it is about in seconds (docs/evaluations.md#disputes)."""
    evaluation = (
        Evaluation.objects.select_for_update()
        .select_related("version", "evaluator", "interaction")
        .get(pk=evaluation.pk)
    )
    _require_agent(by, evaluation)
    require(by, "evaluations.respond")  # as the dispute page does: the API is no way around it
    closed = dispute_closed_reason(evaluation)
    if closed:
        raise ValidationError({"status": closed})
    keys = {q.key for q in compiled_for(evaluation.version.document).scorecard.questions()}
    if not items:
        raise ValidationError({"items": "Choose at least one answer you disagree with."})
    items = [(item[0], item[1], item[2] if len(item) > 2 else None) for item in items]
    length = evaluation.interaction.duration_seconds or 0
    seen = set()
    for key, reason, at in items:
        if at is not None and not (math.isfinite(at) and 0 <= at <= length):
            raise ValidationError(
                {f"items.{key}.at": f"Give a moment between 0:00 and {clock(length)} of the recording."}
            )
        if key not in keys:
            raise ValidationError({"items": f"No question has the key {key!r}."})
        if key in seen:
            raise ValidationError({"items": f"The question {key!r} is listed twice."})
        if not (reason or "").strip():
            raise ValidationError({f"items.{key}": "Say why you disagree with this answer."})
        seen.add(key)
    respond_by = timezone.now() + timedelta(days=OrgSettings.get().dispute_response_days)
    dispute = Dispute.objects.create(
        evaluation=evaluation, raised_by=by, note=(note or "").strip(), respond_by=respond_by
    )
    DisputeItem.objects.bulk_create(
        [DisputeItem(dispute=dispute, question_key=k, reason=r.strip(), at_seconds=at) for k, r, at in items]
    )
    evaluation.status = Status.DISPUTED
    evaluation.ack_due_at = None
    evaluation.save(update_fields=["status", "ack_due_at", "updated_at"])
    publish(
        Name.EVALUATION_DISPUTED,
        subject=evaluation,
        actor=by,
        data={"questions": [k for k, _, _ in items], "note": (note or "").strip()},
    )
    return dispute


@transaction.atomic
def dispute_respond(
    *, by: User, evaluation: Evaluation, responses: dict[str, tuple[str, str, str | int | None]]
) -> Evaluation:
    """The evaluator answers every disputed question: adjust (with the new answer) or re-affirm (with
    a note). Any adjustment makes a new revision with a recomputed score; older revisions stay."""
    evaluation = Evaluation.objects.select_for_update().select_related("version", "agent").get(pk=evaluation.pk)
    refusal = policies.respond_refusal(by, evaluation)
    if refusal:
        raise PermissionDenied(refusal)
    if evaluation.status != Status.DISPUTED:
        raise ValidationError({"status": "There is no open dispute on this evaluation."})
    dispute = evaluation.disputes.filter(resolved_at__isnull=True).prefetch_related("items").first()
    items = list(dispute.items.all())
    answers = dict(evaluation.answers)
    adjusted = []
    for item in items:
        choice = responses.get(item.question_key)
        if choice is None:
            raise ValidationError({f"responses.{item.question_key}": "Answer every disputed question."})
        kind, note, new_answer = choice
        if kind == DisputeResponse.ADJUST:
            if new_answer in (None, ""):
                raise ValidationError({f"responses.{item.question_key}": "Choose the corrected answer."})
            answers[item.question_key] = new_answer
            adjusted.append(item.question_key)
        elif kind == DisputeResponse.REAFFIRM:
            if not (note or "").strip():
                raise ValidationError({f"responses.{item.question_key}": "Explain why the answer stands."})
        else:
            raise ValidationError({f"responses.{item.question_key}": "Adjust or re-affirm."})
        item.response, item.response_note, item.new_answer = kind, (note or "").strip(), str(new_answer or "")
    before = {"score_percent": str(evaluation.score_percent), "revision": evaluation.revision}
    if adjusted:
        clean, result = score_answers(evaluation, answers)
        evaluation.answers = clean
        _store(evaluation, result)
        evaluation.revision += 1
        Revision.objects.create(
            evaluation=evaluation,
            number=evaluation.revision,
            answers=clean,
            question_comments=evaluation.question_comments,
            comment=evaluation.comment,
            result=result.as_json(),
            created_by=by,
            reason="Adjusted after dispute: " + ", ".join(adjusted),
        )
    DisputeItem.objects.bulk_update(items, ["response", "response_note", "new_answer"])
    now = timezone.now()
    dispute.resolved_at, dispute.resolved_by = now, by
    dispute.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    _await_ack(evaluation, now)
    evaluation.lock_version = F("lock_version") + 1
    evaluation.save()
    evaluation.refresh_from_db()
    after = {"score_percent": str(evaluation.score_percent), "revision": evaluation.revision}
    publish(
        Name.EVALUATION_DISPUTE_ANSWERED,
        subject=evaluation,
        actor=by,
        data={
            "adjusted": adjusted,
            "reaffirmed": [i.question_key for i in items if i.response == DisputeResponse.REAFFIRM],
        },
        audit=AuditTrail(before=before, after=after) if adjusted else None,  # a score change is audited
    )
    return evaluation


# --- Acknowledgement sweep, void, delete -----------------------------------------------------------


def auto_acknowledge_due(*, now: datetime | None = None) -> int:
    """Acknowledge every evaluation whose acknowledgement time ran out (docs/evaluations.md#acknowledgement);
    idempotent."""
    now = now or timezone.now()
    done = 0
    for evaluation in Evaluation.objects.filter(status=Status.AWAITING_ACK, ack_due_at__lte=now).only("pk"):
        with transaction.atomic():
            changed = Evaluation.objects.filter(pk=evaluation.pk, status=Status.AWAITING_ACK).update(
                status=Status.ACKNOWLEDGED, acknowledged_at=now, auto_acknowledged=True, updated_at=now
            )
            if changed:
                publish(Name.EVALUATION_AUTO_ACKNOWLEDGED, subject=evaluation)
                done += 1
    return done


@transaction.atomic
def evaluation_void(*, by: User, evaluation: Evaluation, reason: str) -> Evaluation:
    """Manual evaluations are never deleted, only voided with a reason (docs/evaluations.md#void-and-delete)."""
    require(by, "evaluations.void")
    if evaluation.agent_id == by.pk:
        raise PermissionDenied("This is your own evaluation: someone else decides whether it is void.")
    if source_policy(evaluation.source).removal != "void":
        raise ValidationError({"source": "Automated evaluations are deleted, not voided."})
    if evaluation.status == Status.VOIDED:
        raise ValidationError({"status": "Already voided."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why this evaluation is void."})
    before = {"status": evaluation.status, "score_percent": str(evaluation.score_percent)}
    evaluation.status = Status.VOIDED
    evaluation.voided_at = timezone.now()
    evaluation.void_reason = reason.strip()
    evaluation.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    publish(
        Name.EVALUATION_VOIDED,
        subject=evaluation,
        actor=by,
        data={"reason": evaluation.void_reason},
        audit=AuditTrail(before=before, after={"status": "voided", "reason": evaluation.void_reason}),
    )
    return evaluation


@transaction.atomic
def calibration_draft_withdraw(*, by: User | None, evaluation: Evaluation, reason: str) -> Evaluation:
    """A calibration draft whose assessor was removed, or whose session closed before they submitted,
    is voided so it can no longer be saved or submitted (the calibrations app decides when)."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not source_policy(evaluation.source).withdrawable or evaluation.status != Status.DRAFT:
        raise ValidationError({"status": "Only a calibration draft can be withdrawn."})
    evaluation.status = Status.VOIDED
    evaluation.voided_at = timezone.now()
    evaluation.void_reason = reason
    evaluation.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    publish(Name.EVALUATION_VOIDED, subject=evaluation, actor=by, data={"reason": reason})
    return evaluation


@transaction.atomic
def calibration_draft_restore(*, by: User | None, evaluation: Evaluation) -> Evaluation:
    """An assessor added back to an open session gets back the draft that was withdrawn when they were
    removed, as they left it — never a fresh seat (docs/calibrations.md, "Removing and re-adding")."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not source_policy(evaluation.source).withdrawable or evaluation.status != Status.VOIDED:
        raise ValidationError({"status": "Only a withdrawn calibration draft can be restored."})
    evaluation.status = Status.DRAFT
    evaluation.voided_at = None
    evaluation.void_reason = ""
    evaluation.lock_version = F("lock_version") + 1
    evaluation.save(update_fields=["status", "voided_at", "void_reason", "lock_version", "updated_at"])
    evaluation.refresh_from_db()
    publish(Name.EVALUATION_RESTORED, subject=evaluation, actor=by)
    return evaluation


@transaction.atomic
def evaluation_delete_automated(*, by: User, evaluation: Evaluation) -> None:
    """Automated evaluations can be deleted for good; the audit keeps that it happened, not what it said."""
    require(by, "evaluations.delete_automated")
    if evaluation.agent_id == by.pk:
        raise PermissionDenied("This is your own evaluation: someone else decides whether it is deleted.")
    if source_policy(evaluation.source).removal != "delete":
        raise ValidationError({"source": "Only automated evaluations can be deleted; void a manual one."})
    publish(
        Name.EVALUATION_DELETED,
        subject=evaluation,
        actor=by,
        data={"evaluation_id": evaluation.pk},
        audit=AuditTrail(object_repr=f"automated evaluation of {evaluation.agent}"),
    )
    evaluation.delete()


@transaction.atomic
def evaluation_discard(*, by: User, evaluation: Evaluation) -> None:
    """The evaluator deletes their own draft (docs/evaluations.md#discarding-a-draft). A draft never counted
    anywhere, so nothing but the audit log keeps that it happened; a task it was started from stays open."""
    evaluation = Evaluation.objects.select_for_update().select_related("agent", "interaction").get(pk=evaluation.pk)
    refusal = policies.discard_refusal(by, evaluation)
    if refusal:
        if evaluation.evaluator_id != by.pk:
            raise PermissionDenied(refusal)
        raise ValidationError({"status": refusal})
    publish(
        Name.EVALUATION_DISCARDED,
        subject=evaluation,
        actor=by,
        data={"evaluation_id": evaluation.pk},
        audit=AuditTrail(
            object_repr=f"draft evaluation of {evaluation.agent}",
            before={"status": Status.DRAFT, "interaction": str(evaluation.interaction.uuid)},
        ),
    )
    evaluation.delete()


# --- Assignments ------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    by: User,
    interaction: Interaction,
    scorecard: Scorecard,
    assignee: User,
    due_at: datetime,
    note: str = "",
) -> Assignment:
    """Ask someone to evaluate an interaction (docs/evaluations.md#assignments): email with a direct link, scorecard and
    due date."""
    require(by, "evaluations.assign")
    refusal = policies.assign_refusal(by, interaction)
    if refusal:
        raise PermissionDenied(refusal)
    scorecard = Scorecard.objects.get(pk=scorecard.pk)
    if not scorecard.is_usable:
        raise ValidationError({"scorecard": "Only published scorecards can be assigned."})
    refusal = policies.assignee_refusal(assignee, interaction)
    if refusal:
        raise ValidationError({"assignee": refusal})
    if due_at <= timezone.now():
        raise ValidationError({"due_at": "The due date must be in the future."})
    assignment = Assignment.objects.create(
        interaction=interaction,
        scorecard=scorecard,
        assignee=assignee,
        assigned_by=by,
        due_at=due_at,
        note=(note or "").strip(),
    )
    due = local_text(assignee, due_at)
    publish(
        Name.ASSIGNMENT_CREATED,
        subject=assignment,
        actor=by,
        audit=AuditTrail(after={"assignee": assignee.email, "scorecard": scorecard.name, "due": due}),
    )
    return assignment


def assignments_create_for(
    *,
    source: str,
    scorecard: Scorecard,
    due_at: datetime,
    tasks: list[tuple[int, int]],
    note: str = "",
) -> list[int]:
    """Tasks a goal or an automation draws (docs/evaluations.md#assignments), in the caller's transaction;
    returns their ids in the order of ``tasks`` ((interaction id, assignee id) pairs).
    No person asks, so no permission of one is checked; each assignee must still be free to evaluate
    their interaction (:func:`policies.assignee_refusal`, checked by the caller in bulk). The caller
    publishes one event for the batch: its tasks appear in each assignee's task list. Rows are written
    without a model instance each (a goal draws hundreds at once, docs/goals.md#speed)."""
    from uuid import uuid4

    from cxq.lib.db import insert_returning_ids

    if source not in (Source.GOAL, Source.AUTOMATION):
        raise ValueError(f"Tasks from {source!r} are created by a person: assignment_create")
    if not Scorecard.objects.get(pk=scorecard.pk).is_usable:
        raise ValidationError({"scorecard": "Only published scorecards can be assigned."})
    now = timezone.now()
    columns = ("uuid", "created_at", "updated_at", "interaction", "scorecard", "assignee", "due_at", "status")
    columns += ("source", "note")
    rows = [
        (uuid4(), now, now, interaction_id, scorecard.pk, assignee_id, due_at, AssignmentStatus.OPEN, source, note)
        for interaction_id, assignee_id in tasks
    ]
    return insert_returning_ids(Assignment, columns, rows)


@transaction.atomic
def assignment_extend(*, by: User, assignment: Assignment, due_at: datetime) -> Assignment:
    require(by, "evaluations.assign")
    if assignment.status != AssignmentStatus.OPEN:
        raise ValidationError({"status": "Only open tasks can be extended."})
    if due_at <= assignment.due_at:
        raise ValidationError({"due_at": "Extend to a later date than the current one."})
    before = assignment.due_at.isoformat()
    assignment.due_at = due_at
    assignment.save(update_fields=["due_at", "updated_at"])
    publish(
        Name.ASSIGNMENT_EXTENDED,
        subject=assignment,
        actor=by,
        audit=AuditTrail(before={"due": before}, after={"due": due_at.isoformat()}),
    )
    return assignment


@dataclass
class BulkAssignReport:
    """What a bulk assignment did (docs/api.md#bulk-assign): the tasks made, and per refused item its
    position in the request, the interaction's id and why."""

    created: list[Assignment] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _pool_pick(pool: list[User], interaction: Interaction, load: dict[int, int], turn: list[int], distribution: str):
    """The pool member to give the task to: the next in turn (round-robin) or the one with the fewest open
    tasks, counting the ones just given (least-loaded); only members who may evaluate it."""
    fit = [u for u in pool if policies.assignee_refusal(u, interaction) is None]
    if not fit:
        return None
    if distribution == "least_loaded":
        return min(fit, key=lambda u: (load[u.pk], pool.index(u)))
    for step in range(len(pool)):
        candidate = pool[(turn[0] + step) % len(pool)]
        if candidate in fit:
            turn[0] = (pool.index(candidate) + 1) % len(pool)
            return candidate
    return None


@transaction.atomic
def assignment_bulk_create(
    *,
    by: User,
    interactions: Sequence[Interaction | None],
    scorecard: Scorecard,
    assignees: Sequence[User],
    due_at: datetime,
    note: str = "",
    distribution: str = "round_robin",
    all_or_nothing: bool = True,
) -> BulkAssignReport:
    """Evaluation tasks for many interactions at once (docs/api.md#bulk-assign): to one evaluator, or spread
    over a pool (round-robin or least-loaded). Each item goes through :func:`assignment_create` (same checks,
    same event per task) in its own savepoint. ``None`` in ``interactions``: an id outside the viewer's
    scope. ``all_or_nothing``: any refused item refuses the whole request (a ValidationError naming every
    item, nothing created); otherwise the others are created and the refused ones reported."""
    require(by, "evaluations.assign")
    if not assignees:
        raise ValidationError({"assignee": "Name an evaluator or a pool."})
    load = {u.pk: Assignment.objects.filter(assignee=u, status=AssignmentStatus.OPEN).count() for u in assignees}
    turn = [0]
    pool = list(assignees)
    report = BulkAssignReport()
    for index, interaction in enumerate(interactions):
        where = f"interactions[{index}]"
        if interaction is None:
            report.errors.append(
                {"index": index, "field": where, "detail": "No interaction in your scope has this id."}
            )
            continue
        assignee = pool[0] if len(pool) == 1 else _pool_pick(pool, interaction, load, turn, distribution)
        if assignee is None:
            report.errors.append({"index": index, "field": where, "detail": "Nobody in the pool may evaluate it."})
            continue
        try:
            with transaction.atomic():
                task = assignment_create(
                    by=by, interaction=interaction, scorecard=scorecard, assignee=assignee, due_at=due_at, note=note
                )
        except (ValidationError, PermissionDenied) as exc:
            report.errors.append({"index": index, "field": where, "detail": " ".join(exc.messages)})
            continue
        load[assignee.pk] += 1
        report.created.append(task)
    if report.errors and all_or_nothing:
        raise ValidationError({e["field"]: e["detail"] for e in report.errors})
    return report
