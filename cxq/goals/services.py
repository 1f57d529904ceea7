"""Writes of evaluation goals (docs/goals.md): create and edit a goal, draw a period's tasks."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm, require
from cxq.accounts.selectors import time_zone_of, user_scope
from cxq.evaluations.choices import AssignmentStatus, Source, Status
from cxq.evaluations.models import Assignment, Evaluation
from cxq.evaluations.services import assignments_create_for
from cxq.events import AuditTrail, Name, publish
from cxq.goals.choices import Recurrence, TargetPer
from cxq.goals.models import Goal, GoalPeriod, GoalTask
from cxq.goals.periods import period_at
from cxq.goals.sampling import fair_shares, spread
from cxq.interactions import conditions
from cxq.interactions.models import Interaction
from cxq.lib.db import insert_returning_ids
from cxq.lib.inputs import text_problem
from cxq.scorecards.models import Scorecard

MAX_TARGET = 10_000
MAX_RECENT_DAYS = 366


@dataclass
class GoalInput:
    name: str
    scorecard: Scorecard
    evaluators: list[User]
    target: int
    target_per: str
    recurrence: str
    starts_on: date
    ends_on: date | None
    recent_days: int
    condition: dict


def _check(by: User, data: GoalInput) -> dict:
    """The problems of a goal, by field (ValidationError), and the valid condition."""
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = "A name of 1 to 120 characters is required."
    elif text_problem(name):
        errors["name"] = text_problem(name) or ""
    if not data.scorecard.is_usable:
        errors["scorecard"] = "Only published scorecards can be used."
    if not data.evaluators:
        errors["evaluators"] = "Choose at least one evaluator."
    else:
        allowed = set(user_scope(viewer=by).filter(is_active=True).values_list("pk", flat=True))
        for person in data.evaluators:
            if person.pk not in allowed or not has_perm(person, "evaluations.create"):
                errors["evaluators"] = f"{person} cannot evaluate in your scope."
                break
    if not 1 <= data.target <= MAX_TARGET:
        errors["target"] = f"The target is between 1 and {MAX_TARGET}."
    if data.target_per not in TargetPer.values:
        errors["target_per"] = "Per agent or per evaluator."
    if data.recurrence not in Recurrence.values:
        errors["recurrence"] = "Daily, weekly, monthly or one time."
    if data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = "The end is before the start."
    if data.recurrence == Recurrence.ONCE and not data.ends_on:
        errors["ends_on"] = "A one-time goal needs an end date."
    if not 1 <= data.recent_days <= MAX_RECENT_DAYS:
        errors["recent_days"] = f"Between 1 and {MAX_RECENT_DAYS} days."
    condition = None
    try:
        condition = conditions.validate(data.condition)
        problem = next(iter(conditions.unknown_references(condition)), None)
        if problem:
            errors["condition"] = str(problem)
    except conditions.ConditionError as exc:
        errors["condition"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return condition  # type: ignore[return-value]


def _snapshot(goal: Goal) -> dict:
    return {
        "name": goal.name,
        "scorecard": goal.scorecard_id,
        "evaluators": sorted(goal.evaluators.values_list("pk", flat=True)),
        "target": goal.target,
        "target_per": goal.target_per,
        "recurrence": goal.recurrence,
        "starts_on": goal.starts_on.isoformat(),
        "ends_on": goal.ends_on.isoformat() if goal.ends_on else None,
        "recent_days": goal.recent_days,
        "condition": goal.condition,
        "is_active": goal.is_active,
    }


@transaction.atomic
def goal_create(*, by: User, data: GoalInput) -> Goal:
    require(by, "goals.edit")
    condition = _check(by, data)
    goal = Goal.objects.create(
        name=data.name.strip(),
        scorecard=data.scorecard,
        target=data.target,
        target_per=data.target_per,
        recurrence=data.recurrence,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        recent_days=data.recent_days,
        condition=condition,
        created_by=by,
    )
    goal.evaluators.set(data.evaluators)
    publish(Name.GOAL_CREATED, subject=goal, actor=by, audit=AuditTrail(after=_snapshot(goal)))
    return goal


@transaction.atomic
def goal_update(*, by: User, goal: Goal, data: GoalInput, is_active: bool = True) -> Goal:
    """Edit a goal. A period already drawn keeps its tasks and its target: the change applies from the
    next period (docs/goals.md#editing)."""
    require(by, "goals.edit")
    condition = _check(by, data)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    before = _snapshot(goal)
    for field in ("scorecard", "target", "target_per", "recurrence", "starts_on", "ends_on", "recent_days"):
        setattr(goal, field, getattr(data, field))
    goal.name = data.name.strip()
    goal.condition = condition
    goal.is_active = is_active
    goal.save()
    goal.evaluators.set(data.evaluators)
    after = _snapshot(goal)
    publish(Name.GOAL_UPDATED, subject=goal, actor=by, audit=AuditTrail(before=before, after=after))
    return goal


# --- The draw ---------------------------------------------------------------------------------------------

# The random order of a draw (docs/goals.md#the-draw): a keyed hash of the id, two affine maps modulo two
# different primes, computed by the database in integer arithmetic (the same on SQLite and PostgreSQL).
_P1, _P2 = 2_147_483_647, 2_147_483_629


@dataclass(frozen=True)
class Draw:
    """What the database returns for a period: eligible interactions per agent, and for each agent its
    first ``min(share, eligible)`` interactions in the draw's random order as (id, agent id)."""

    eligible: dict[int, int]
    picked: list[tuple[int, int]]


def _recent(settings: dict, now: datetime, evaluators: list[User]) -> QuerySet:
    """The interactions matching the condition, started in the last ``recent_days`` days, with an agent,
    in the scope of at least one evaluator."""
    qs = Interaction.objects.filter(
        conditions.compile_q(settings["condition"]),
        started_at__gte=now - timedelta(days=settings["recent_days"]),
        started_at__lt=now,
        agent__isnull=False,
    )
    if not any(has_perm(e, "scope.all_teams") for e in evaluators):
        led = {t for e in evaluators for t in e.led_teams.values_list("pk", flat=True)}
        qs = qs.filter(team_id__in=led)
    return qs.order_by()


def _eligible(settings: dict, now: datetime, evaluators: list[User]) -> QuerySet:
    """The interactions the period may draw: the recent ones (:func:`_recent`) never evaluated (a voided
    evaluation does not count) and never given as a task (a cancelled task does not count)."""
    evaluated = Evaluation.objects.filter(interaction=OuterRef("pk")).exclude(status=Status.VOIDED)
    tasked = Assignment.objects.filter(interaction=OuterRef("pk")).exclude(status=AssignmentStatus.CANCELLED)
    return _recent(settings, now, evaluators).filter(~Exists(evaluated), ~Exists(tasked))


def _fetch(qs: QuerySet) -> list[tuple]:
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # evaluators who lead no team
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # compiling this plan just in time costs more than running it; the anti-join's hash of the
            # live evaluations and the ranking's sort fit in memory with 64 MB (docs/goals.md#speed)
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _random_key(rng: random.Random):
    a, c = rng.randrange(1, _P1), rng.randrange(1, _P2)
    b, d = rng.randrange(_P1), rng.randrange(_P2)
    first = ((F("id") % _P1) * a + b) % _P1
    return ExpressionWrapper((first * c + d) % _P2, output_field=BigIntegerField())


def _ranked(qs: QuerySet, key, limit: int) -> QuerySet:
    """Each agent's first ``limit`` interactions of ``qs`` in the order of ``key``, with how many the
    agent has: (id, agent id, eligible of that agent). Nothing else is read: on SQLite the agent's
    (agent, started_at) index then covers the query and no row is read (docs/goals.md#speed)."""
    by_agent = [F("agent_id")]
    return (
        qs.annotate(
            n=Window(Count("id"), partition_by=by_agent),
            rank=Window(RowNumber(), partition_by=by_agent, order_by=[key.asc(), F("id").asc()]),
        )
        .filter(rank__lte=limit)
        .values_list("id", "agent_id", "n")
    )


def _select(settings: dict, now: datetime, evaluators: list[User], rng: random.Random) -> Draw:
    """Count the eligible interactions per agent and pick each agent's share at random, in the database
    (docs/goals.md#the-draw): only the drawn rows come back, never the whole eligible set.

    1. Per-agent target: one query ranks each agent's eligible interactions by a random key and returns
       the first ``target`` of each with the agent's count (an agent with fewer gives them all).
    2. Per-evaluator target: the same query with a guessed limit, ``total ÷ agents + 1`` (agents
       counted in the window without the anti-joins, a cheap index scan), gives every agent's count;
       ``fair_shares`` splits the total and each agent keeps its share's first ones. When an agent's share
       passes the guess (a few agents hold most of the eligible interactions) the query runs again
       with the largest share as the limit: the same key ranks alike, so the first ones stay first.
    """
    qs = _eligible(settings, now, evaluators)
    key = _random_key(rng)
    target = settings["target"]
    if settings["target_per"] != TargetPer.EVALUATOR:
        rows = _fetch(_ranked(qs, key, target))
        return Draw({agent: n for _pk, agent, n in rows}, [(pk, agent) for pk, agent, _n in rows])
    total = target * len(evaluators)
    agents = _recent(settings, now, evaluators).values("agent_id").distinct().count()
    limit = -(-total // max(agents, 1)) + 1
    rows = _fetch(_ranked(qs, key, limit))
    eligible = {agent: n for _pk, agent, n in rows}
    shares = fair_shares(eligible, total, rng)
    most = max(shares.values(), default=0)
    if most > limit:
        rows = _fetch(_ranked(qs, key, most))
    taken: dict[int, int] = defaultdict(int)
    picked = []
    for pk, agent, _n in rows:
        if taken[agent] < shares.get(agent, 0):  # an agent who became eligible since the first query has none
            taken[agent] += 1
            picked.append((pk, agent))
    return Draw(eligible, picked)


def _spread(settings: dict, picked, evaluators: list[User], rng: random.Random) -> dict[int, tuple[int, int]]:
    """interaction id → (agent id, evaluator id): the drawn interactions over the evaluators
    (docs/goals.md#the-draw)."""
    agent_of = dict(picked)
    drawn = sorted(agent_of)
    team_of = dict(Interaction.objects.filter(pk__in=drawn).values_list("pk", "team_id"))
    others = defaultdict(set)
    for pk, user_id in Interaction.other_agents.through.objects.filter(interaction_id__in=drawn).values_list(
        "interaction_id", "user_id"
    ):
        others[pk].add(user_id)
    all_teams = {e.pk for e in evaluators if has_perm(e, "scope.all_teams")}
    led = {e.pk: set(e.led_teams.values_list("pk", flat=True)) for e in evaluators}

    def allowed(evaluator: int, pk: int) -> bool:
        if agent_of[pk] == evaluator or evaluator in others[pk]:
            return False  # nobody judges their own work
        return evaluator in all_teams or team_of[pk] in led[evaluator]

    cap = settings["target"] if settings["target_per"] == TargetPer.EVALUATOR else None
    given = spread(drawn, [e.pk for e in evaluators], allowed, rng, cap=cap)
    return {pk: (agent_of[pk], evaluator) for pk, evaluator in given.items()}


def period_generate(*, goal: Goal, now: datetime | None = None, rng: random.Random | None = None) -> GoalPeriod | None:
    """Draw the tasks of the goal's period holding ``now``, once (docs/goals.md#the-draw). Returns the
    period (the existing one when already drawn, by this or a racing worker), or None when the goal is
    paused or ``now`` is outside it."""
    now = now or timezone.now()
    goal = Goal.objects.select_related("scorecard").get(pk=goal.pk)
    if not goal.is_active:
        return None
    _, zone = time_zone_of(None)
    bounds = period_at(goal.recurrence, now, zone, starts_on=goal.starts_on, ends_on=goal.ends_on)
    if bounds is None:
        return None
    existing = GoalPeriod.objects.filter(goal=goal, starts_at=bounds[0]).first()
    if existing is not None:
        return existing
    settings = _snapshot(goal)
    try:
        with transaction.atomic():
            period = GoalPeriod.objects.create(goal=goal, starts_at=bounds[0], ends_at=bounds[1], settings=settings)
            _fill(period, settings, now, rng or random.Random())  # noqa: S311 (a fair draw, not a secret)
    except IntegrityError:  # another worker drew this period first: its tasks stand
        return GoalPeriod.objects.get(goal=goal, starts_at=bounds[0])
    return period


def _fill(period: GoalPeriod, settings: dict, now: datetime, rng: random.Random) -> None:
    goal = period.goal
    evaluators = [
        e
        for e in User.objects.filter(pk__in=settings["evaluators"], is_active=True).select_related("role")
        if has_perm(e, "evaluations.create")
    ]
    draw = _select(settings, now, evaluators, rng) if evaluators and goal.scorecard.is_usable else Draw({}, [])
    chosen = _spread(settings, draw.picked, evaluators, rng) if draw.picked else {}
    eligible = sum(draw.eligible.values())
    ordered = sorted(chosen.items())
    assignments = (
        assignments_create_for(
            source=Source.GOAL,
            scorecard=goal.scorecard,
            due_at=period.ends_at,
            tasks=[(pk, evaluator) for pk, (_agent, evaluator) in ordered],
            note=f"Goal: {goal.name}",
        )
        if ordered
        else []
    )
    # one statement (PostgreSQL: an array per column), not one per row as executemany sends them
    insert_returning_ids(
        GoalTask,
        ("period", "assignment", "agent", "evaluator"),
        [
            (period.pk, assignment_id, agent, evaluator)
            for assignment_id, (_pk, (agent, evaluator)) in zip(assignments, ordered, strict=True)
        ],
    )
    period.eligible, period.drawn = eligible, len(assignments)
    period.save(update_fields=["eligible", "drawn", "updated_at"])
    per_evaluator: dict[int, int] = defaultdict(int)
    for _agent, evaluator in chosen.values():
        per_evaluator[evaluator] += 1
    publish(
        Name.GOAL_PERIOD_GENERATED,
        subject=goal,
        data={
            "period_start": period.starts_at.isoformat(),
            "period_end": period.ends_at.isoformat(),
            "eligible": eligible,
            "drawn": len(assignments),
            "per_evaluator": {str(k): v for k, v in per_evaluator.items()},
        },
        audit=AuditTrail(
            after={"period": period.starts_at.isoformat(), "eligible": eligible, "drawn": len(assignments)}
        ),
    )


def generate_due(*, now: datetime | None = None) -> int:
    """The periodic job: draw the current period of every active goal not drawn yet. Returns how many
    periods were drawn now."""
    now = now or timezone.now()
    made = 0
    for goal in Goal.objects.filter(is_active=True).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=now.date() - timedelta(days=1))
    ):
        before = GoalPeriod.objects.filter(goal=goal).count()
        period_generate(goal=goal, now=now)
        made += GoalPeriod.objects.filter(goal=goal).count() - before
    return made


def ensure_may_edit(by: User) -> None:
    if not has_perm(by, "goals.edit"):
        raise PermissionDenied("You may not edit evaluation goals.")
