"""Calibration sessions (docs/calibrations.md#the-session, docs/calibrations.md#the-sessions-list): create, add/remove
assessors, start one's evaluation, close.

An assessor scores with the ordinary evaluation form and services: their Evaluation has
source="calibration" and is pinned to the session's scorecard version. Submitting it completes it
without acknowledgement, dispute or agent notification (see cxq.evaluations.services).

The benchmark (expert) assessor is one of the assessors: naming someone as benchmark adds them to
the assessors if they were not ticked, and they count towards the two or more.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import require
from cxq.calibrations.choices import SessionStatus
from cxq.calibrations.models import Assessor, Session
from cxq.calibrations.policies import assessor_refusal
from cxq.calibrations.selectors import can_manage
from cxq.evaluations.choices import Source, Status
from cxq.evaluations.models import Evaluation
from cxq.evaluations.policies import can_see_interaction
from cxq.evaluations.services import (
    calibration_draft_restore,
    calibration_draft_withdraw,
    evaluation_start,
)
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction
from cxq.scorecards.models import Scorecard

MIN_ASSESSORS = 2


def _check_assessor(user: User, interaction: Interaction) -> None:
    refusal = assessor_refusal(user, interaction)
    if refusal:
        raise ValidationError({"assessors": refusal})


def _require_manager(by: User, session: Session) -> None:
    require(by, "calibrations.manage")
    if not can_manage(viewer=by, session=session):
        raise PermissionDenied("You can only manage sessions on interactions of your teams.")


def _require_open(session: Session) -> None:
    if session.status != SessionStatus.OPEN:
        raise ValidationError({"status": "This session is closed."})


@transaction.atomic
def session_create(
    *,
    by: User,
    name: str,
    scorecard: Scorecard,
    interaction: Interaction,
    assessors: list[User],
    due_at: datetime,
    benchmark: User | None = None,
) -> Session:
    """Open a session (docs/calibrations.md#the-session): checks every input, then invites each assessor."""
    require(by, "calibrations.manage")
    if not can_see_interaction(by, interaction):
        raise PermissionDenied("You cannot see this interaction.")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the session a name."})
    if len(name) > 200:
        raise ValidationError({"name": "Keep the name under 200 characters."})
    scorecard = Scorecard.objects.select_related("current_version").get(pk=scorecard.pk)
    if not scorecard.is_usable:
        raise ValidationError({"scorecard": "Only published scorecards can be used to calibrate."})
    if interaction.agent_id is None:
        raise ValidationError({"interaction": "This interaction has no agent to evaluate."})
    if due_at <= timezone.now():
        raise ValidationError({"due_at": "The due date must be in the future."})
    people = list({u.pk: u for u in [*assessors, *([benchmark] if benchmark else [])]}.values())
    if len(people) < MIN_ASSESSORS:
        raise ValidationError({"assessors": f"Choose at least {MIN_ASSESSORS} assessors."})
    for user in people:
        _check_assessor(user, interaction)
    session = Session.objects.create(
        name=name,
        scorecard=scorecard,
        version=scorecard.current_version,
        interaction=interaction,
        agent_id=interaction.agent_id,
        benchmark=benchmark,
        due_at=due_at,
        created_by=by,
    )
    Assessor.objects.bulk_create([Assessor(session=session, user=u, added_by=by) for u in people])
    audit = AuditTrail(
        after={
            "scorecard": scorecard.name,
            "version": session.version.number,
            "interaction": str(interaction.uuid),
            "assessors": sorted(u.email for u in people),
            "benchmark": benchmark.email if benchmark else None,
            "due": due_at.isoformat(),
        },
    )
    publish(Name.CALIBRATION_CREATED, subject=session, actor=by, data={"invited": [u.pk for u in people]}, audit=audit)
    return session


@transaction.atomic
def assessor_add(*, by: User, session: Session, user: User) -> Assessor:
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manager(by, session)
    _require_open(session)
    _check_assessor(user, session.interaction)
    seat = Assessor.objects.filter(session=session, user=user).first()
    if seat is not None and seat.removed_at is None:
        raise ValidationError({"user": f"{user} is already an assessor."})
    if seat is None:
        seat = Assessor.objects.create(session=session, user=user, added_by=by)
    else:  # back again: the same seat, with the draft withdrawn at their removal given back as it was
        seat.removed_at = None
        seat.added_by = by
        seat.save(update_fields=["removed_at", "added_by", "updated_at"])
        if seat.evaluation_id and seat.evaluation.status == Status.VOIDED:
            seat.evaluation = calibration_draft_restore(by=by, evaluation=seat.evaluation)
    publish(
        Name.CALIBRATION_ASSESSOR_ADDED,
        subject=session,
        actor=by,
        data={"invited": [user.pk]},
        audit=AuditTrail(after={"assessor": user.email}),
    )
    return seat


@transaction.atomic
def assessor_remove(*, by: User, session: Session, user: User) -> Assessor:
    """Take someone out of an open session: their draft is withdrawn and their answers no longer count.
    Removing the benchmark assessor leaves the session without a benchmark."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manager(by, session)
    _require_open(session)
    seat = Assessor.objects.filter(session=session, user=user, removed_at__isnull=True).first()
    if seat is None:
        raise ValidationError({"user": f"{user} is not an assessor of this session."})
    if session.assessors.filter(removed_at__isnull=True).count() <= MIN_ASSESSORS:
        raise ValidationError({"user": f"A session needs at least {MIN_ASSESSORS} assessors; add someone first."})
    seat.removed_at = timezone.now()
    seat.save(update_fields=["removed_at", "updated_at"])
    if seat.evaluation_id and seat.evaluation.status == Status.DRAFT:
        calibration_draft_withdraw(by=by, evaluation=seat.evaluation, reason="Removed from the calibration session")
    before = {"benchmark": session.benchmark.email} if session.benchmark_id == user.pk else {}
    if before:
        session.benchmark = None
        session.save(update_fields=["benchmark", "updated_at"])
    publish(
        Name.CALIBRATION_ASSESSOR_REMOVED,
        subject=session,
        actor=by,
        data={"removed": user.pk},
        audit=AuditTrail(before=before or None, after={"removed": user.email}),
    )
    return seat


@transaction.atomic
def session_close(*, by: User, session: Session) -> Session:
    """Close the session: unsubmitted drafts are withdrawn; the results stay as they are."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    _require_manager(by, session)
    _require_open(session)
    session.status = SessionStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at", "updated_at"])
    seats = list(session.assessors.filter(removed_at__isnull=True).select_related("evaluation", "user"))
    for seat in seats:
        if seat.evaluation_id and seat.evaluation.status == Status.DRAFT:
            calibration_draft_withdraw(
                by=by, evaluation=seat.evaluation, reason="The calibration session closed before it was submitted"
            )
    publish(
        Name.CALIBRATION_CLOSED,
        subject=session,
        actor=by,
        data={"assessors": [seat.user_id for seat in seats]},
        audit=AuditTrail(before={"status": SessionStatus.OPEN}, after={"status": SessionStatus.CLOSED}),
    )
    return session


@transaction.atomic
def assessor_start(*, by: User, session: Session) -> Evaluation:
    """The assessor's calibration evaluation: started on first use (a draft pinned to the session's
    version), the same draft afterwards."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("interaction", "scorecard", "version")
        .get(pk=session.pk)
    )
    seat = (
        Assessor.objects.select_for_update(of=("self",))
        .select_related("evaluation")
        .filter(session=session, user=by, removed_at__isnull=True)
        .first()
    )
    if seat is None:
        raise PermissionDenied("You are not an assessor of this session.")
    if seat.evaluation_id and seat.evaluation.status != Status.VOIDED:
        if seat.evaluation.status != Status.DRAFT:
            raise ValidationError({"status": "You have already submitted your evaluation for this session."})
        return seat.evaluation
    _require_open(session)
    evaluation = evaluation_start(
        by=by,
        interaction=session.interaction,
        scorecard=session.scorecard,
        agent=session.agent,
        source=Source.CALIBRATION,
        version=session.version,
    )
    seat.evaluation = evaluation
    seat.save(update_fields=["evaluation", "updated_at"])
    return evaluation
