"""Reads of evaluation goals, scoped by who asks (docs/goals.md#who-sees-what)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm, require
from cxq.accounts.selectors import user_scope
from cxq.evaluations.choices import AssignmentStatus
from cxq.goals.models import Goal, GoalPeriod, GoalTask


def goal_list(*, viewer: User) -> QuerySet[Goal]:
    """Every goal for viewers who see all teams; otherwise the goals they made and those whose
    evaluators are people in their scope."""
    require(viewer, "goals.view")
    qs = Goal.objects.select_related("scorecard", "created_by")
    if not has_perm(viewer, "scope.all_teams"):
        people = user_scope(viewer=viewer).values("pk")
        mine = Goal.objects.filter(Q(created_by=viewer) | Q(evaluators__in=people)).values("pk")
        qs = qs.filter(pk__in=mine)
    return qs.order_by("-is_active", "name", "id")


def goal_get_for(*, viewer: User, uuid) -> Goal:
    return get_object_or_404(goal_list(viewer=viewer), uuid=uuid)


@dataclass
class Line:
    """Progress of one person in a period: tasks done out of the target, and how many are overdue."""

    person: User
    target: int
    drawn: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.target) if self.target else 100


@dataclass
class Progress:
    period: GoalPeriod
    target: int = 0
    drawn: int = 0
    done: int = 0
    overdue: int = 0
    evaluators: list[Line] = field(default_factory=list)
    agents: list[Line] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.target) if self.target else 100


def period_progress(period: GoalPeriod, *, now: datetime | None = None) -> Progress:
    """done / target per evaluator and per agent for a period, with the settings it was drawn with: a
    per-agent target counts against each agent drawn; a per-evaluator target against each evaluator."""
    now = now or timezone.now()
    settings = period.settings
    per_agent = settings.get("target_per") == "agent"
    target = settings.get("target", 0)
    tasks = list(
        GoalTask.objects.filter(period=period).select_related("agent", "evaluator", "assignment").order_by("id")
    )
    evaluators = {u.pk: u for u in User.objects.filter(pk__in=settings.get("evaluators", []))}
    by_evaluator = {pk: Line(u, 0 if per_agent else target) for pk, u in evaluators.items()}
    by_agent: dict[int, Line] = {}
    progress = Progress(period=period)
    for task in tasks:
        done = task.assignment.status == AssignmentStatus.DONE
        late = task.assignment.status == AssignmentStatus.OPEN and task.assignment.due_at < now
        ev = by_evaluator.setdefault(task.evaluator_id, Line(task.evaluator, 0 if per_agent else target))
        ag = by_agent.setdefault(task.agent_id, Line(task.agent, target if per_agent else 0))
        for line in (ev, ag):
            line.drawn += 1
            line.done += done
            line.overdue += late
        progress.drawn += 1
        progress.done += done
        progress.overdue += late
    for line in by_evaluator.values():
        if per_agent:
            line.target = line.drawn
    for line in by_agent.values():
        if not per_agent:
            line.target = line.drawn
    progress.target = target * len(by_agent) if per_agent else target * len(evaluators)
    progress.evaluators = sorted(by_evaluator.values(), key=lambda x: x.person.full_name)
    progress.agents = sorted(by_agent.values(), key=lambda x: x.person.full_name)
    return progress


def goal_periods(goal: Goal, *, limit: int = 12) -> list[GoalPeriod]:
    return list(GoalPeriod.objects.filter(goal=goal).order_by("-starts_at")[:limit])


@dataclass
class MyGoal:
    goal: Goal
    period: GoalPeriod
    mine: Line


def my_goal_progress(*, user: User, now: datetime | None = None) -> list[MyGoal]:
    """The evaluator's share of each goal's latest period (the dashboard panel): tasks done out of
    those drawn for them, and how many are overdue."""
    now = now or timezone.now()
    periods = (
        GoalPeriod.objects.filter(tasks__evaluator=user, goal__is_active=True)
        .select_related("goal")
        .distinct()
        .order_by("goal_id", "-starts_at")
    )
    latest: dict[int, GoalPeriod] = {}
    for period in periods:
        latest.setdefault(period.goal_id, period)
    result = []
    for period in latest.values():
        tasks = GoalTask.objects.filter(period=period, evaluator=user).select_related("assignment")
        line = Line(user, 0)
        for task in tasks:
            line.drawn += 1
            line.done += task.assignment.status == AssignmentStatus.DONE
            line.overdue += task.assignment.status == AssignmentStatus.OPEN and task.assignment.due_at < now
        line.target = (
            period.settings.get("target", 0) if period.settings.get("target_per") == "evaluator" else line.drawn
        )
        result.append(MyGoal(period.goal, period, line))
    return sorted(result, key=lambda g: g.goal.name)


def team_goal_progress(*, viewer: User, now: datetime | None = None) -> list[Progress]:
    """For a lead: each active goal they see, latest period's progress (the dashboard panel)."""
    if not has_perm(viewer, "goals.view"):
        return []
    result = []
    for goal in goal_list(viewer=viewer).filter(is_active=True)[:5]:
        period = GoalPeriod.objects.filter(goal=goal).order_by("-starts_at").first()
        if period is not None:
            result.append(period_progress(period, now=now))
    return result
