"""Reads of calibration sessions, scoped by who asks, and the session report (docs/calibrations.md#statistics).

Who sees a session: admins (every team) all; people with calibrations.manage the sessions on
interactions they can see, and the ones they created; assessors the sessions they are in.

Blindness (docs/calibrations.md#blindness): an assessor of an open session who has not submitted sees nobody's
answers,
scores or statistics — only the session's facts and their own task.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import has_perm
from cxq.calibrations import stats
from cxq.calibrations.choices import SessionStatus
from cxq.calibrations.filters import SessionFilter
from cxq.calibrations.models import Assessor, Session
from cxq.evaluations.choices import Status
from cxq.interactions.selectors import interaction_scope
from cxq.lib import filters as lib_filters
from cxq.scorecards.api import preview_payload
from cxq.scorecards.selectors import answer_label

# A calibration evaluation counts once it is submitted (it goes straight to "completed").
SUBMITTED = (Status.COMPLETED, Status.AWAITING_ACK, Status.ACKNOWLEDGED, Status.DISPUTED)


def may_view_calibrations(user) -> bool:
    return has_perm(user, "calibrations.manage") or has_perm(user, "calibrations.participate")


def session_scope(*, viewer) -> QuerySet[Session]:
    qs = Session.objects.all()
    if not may_view_calibrations(viewer):
        return qs.none()
    if has_perm(viewer, "scope.all_teams"):
        return qs
    seats = Assessor.objects.filter(user=viewer, removed_at__isnull=True).values("session_id")
    mine = Q(pk__in=seats)
    if has_perm(viewer, "calibrations.manage"):
        mine |= Q(created_by=viewer)
        if has_perm(viewer, "interactions.view"):
            mine |= Q(interaction__in=interaction_scope(viewer=viewer).values("pk"))
    return qs.filter(mine)


def session_get_for(*, viewer, uuid) -> Session:
    related = ("scorecard", "version", "interaction", "interaction__agent", "agent", "benchmark", "created_by")
    return get_object_or_404(session_scope(viewer=viewer).select_related(*related), uuid=uuid)


def can_manage(*, viewer, session: Session) -> bool:
    """Add/remove assessors and close: calibrations.manage within one's scope (the creator, a lead
    of the interaction's team, or an admin)."""
    if not has_perm(viewer, "calibrations.manage"):
        return False
    if has_perm(viewer, "scope.all_teams") or session.created_by_id == viewer.pk:
        return True
    return has_perm(viewer, "interactions.view") and (
        interaction_scope(viewer=viewer).filter(pk=session.interaction_id).exists()
    )


def _active(prefix: str = "") -> Q:
    return Q(**{f"{prefix}assessors__removed_at__isnull": True})


def session_list(*, viewer, filters: SessionFilter | None = None, **params) -> QuerySet[Session]:
    """The sessions list (docs/calibrations.md#the-sessions-list): searchable by name, with completion and the average
    score. Narrowed by ``filters`` (a validated ``SessionFilter``) or, from code, by its filters' values
    as keywords (``q="novem"``, ``status="open"``)."""
    if params:
        filters = SessionFilter.of(params)
    qs = lib_filters.apply(filters, session_scope(viewer=viewer).select_related("scorecard", "interaction", "agent"))
    done = _active() & Q(assessors__evaluation__status__in=SUBMITTED)
    # the viewer still owes their own evaluation: the average stays hidden from them (docs/calibrations.md#the-session)
    # (a removed seat that never submitted stays blind: leaving must not open the results)
    pending = Assessor.objects.filter(
        session=OuterRef("pk"), session__status=SessionStatus.OPEN, user=viewer.pk
    ).filter(Q(evaluation__isnull=True) | ~Q(evaluation__status__in=SUBMITTED))
    return qs.annotate(
        assigned=Count("assessors", filter=_active(), distinct=True),
        completed=Count("assessors", filter=done, distinct=True),
        average=Avg("assessors__evaluation__score_percent", filter=done),
        blind=Exists(pending),
    ).order_by("-created_at", "-id")


def completion_percent(completed: int, assigned: int) -> float | None:
    return None if not assigned else 100.0 * completed / assigned


def is_blind(*, viewer, session: Session) -> bool:
    """True while the viewer holds a seat in this open session and has not submitted.

    A removed seat counts too: an assessor who leaves (or removes themselves) before submitting stays
    blind until the session closes, so leaving can never be used to look at the others' answers."""
    if session.status != SessionStatus.OPEN:
        return False
    seat = session.assessors.filter(user=viewer).select_related("evaluation").first()
    return seat is not None and not (seat.evaluation_id and seat.evaluation.status in SUBMITTED)


def blind_interaction_ids(viewer) -> list[int]:
    """The interactions of the open sessions in which the viewer holds a seat (removed or not) and has not
    submitted (docs/calibrations.md#blindness): the evaluations selectors hide every other evaluation of them."""
    return list(
        Assessor.objects.filter(user=viewer.pk, session__status=SessionStatus.OPEN)
        .filter(Q(evaluation__isnull=True) | ~Q(evaluation__status__in=SUBMITTED))
        .values_list("session__interaction_id", flat=True)
        .distinct()
    )


def my_seat(*, viewer, session: Session) -> Assessor | None:
    return session.assessors.filter(user=viewer, removed_at__isnull=True).select_related("evaluation").first()


def open_tasks(*, viewer) -> QuerySet[Assessor]:
    """The viewer's calibration tasks for "My tasks": open sessions they have not submitted yet."""
    return (
        Assessor.objects.filter(user=viewer, removed_at__isnull=True, session__status=SessionStatus.OPEN)
        .filter(Q(evaluation__isnull=True) | Q(evaluation__status__in=(Status.DRAFT, Status.VOIDED)))
        .select_related(
            "session", "session__scorecard", "session__interaction", "session__agent", "session__created_by"
        )
        .order_by("session__due_at", "id")
    )


def open_sessions_for(*, viewer, interaction_id: int) -> list[tuple[Session, bool]]:
    """The active-calibration marker (docs/calibrations.md#active-calibration-marker): open sessions on this
    interaction, each with whether the
    viewer may open it. Shown to staff who take part in or manage calibrations, never to agents."""
    if not may_view_calibrations(viewer):
        return []
    sessions = list(Session.objects.filter(interaction_id=interaction_id, status=SessionStatus.OPEN))
    if not sessions:
        return []
    visible = set(session_scope(viewer=viewer).filter(pk__in=[s.pk for s in sessions]).values_list("pk", flat=True))
    return [(s, s.pk in visible) for s in sessions]


# --- The session report -----------------------------------------------------------------------------


@dataclass
class Answer:
    option: str | None  # option key, or None when missing (N/A, unanswered, hidden)
    label: str
    points: float | None
    possible: float | None
    comment: str = ""


@dataclass
class Row:
    """One assessor's side of the comparison."""

    seat: Assessor
    submitted: bool
    is_benchmark: bool
    score: float | None = None
    earned: float | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    comment: str = ""
    vs_mean_percent: float | None = None  # percentage points from the session's average score
    vs_mean_points: float | None = None  # points from the session's average earned points
    vs_benchmark_percent: float | None = None
    vs_benchmark_points: float | None = None
    mad_mean: float | None = None  # mean |points − question mean| over questions
    mad_benchmark: float | None = None  # mean |points − benchmark's points| over questions


@dataclass
class QuestionRow:
    key: str
    text: str
    section: str
    cells: list[Answer]
    agrees: bool | None  # None: fewer than two answers
    percent_agreement: float | None
    mean_points: float | None
    benchmark_points: float | None


@dataclass
class Report:
    session: Session
    assigned: int
    completed: int
    completion: float | None
    spread: stats.Spread
    alpha_interval: float | None
    alpha_nominal: float | None
    percent_agreement: float | None
    mad_benchmark: float | None  # over every submitted non-benchmark assessor's questions
    rows: list[Row]  # every active assessor, submitted or not
    submitted: list[Row]
    questions: list[QuestionRow]
    benchmark: Row | None
    blind: bool = False  # built for a viewer who is still blind: nobody's answers, scores or statistics


def _answers(document: dict, evaluation) -> dict[str, Answer]:
    """Per question: the chosen option and its points, from the scoring engine; N/A, unanswered and
    hidden questions are missing values (docs/calibrations.md#statistics)."""
    result = preview_payload(document, evaluation.answers)
    by_key = {q["key"]: q for q in result["questions"]}
    out = {}
    for section in document["sections"]:
        for q in section["questions"]:
            r = by_key[q["key"]]
            raw = evaluation.answers.get(q["key"])
            missing = not r["visible"] or not r["applicable"] or raw in (None, "", "na")
            out[q["key"]] = Answer(
                option=None if missing else str(raw),
                label=answer_label(q, raw) if r["visible"] else "hidden",
                points=None if missing else r["earned"],
                possible=None if missing else r["possible"],
                comment=evaluation.question_comments.get(q["key"], ""),
            )
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def session_report(session: Session, *, viewer=None) -> Report:
    """Everything the session view, its API representation and its CSV share, as ``viewer`` may see it.

    For a viewer who is still blind (``is_blind``) the report is redacted here, once: who takes part
    and how far along the session is, nothing anyone answered (docs/calibrations.md, "Blindness").
    Without a viewer (internal use: statistics across sessions, tests) the whole report.
    """
    report = _full_report(session)
    if viewer is not None and is_blind(viewer=viewer, session=session):
        return _redacted(report)
    return report


def _redacted(report: Report) -> Report:
    rows = [Row(seat=r.seat, submitted=r.submitted, is_benchmark=r.is_benchmark) for r in report.rows]
    return replace(
        report,
        blind=True,
        spread=stats.Spread(0, None, None, None, None),
        alpha_interval=None,
        alpha_nominal=None,
        percent_agreement=None,
        mad_benchmark=None,
        rows=rows,
        submitted=[r for r in rows if r.submitted],
        questions=[],
        benchmark=None,
    )


def _full_report(session: Session) -> Report:
    """The whole comparison (docs/calibrations.md#statistics).

    1. Active assessors; those whose evaluation is submitted are the observers.
    2. Per observer and question: option and points (missing when N/A, unanswered or hidden).
    3. Score spread; Krippendorff's alpha (units = questions) on points (interval) and options (nominal);
       percent agreement; per question agreement and mean.
    4. Per observer: deviation from the average and from the benchmark, in percentage points (score)
       and points (earned); mean absolute deviation per question from the question mean and the benchmark.
    """
    document = session.version.document
    questions = [(s, q) for s in document["sections"] for q in s["questions"]]
    seats = list(
        session.assessors.filter(removed_at__isnull=True)
        .select_related("user", "evaluation")
        .order_by("user__full_name")
    )
    rows = []
    for seat in seats:
        ev = seat.evaluation
        done = ev is not None and ev.status in SUBMITTED
        row = Row(seat=seat, submitted=done, is_benchmark=seat.user_id == session.benchmark_id)
        if done:
            row.score = None if ev.score_percent is None else float(ev.score_percent)
            row.earned = None if ev.earned is None else float(ev.earned)
            row.answers = _answers(document, ev)
            row.comment = ev.comment
        rows.append(row)
    submitted = [r for r in rows if r.submitted]
    keys = [q["key"] for _, q in questions]
    points = [[r.answers[k].points for k in keys] for r in submitted]
    options = [[r.answers[k].option for k in keys] for r in submitted]
    means = stats.unit_means(points)
    bench = next((r for r in submitted if r.is_benchmark), None)
    bench_points = [bench.answers[k].points for k in keys] if bench else [None] * len(keys)
    score_spread = stats.spread([r.score for r in submitted])
    earned_mean = stats.spread([r.earned for r in submitted]).mean
    for i, r in enumerate(submitted):
        r.vs_mean_percent = _diff(r.score, score_spread.mean)
        r.vs_mean_points = _diff(r.earned, earned_mean)
        r.mad_mean = stats.mean_absolute_deviation(points[i], means)
        if bench is not None and r is not bench:
            r.vs_benchmark_percent = _diff(r.score, bench.score)
            r.vs_benchmark_points = _diff(r.earned, bench.earned)
            r.mad_benchmark = stats.mean_absolute_deviation(points[i], bench_points)
    others = [p for r, p in zip(submitted, points, strict=True) if bench is not None and r is not bench]
    question_rows = []
    for j, (section, q) in enumerate(questions):
        column = [o[j] for o in options]
        question_rows.append(
            QuestionRow(
                key=q["key"],
                text=q["text"],
                section=section.get("title") or section["key"],
                cells=[r.answers[q["key"]] for r in submitted],
                agrees=stats.unit_agrees(column),
                percent_agreement=stats.percent_agreement([[v] for v in column]),
                mean_points=means[j] if means else None,
                benchmark_points=bench_points[j],
            )
        )
    assigned, completed = len(rows), len(submitted)
    return Report(
        session=session,
        assigned=assigned,
        completed=completed,
        completion=completion_percent(completed, assigned),
        spread=score_spread,
        alpha_interval=stats.alpha(points, "interval"),
        alpha_nominal=stats.alpha(options, "nominal"),
        percent_agreement=stats.percent_agreement(options),
        mad_benchmark=stats.mean_absolute_deviation(
            [v for p in others for v in p], [b for _ in others for b in bench_points]
        )
        if others
        else None,
        rows=rows,
        submitted=submitted,
        questions=question_rows,
        benchmark=bench,
    )


# --- Across sessions (docs/calibrations.md#statistics): per question agreement and each evaluator's trend
# ----------------------


@dataclass
class QuestionAgreement:
    key: str
    text: str
    sessions: int  # sessions where at least two assessors answered it
    alpha_interval: float | None
    alpha_nominal: float | None
    percent_agreement: float | None


@dataclass
class TrendPoint:
    session: Session
    mad_mean: float | None
    mad_benchmark: float | None


@dataclass
class Across:
    sessions: list[Session]
    questions: list[QuestionAgreement]
    trends: dict  # User → list[TrendPoint] in session order


def across_sessions(
    *, viewer, scorecard, date_from: datetime | None = None, date_to: datetime | None = None, evaluator=None
) -> Across:
    """Agreement per question across the sessions of one scorecard in a period (units = sessions,
    observers = assessors, values = points / options), and each evaluator's calibration trend.
    Sessions where the viewer is still blind are left out."""
    qs = session_scope(viewer=viewer).filter(scorecard=scorecard).select_related("version")
    if date_from:
        qs = qs.filter(created_at__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__lt=date_to)
    sessions = [s for s in qs.order_by("created_at", "id") if not is_blind(viewer=viewer, session=s)]
    reports = [session_report(s) for s in sessions]
    users: dict[int, object] = {}
    for report in reports:
        for row in report.submitted:
            users.setdefault(row.seat.user_id, row.seat.user)
    order = sorted(users, key=lambda pk: users[pk].full_name)
    texts: dict[str, str] = {}
    for report in reversed(reports):  # the newest wording of each question
        for q in report.questions:
            texts.setdefault(q.key, q.text)
    questions = []
    for key, text in sorted(texts.items(), key=lambda kv: _first_position(reports, kv[0])):
        points = [[_cell(report, pk, key, "points") for report in reports] for pk in order]
        options = [[_cell(report, pk, key, "option") for report in reports] for pk in order]
        paired = sum(1 for j in range(len(reports)) if sum(1 for row in options if row[j] is not None) >= 2)
        questions.append(
            QuestionAgreement(
                key=key,
                text=text,
                sessions=paired,
                alpha_interval=stats.alpha(points, "interval"),
                alpha_nominal=stats.alpha(options, "nominal"),
                percent_agreement=stats.percent_agreement(options),
            )
        )
    trends = {}
    for pk in order:
        if evaluator is not None and pk != evaluator.pk:
            continue
        series = []
        for report in reports:
            row = next((r for r in report.submitted if r.seat.user_id == pk), None)
            series.append(TrendPoint(report.session, row.mad_mean if row else None, row.mad_benchmark if row else None))
        trends[users[pk]] = series
    return Across(sessions=sessions, questions=questions, trends=trends)


def _first_position(reports: list[Report], key: str) -> tuple[int, int]:
    for i, report in enumerate(reversed(reports)):
        for j, q in enumerate(report.questions):
            if q.key == key:
                return (i, j)
    return (len(reports), 0)


def _cell(report: Report, user_pk: int, key: str, attr: str):
    row = next((r for r in report.submitted if r.seat.user_id == user_pk), None)
    if row is None or key not in row.answers:
        return None
    return getattr(row.answers[key], attr)
