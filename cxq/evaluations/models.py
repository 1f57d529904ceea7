from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.evaluations.choices import AssignmentStatus, DisputeResponse, Source, Status
from cxq.lib.models import PublicIdModel, TimeStampedModel


class Assignment(PublicIdModel):
    """An evaluation task (docs/evaluations.md#assignments): evaluate this interaction with this scorecard by this
    date."""

    interaction = models.ForeignKey("interactions.Interaction", on_delete=models.CASCADE, related_name="assignments")
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN)
    # who asked: a person (assigned), an evaluation goal or an automation rule; the evaluation started
    # from the task takes this source (docs/evaluations.md#assignments)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.ASSIGNED)
    note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # "My tasks": an assignee's open tasks by due date
            models.Index(fields=["assignee", "status", "due_at"], name="assignment_mine_idx"),
            # "never given as a task" in a goal's draw: an index-only anti-join (docs/goals.md#speed)
            models.Index(fields=["interaction"], condition=~models.Q(status="cancelled"), name="assignment_live_idx"),
        ]

    def __str__(self) -> str:
        return f"Evaluate {self.interaction_id} with {self.scorecard_id} by {self.due_at:%Y-%m-%d}"


class Evaluation(PublicIdModel):
    """One evaluator's scoring of one agent on one interaction, pinned to a scorecard version
    (docs/scoring.md#scorecard-versions).

    ``answers`` maps question key → option key / "na"; ``question_comments`` maps key → text. The
    score fields are the docs/scoring.md#scoring-rules result of the current revision, rounded for storage.
    ``lock_version``
    increases on every save: a save that names an older one is refused (docs/evaluations.md#concurrent-edits).
    """

    interaction = models.ForeignKey("interactions.Interaction", on_delete=models.PROTECT, related_name="evaluations")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations_received")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations_given")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # the agent's name, kept here so the table sorted by agent walks an index (docs/evaluations.md#sorting-by-agent):
    # written on create, kept in step with renames by cxq/wiring.py (on the accounts' user events)
    agent_name = models.CharField(max_length=150, default="", blank=True, editable=False)
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.PROTECT, related_name="evaluations")
    version = models.ForeignKey("scorecards.ScorecardVersion", on_delete=models.PROTECT, related_name="evaluations")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    question_comments = models.JSONField(default=dict, blank=True)
    # per answer given from an indicator, what it rests on (docs/evaluations.md#automated-evaluations)
    evidence = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    earned = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    possible = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    auto_failed = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0)
    lock_version = models.PositiveIntegerField(default=1)
    completed_at = models.DateTimeField(null=True, blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    auto_acknowledged = models.BooleanField(default=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the evaluations table, newest first, and its common scopes
            models.Index(fields=["-created_at", "-id"], name="evaluation_created_idx"),
            models.Index(fields=["agent", "-created_at"], name="evaluation_agent_idx"),
            models.Index(fields=["team", "-created_at"], name="evaluation_team_idx"),
            models.Index(fields=["evaluator", "-created_at"], name="evaluation_evaluator_idx"),
            # the table sorted by score or by completion
            models.Index(fields=["score_percent", "id"], name="evaluation_score_idx"),
            models.Index(fields=["completed_at", "id"], name="evaluation_completed_idx"),
            # the table sorted by agent name (the keyset's (agent_name, id)), both directions
            models.Index(fields=["agent_name", "id"], name="evaluation_agent_name_idx"),
            # counting the table: who may see what is decided on these three columns alone, so the
            # count reads this narrow index instead of every (wide) row
            models.Index(fields=["source", "status", "evaluator"], name="evaluation_visible_idx"),
            # "never evaluated" in a goal's draw: an index-only anti-join (docs/goals.md#speed)
            models.Index(fields=["interaction"], condition=~models.Q(status="voided"), name="evaluation_live_idx"),
            # an agent's "awaiting my acknowledgement", soonest deadline first (their dashboard,
            # docs/analytics.md#dashboards): without it the planner walks every awaiting evaluation
            models.Index(fields=["agent", "status", "ack_due_at"], name="evaluation_agent_ack_idx"),
            # the auto-acknowledge sweep
            models.Index(
                fields=["status", "ack_due_at"],
                condition=models.Q(status="awaiting_ack"),
                name="evaluation_ack_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Evaluation of {self.agent} on {self.interaction_id}"


class Revision(TimeStampedModel):
    """A completed state of an evaluation. A dispute adjustment makes a new one; older ones stay
    (docs/evaluations.md#revisions)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    question_comments = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    result = models.JSONField(help_text="The scoring result as cxq score prints it (docs/scoring.md)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["evaluation", "number"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "number"], name="revision_number_unique")]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.evaluation_id}"


class Dispute(PublicIdModel):
    """An agent's disagreement with specific answers (docs/evaluations.md#disputes)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    # when it should be answered: raised + dispute_response_days (docs/evaluations.md#the-disputes-queue)
    respond_by = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # the disputes queue's keyset pages (docs/evaluations.md#the-disputes-queue): open ones oldest first
            # walk the partial index and stop after a page; answered ones walk the other backwards
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(resolved_at__isnull=True),
                name="dispute_open_created_idx",
            ),
            models.Index(fields=["created_at", "id"], name="dispute_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.evaluation_id}"


class DisputeItem(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    question_key = models.CharField(max_length=64)
    reason = models.TextField()
    # the moment of the recording the agent points at (seconds from its start), if any
    at_seconds = models.FloatField(null=True, blank=True)
    response = models.CharField(max_length=10, choices=DisputeResponse.choices, blank=True)
    response_note = models.TextField(blank=True)
    new_answer = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dispute", "question_key"], name="dispute_item_unique")]

    def __str__(self) -> str:
        return f"{self.question_key}: {self.reason[:40]}"


class Event(models.Model):
    """The history of an evaluation: every transition, with who and when (docs/architecture.md)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evaluation", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.evaluation_id}"

    @property
    def label(self) -> str:
        """The history line's verb: "evaluation.dispute_answered" → "Dispute answered"."""
        return self.kind.rpartition(".")[2].replace("auto_", "auto-").replace("_", " ").capitalize()
