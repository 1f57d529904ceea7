"""Demo evaluation goals (docs/demo.md#goals): two weekly goals with their last four periods drawn
through the goals' own service, so the goal pages and the dashboard's goals panel show progress.

Past weeks' tasks were done (all but one per goal, left overdue), the current week's about half. Each
done task is evaluated through the evaluation services like the rest of the demo (same drift per
agent), then moved back to when it happened. Idempotent: goals are matched by name, and a period that
exists is not drawn again."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cxq.accounts.models import OrgSettings, Team, User
from cxq.analytics.services import analytics_rebuild
from cxq.devdata.demo.evaluations import (
    CHAT_CARD,
    VOICE_CARD,
    Planned,
    backdate_notifications,
    evaluate,
    progress_of,
    quality,
)
from cxq.evaluations.choices import AssignmentStatus
from cxq.evaluations.models import Assignment
from cxq.goals.choices import Recurrence, TargetPer
from cxq.goals.models import Goal, GoalPeriod, GoalTask
from cxq.goals.services import GoalInput, goal_create, period_generate
from cxq.scorecards.models import Scorecard

SEED = 7
WEEKS = 4  # the current week and the three before it


def _goals(admin: User, evaluator: User, supervisor: User, start) -> list[Goal]:
    """The demo goals, created when missing (by name)."""
    cards = {c.name: c for c in Scorecard.objects.filter(name__in=(VOICE_CARD, CHAT_CARD), status="published")}
    teams = [str(t.uuid) for t in Team.objects.filter(name__in=("Billing Support", "Technical Support"))]
    specs = []
    if VOICE_CARD in cards and teams:
        specs.append(
            GoalInput(
                name="Weekly inbound call check",
                scorecard=cards[VOICE_CARD],
                evaluators=[evaluator, supervisor],
                target=1,
                target_per=TargetPer.AGENT,
                recurrence=Recurrence.WEEKLY,
                starts_on=start,
                ends_on=None,
                recent_days=7,
                condition={
                    "all": [
                        {"field": "channel", "op": "is", "value": "voice"},
                        {"field": "direction", "op": "is", "value": "inbound"},
                        {"field": "team", "op": "in", "value": teams},
                    ]
                },
            )
        )
    if CHAT_CARD in cards:
        specs.append(
            GoalInput(
                name="Weekly chat sample",
                scorecard=cards[CHAT_CARD],
                evaluators=[evaluator],
                target=3,
                target_per=TargetPer.EVALUATOR,
                recurrence=Recurrence.WEEKLY,
                starts_on=start,
                ends_on=None,
                recent_days=7,
                condition={"all": [{"field": "channel", "op": "is", "value": "chat"}]},
            )
        )
    goals = []
    for spec in specs:
        goal = Goal.objects.filter(name=spec.name).first()
        goals.append(goal or goal_create(by=admin, data=spec))
    return goals


def _work(period: GoalPeriod, rng: random.Random, now: datetime, ack_days: int, current: bool) -> int:
    """Do the period's tasks as the evaluators would have: all but one of a past week's (left overdue),
    about half of the current week's. Returns how many evaluations were made."""
    tasks = list(
        GoalTask.objects.filter(period=period, assignment__status=AssignmentStatus.OPEN)
        .select_related("assignment__interaction__agent", "assignment__scorecard", "assignment__assignee")
        .order_by("id")
    )
    keep_open = len(tasks) // 2 if current else 1
    made = 0
    for task in tasks[: max(0, len(tasks) - keep_open)]:
        assignment: Assignment = task.assignment
        interaction = assignment.interaction
        earliest = max(period.starts_at, interaction.started_at) + timedelta(hours=3)
        latest = min(period.ends_at, now) - timedelta(hours=1)
        if latest <= earliest:
            continue  # too recent to have been evaluated yet
        done = earliest + (latest - earliest) * rng.uniform(0.1, 0.9)
        planned = Planned(
            interaction,
            assignment.scorecard,
            assignment.assignee,
            done,
            quality(interaction.agent.email, progress_of(interaction, now)),
        )
        evaluate(planned, rng, ack_days, now, assignment=assignment, sweep=made % 4 == 3)
        made += 1
    return made


@transaction.atomic
def load_demo_goals(now: datetime | None = None) -> dict:
    """Create the demo goals and draw their last four weekly periods (before the other demo
    evaluations, so the draw finds unevaluated conversations). ``drawn`` lists the new periods, for
    :func:`work_demo_goals`."""
    admin = User.objects.filter(role__key="admin", is_active=True).order_by("id").first()
    evaluator = User.objects.filter(email="evaluator@cxq.test").first()
    supervisor = User.objects.filter(email="supervisor@cxq.test").first()
    created: dict = {"goals": 0, "periods": 0, "drawn": []}
    if not (admin and evaluator and supervisor):
        return created
    now = now or timezone.now()
    before = set(Goal.objects.values_list("pk", flat=True))
    goals = _goals(admin, evaluator, supervisor, (now - timedelta(weeks=WEEKS)).date())
    created["goals"] = len([g for g in goals if g.pk not in before])
    rng = random.Random(SEED)
    for goal in goals:
        for weeks_ago in range(WEEKS - 1, -1, -1):
            moment = now - timedelta(weeks=weeks_ago)
            if GoalPeriod.objects.filter(goal=goal, starts_at__lte=moment, ends_at__gt=moment).exists():
                continue  # drawn already (idempotent)
            period = period_generate(goal=goal, now=moment, rng=rng)
            if period is None:
                continue
            drawn_at = period.starts_at + timedelta(hours=1)
            GoalPeriod.objects.filter(pk=period.pk).update(created_at=drawn_at, updated_at=drawn_at)
            Assignment.objects.filter(goal_task__period=period).update(created_at=drawn_at, updated_at=drawn_at)
            created["drawn"].append(period.pk)
    created["periods"] = len(created["drawn"])
    return created


@transaction.atomic
def work_demo_goals(period_ids: list[int], now: datetime | None = None) -> int:
    """Evaluate the tasks of the periods just drawn (:func:`_work`). Returns how many evaluations."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    ack_days = OrgSettings.get().acknowledgement_days
    made = 0
    for period in GoalPeriod.objects.filter(pk__in=period_ids).order_by("starts_at", "goal_id"):
        made += _work(period, rng, now, ack_days, current=period.ends_at > now)
    if made:
        backdate_notifications(now)
        analytics_rebuild()  # the evaluations were moved back in time: file each on its day
    return made
