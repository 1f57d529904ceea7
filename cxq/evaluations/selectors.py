"""Reads of evaluations, scoped by who is asking: admins see all; leads see their teams' and their
own; agents see only their own completed evaluations (never drafts, never calibrations)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F, Func, IntegerField, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import led_team_ids
from cxq.evaluations.choices import COUNTED_STATUSES, AssignmentStatus, Status
from cxq.evaluations.filters import SORTS, DisputeFilter, EvaluationFilter
from cxq.evaluations.models import Assignment, Dispute, DisputeItem, Evaluation
from cxq.evaluations.sources import sources_where
from cxq.lib import filters as lib_filters
from cxq.lib import keyset

# The interactions on which the viewer is a blind calibration assessor (docs/calibrations.md#blindness): they see
# no other evaluation of those interactions until they submit. Calibrations sit above evaluations, so
# cxq/wiring.py plugs ``calibrations.selectors.blind_interaction_ids`` in here.
blind_interactions: Callable[[object], list[int]] | None = None


def evaluation_scope(*, viewer) -> QuerySet[Evaluation]:
    """Every evaluation the viewer may see, on every surface (pages, API, lists, drill-downs, the Performance
    tab): the role's scope, minus other people's drafts and calibration evaluations, minus — while they are a
    blind calibration assessor — everyone else's evaluations of that interaction."""
    qs = _role_scope(viewer=viewer)
    if blind_interactions is not None and viewer.is_authenticated and has_perm(viewer, "evaluations.create"):
        blind = blind_interactions(viewer)
        if blind:
            qs = qs.exclude(Q(interaction_id__in=blind) & ~Q(evaluator=viewer.pk))
    return qs


def _unindexed(column: str) -> Func:
    """``+column``: the same value, which no index matches."""
    return Func(F(column), template="(+%(expressions)s)", output_field=IntegerField())


def _role_scope(*, viewer) -> QuerySet[Evaluation]:
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
        # while scanning the created_at index and filtering stops after one page (< 1 ms)
        # (docs/performance.md#lists-and-reports-at-scale). An ORM expression, not raw SQL naming the
        # table, so the column keeps the right table alias when this queryset is nested in another.
        qs = qs.alias(_team=_unindexed("team_id"), _evaluator=_unindexed("evaluator_id"), _agent=_unindexed("agent_id"))
        mine = Q(_evaluator=viewer.pk) | Q(_team__in=led) | (Q(_agent=viewer.pk) & ~Q(status=Status.DRAFT))
        return qs.filter(mine).exclude(others_drafts)
    return qs.filter(agent=viewer).exclude(status=Status.DRAFT).exclude(source__in=sources_where("listed", False))


def sees_an_evaluation_of(viewer, interaction_id: int) -> bool:
    """Whether any evaluation of the interaction is in the viewer's scope: who may see an evaluation may
    play its recording (docs/interactions.md#recordings; plugged in by cxq/wiring.py)."""
    return evaluation_scope(viewer=viewer).filter(interaction_id=interaction_id).exists()


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
    return lib_filters.apply(filters, qs).order_by(*keyset.ordering(Evaluation, list_key(filters)))


# What the evaluations table shows (evaluations/list.html): the page reads these columns only. The answers,
# comments and evidence of every row and, above all, the pinned version's whole document (a 24-question
# scorecard's JSON, parsed once per row) cost more than the rest of the page (docs/performance.md#list-pages).
TABLE_COLUMNS = (
    "uuid",
    "created_at",
    "status",
    "source",
    "score_percent",
    "earned",
    "passed",
    "completed_at",
    "agent_name",
    "interaction__uuid",
    "interaction__channel",
    "interaction__started_at",
    "evaluator__full_name",
    "scorecard__name",
    "scorecard__bands",
    "scorecard__scoring_mode",
    "version__number",
)


def evaluation_table(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """:func:`evaluation_list` narrowed to the columns the table shows: the agent's name is the one kept
    on the evaluation, so the agent is not joined."""
    return (
        qs.select_related(None).select_related("interaction", "evaluator", "scorecard", "version").only(*TABLE_COLUMNS)
    )


def list_key(filters: EvaluationFilter | None) -> str:
    """The table's keyset sort key (cxq/lib/keyset.py): the chosen sort, newest first by default."""
    return filters.order() if filters is not None else SORTS["-created"]


def evaluation_page(qs: QuerySet[Evaluation], filters: EvaluationFilter | None, cursor: str, size: int) -> keyset.Page:
    """One keyset page of :func:`evaluation_list` in its sort (docs/evaluations.md#the-evaluations-table): deep
    pages cost what the first does."""
    return keyset.page_at(qs, cursor, size, key=list_key(filters))


def cursor_is_valid(filters: EvaluationFilter | None, cursor: str) -> bool:
    return keyset.decode(Evaluation, list_key(filters), cursor) is not None


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


def next_task(*, viewer) -> Assignment | None:
    """The task to offer after a submission: the viewer's open task due first (docs/evaluations.md#submitting)."""
    return my_tasks(viewer=viewer).first()


def assignment_get_for(*, viewer, uuid) -> Assignment:
    qs = Assignment.objects.select_related("interaction", "scorecard")
    if not has_perm(viewer, "scope.all_teams"):
        qs = qs.filter(Q(assignee=viewer) | Q(assigned_by=viewer))
    return get_object_or_404(qs, uuid=uuid)


def dispute_list(*, viewer, filters: DisputeFilter | None = None, **params) -> QuerySet[Dispute]:
    """The disputes queue (docs/evaluations.md#the-disputes-queue): disputes on evaluations in the viewer's
    scope, open ones (oldest first) unless ``filters`` asks for answered ones (newest first)."""
    if params:
        filters = DisputeFilter.of(params)
    status = filters.status_value() if filters is not None else "open"
    qs = Dispute.objects.filter(_dispute_scope(viewer))
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "answered":
        qs = qs.filter(resolved_at__isnull=False)
    qs = lib_filters.apply(filters, qs).select_related(
        "evaluation",
        "evaluation__interaction",
        "evaluation__agent",
        "evaluation__evaluator",
        "evaluation__scorecard",
        "evaluation__team",
    )
    qs = qs.defer("evaluation__interaction__transcript", "evaluation__interaction__transcript_text")
    qs = qs.prefetch_related("items")
    return qs.order_by(*keyset.ordering(Dispute, _queue_key(status)))


def _queue_key(status: str) -> str:
    """The queue's sort (a cxq/lib/keyset.py key): open disputes oldest first, answered or any newest first."""
    return "created_at" if status == "open" else "-created_at"


# What the disputes queue shows (evaluations/disputes.html): not the disputed evaluation's answers, comments
# and evidence, nor its interaction's and scorecard's JSON, parsed per row (docs/performance.md#list-pages).
QUEUE_COLUMNS = (
    "uuid",
    "created_at",
    "respond_by",
    "resolved_at",
    "evaluation__uuid",
    "evaluation__agent_name",
    "evaluation__interaction__uuid",
    "evaluation__interaction__channel",
    "evaluation__interaction__external_id",
    "evaluation__interaction__started_at",
    "evaluation__team__name",
    "evaluation__evaluator__full_name",
    "evaluation__scorecard__name",
)


def dispute_queue(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """:func:`dispute_list` narrowed to the columns the queue shows, and to its items' ids (it shows their
    number); the agent's name is the one kept on the evaluation."""
    related = ("evaluation__interaction", "evaluation__team", "evaluation__evaluator", "evaluation__scorecard")
    items = Prefetch("items", queryset=DisputeItem.objects.only("id", "dispute_id"))
    return (
        qs.select_related(None)
        .select_related(*related)
        .prefetch_related(None)
        .prefetch_related(items)
        .only(*QUEUE_COLUMNS)
    )


def dispute_page(qs: QuerySet[Dispute], filters: DisputeFilter | None, cursor: str, size: int = 50) -> keyset.Page:
    """One keyset page of the disputes queue (docs/evaluations.md#the-disputes-queue), in :func:`dispute_list`'s
    order: open ones oldest first on the partial ``(created_at, id)`` index, answered ones newest first. No
    count and no offset: the first page stops after 50 rows however long the queue is, and a deep page costs
    what the first does."""
    status = filters.status_value() if filters is not None else "open"
    return keyset.page_at(dispute_queue(qs), cursor, size, key=_queue_key(status))


def _dispute_scope(viewer) -> Q:
    """The rules of ``evaluation_scope`` as a condition on a dispute's evaluation (a join, not a subquery:
    the scope's planner hints are raw SQL naming the evaluations table). A disputed evaluation is never a
    draft; calibration evaluations are never disputed, and are excluded anyway."""
    if not viewer.is_authenticated or viewer.role_id is None:
        return Q(pk__in=[])
    listed = Q(evaluation__source__in=sources_where("listed")) & ~Q(evaluation__status=Status.DRAFT)
    if has_perm(viewer, "scope.all_teams"):
        return listed
    if has_perm(viewer, "evaluations.create"):
        mine = Q(evaluation__evaluator=viewer) | Q(evaluation__team_id__in=led_team_ids(viewer))
        return listed & (mine | Q(evaluation__agent=viewer))
    return listed & Q(evaluation__agent=viewer)


def open_disputes(*, viewer) -> QuerySet[Dispute]:
    return dispute_list(viewer=viewer)


def dispute_is_overdue(dispute: Dispute, now=None) -> bool:
    """Open and past the date it should have been answered by."""
    return (
        dispute.resolved_at is None and dispute.respond_by is not None and dispute.respond_by < (now or timezone.now())
    )


def is_overdue(assignment: Assignment) -> bool:
    return assignment.status == AssignmentStatus.OPEN and assignment.due_at < timezone.now()


def evaluated_interaction_ids(*, by=None) -> QuerySet:
    """The interactions with a submitted evaluation that is listed (not a calibration's, not voided or a
    draft), or with one ``by`` submitted: the interactions list's "Evaluated" filters
    (docs/interactions.md#list-filters-and-search; plugged in by cxq/wiring.py)."""
    qs = Evaluation.objects.filter(status__in=COUNTED_STATUSES).exclude(source__in=sources_where("listed", False))
    if by is not None:
        qs = qs.filter(evaluator=by)
    return qs.values("interaction_id")


def latest_scores(*, viewer, interaction_ids) -> dict[int, Evaluation]:
    """Per interaction, the newest submitted evaluation the viewer may see: the list's score column."""
    rows = (
        evaluation_scope(viewer=viewer)
        .filter(interaction_id__in=list(interaction_ids), status__in=COUNTED_STATUSES)
        .exclude(source__in=sources_where("listed", False))
        .select_related("scorecard")
        .order_by("interaction_id", "-completed_at", "-id")
    )
    latest: dict[int, Evaluation] = {}
    for evaluation in rows:
        latest.setdefault(evaluation.interaction_id, evaluation)
    return latest
