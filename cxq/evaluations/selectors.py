"""Reads of evaluations, scoped by who is asking: admins see all; leads see their teams' and their
own; agents see only their own completed evaluations (never drafts, never calibrations)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import led_team_ids
from cxq.evaluations.choices import AssignmentStatus, Status
from cxq.evaluations.filters import SORTS, EvaluationFilter
from cxq.evaluations.models import Assignment, Dispute, Evaluation
from cxq.evaluations.sources import sources_where
from cxq.lib import filters as lib_filters


def evaluation_scope(*, viewer) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.all()
    if not viewer.is_authenticated or viewer.role_id is None:
        return qs.none()
    # Calibration evaluations are reachable here only by their own assessor (to fill in the form);
    # everyone else sees them through the calibration session, which keeps assessors blind
    # (docs/calibrations.md#the-session).
    others_drafts = (Q(status=Status.DRAFT) | Q(source__in=sources_where("listed", False))) & ~Q(evaluator=viewer)
    if has_perm(viewer, "scope.all_teams"):
        return qs.exclude(others_drafts)
    if has_perm(viewer, "evaluations.create"):
        led = led_team_ids(viewer)
        # Unary plus keeps the planner off the three single-column indexes: an OR over them makes
        # SQLite collect every matching row and sort it (≈300 ms for a lead of all teams at 250k),
        # while scanning the created_at index and filtering stops after one page (< 1 ms).
        qs = qs.alias(
            _team=RawSQL('+"evaluations_evaluation"."team_id"', (), output_field=IntegerField()),
            _evaluator=RawSQL('+"evaluations_evaluation"."evaluator_id"', (), output_field=IntegerField()),
            _agent=RawSQL('+"evaluations_evaluation"."agent_id"', (), output_field=IntegerField()),
        )
        mine = Q(_evaluator=viewer.pk) | Q(_team__in=led) | (Q(_agent=viewer.pk) & ~Q(status=Status.DRAFT))
        return qs.filter(mine).exclude(others_drafts)
    return qs.filter(agent=viewer).exclude(status=Status.DRAFT).exclude(source__in=sources_where("listed", False))


def evaluation_get_for(*, viewer, uuid) -> Evaluation:
    related = ("interaction", "agent", "evaluator", "scorecard", "version", "team")
    return get_object_or_404(evaluation_scope(viewer=viewer).select_related(*related), uuid=uuid)


def evaluation_list(*, viewer, filters: EvaluationFilter | None = None, **params) -> QuerySet[Evaluation]:
    """The evaluations table: calibration evaluations are listed in their session, not here. Narrowed and
    sorted by ``filters`` (a validated ``EvaluationFilter``) or, from code, by its filters' values as
    keywords (``status="acknowledged"``)."""
    if params:
        filters = EvaluationFilter.of(params)
    qs = (
        evaluation_scope(viewer=viewer)
        .exclude(source__in=sources_where("listed", False))
        .select_related("interaction", "agent", "evaluator", "scorecard", "version")
        .defer("interaction__transcript", "interaction__transcript_text")
    )
    order = filters.order() if filters is not None else SORTS["-created"]
    return lib_filters.apply(filters, qs).order_by(*order)


# The ids of evaluations whose recorded answer to a question is the given one, across scorecard versions
# (the drill-down's question/answer filters). The analytics facts keep exactly that, so cxq/wiring.py
# plugs their lookup in here: evaluations
# never imports analytics (analytics depends on evaluations).
answer_lookup: Callable[[str, str], QuerySet] | None = None


def my_tasks(*, viewer) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(assignee=viewer, status=AssignmentStatus.OPEN)
        .select_related("interaction", "interaction__agent", "scorecard", "assigned_by")
        .order_by("due_at", "id")
    )


def assignment_get_for(*, viewer, uuid) -> Assignment:
    qs = Assignment.objects.select_related("interaction", "scorecard")
    if not has_perm(viewer, "scope.all_teams"):
        qs = qs.filter(Q(assignee=viewer) | Q(assigned_by=viewer))
    return get_object_or_404(qs, uuid=uuid)


def open_disputes(*, viewer) -> QuerySet[Dispute]:
    # the disputed evaluations' ids first: as a subquery, the scope's raw-SQL columns (which name the
    # evaluations table) would point at a table the subquery has renamed; disputed evaluations are few
    scope = list(evaluation_scope(viewer=viewer).filter(status=Status.DISPUTED).values_list("pk", flat=True))
    return (
        Dispute.objects.filter(resolved_at__isnull=True, evaluation_id__in=scope)
        .select_related("evaluation", "evaluation__agent", "evaluation__evaluator", "evaluation__scorecard")
        .prefetch_related("items")
        .order_by("created_at")
    )


def is_overdue(assignment: Assignment) -> bool:
    return assignment.status == AssignmentStatus.OPEN and assignment.due_at < timezone.now()
