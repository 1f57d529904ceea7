from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.automations.choices import Action, Distribution, Outcome
from cxq.lib.models import PublicIdModel


class Rule(PublicIdModel):
    """An automation card (docs/automations.md): a condition (docs/conditions.md) and an action. Cards are ordered
    by ``position``; the first enabled card whose condition holds applies to an interaction."""

    name = models.CharField(max_length=120)
    condition = models.JSONField(default=dict)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.ASSIGN)
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.PROTECT, related_name="+")
    pool = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    distribution = models.CharField(max_length=12, choices=Distribution.choices, default=Distribution.ROUND_ROBIN)
    due_days = models.PositiveSmallIntegerField(default=3)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # round-robin: how many tasks the rule has handed out; the next goes to pool[turn % len(pool)]
    turn = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Match(models.Model):
    """An interaction's matching log: which card fired on it, when, and what it did."""

    interaction = models.ForeignKey("interactions.Interaction", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="matches")
    rule_name = models.CharField(max_length=120)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    assignment = models.ForeignKey(
        "evaluations.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluation = models.ForeignKey(
        "evaluations.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["interaction", "-created_at", "-id"]
        indexes = [
            # the interaction page's matching log
            models.Index(fields=["interaction", "-created_at"], name="automation_match_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name} on {self.interaction_id}: {self.outcome}"
