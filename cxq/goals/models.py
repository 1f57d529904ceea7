from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.goals.choices import Recurrence, TargetPer
from cxq.interactions.conditions import EVERYTHING
from cxq.lib.models import PublicIdModel, TimeStampedModel


def _everything() -> dict:
    return dict(EVERYTHING)


class Goal(PublicIdModel):
    """An evaluation goal (docs/goals.md): each period, draw recent unevaluated interactions matching
    ``condition`` so that every agent gets their share, and give them to the evaluators as tasks."""

    name = models.CharField(max_length=120)
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.PROTECT, related_name="+")
    evaluators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="evaluation_goals")
    target = models.PositiveIntegerField(help_text="Evaluations per agent or per evaluator, each period")
    target_per = models.CharField(max_length=10, choices=TargetPer.choices, default=TargetPer.AGENT)
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices, default=Recurrence.WEEKLY)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    recent_days = models.PositiveSmallIntegerField(default=7, help_text="Draw among interactions of the last N days")
    condition = models.JSONField(default=_everything)  # cxq/interactions/conditions.py, validated
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class GoalPeriod(TimeStampedModel):
    """One generated period of a goal. The unique (goal, starts_at) makes generation idempotent, also
    when two workers race: the second insert waits for the first and fails. ``settings`` keeps what the
    goal said when the period was drawn (an edit applies from the next period)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="periods")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    settings = models.JSONField(default=dict)
    eligible = models.PositiveIntegerField(default=0)  # interactions that could be drawn
    drawn = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["goal", "-starts_at"]
        constraints = [models.UniqueConstraint(fields=["goal", "starts_at"], name="goal_period_once")]

    def __str__(self) -> str:
        return f"{self.goal_id} from {self.starts_at:%Y-%m-%d}"


class GoalTask(models.Model):
    """A task a period drew: which agent's share and which evaluator's work it counts towards."""

    period = models.ForeignKey(GoalPeriod, on_delete=models.CASCADE, related_name="tasks")
    assignment = models.OneToOneField("evaluations.Assignment", on_delete=models.CASCADE, related_name="goal_task")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["period", "id"]
        indexes = [
            # an evaluator's goal work on the dashboard
            models.Index(fields=["evaluator", "period"], name="goal_task_evaluator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} for {self.agent_id} by {self.evaluator_id}"
