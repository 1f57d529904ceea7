from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.calibrations.choices import SessionStatus
from cxq.lib.models import PublicIdModel, TimeStampedModel


class Session(PublicIdModel):
    """A calibration session (docs/calibrations.md#the-session): several assessors score the same interaction with the
    same
    scorecard version, blind to one another until they submit; the session compares their answers."""

    name = models.CharField(max_length=200)
    scorecard = models.ForeignKey("scorecards.Scorecard", on_delete=models.PROTECT, related_name="+")
    # pinned at creation so every assessor answers the same questions even if the scorecard is republished
    version = models.ForeignKey("scorecards.ScorecardVersion", on_delete=models.PROTECT, related_name="+")
    interaction = models.ForeignKey("interactions.Interaction", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    benchmark = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the sessions list, newest first, optionally by status
            models.Index(fields=["status", "-created_at"], name="calsession_status_idx"),
            # the active-calibration marker on an interaction's pages
            models.Index(fields=["interaction", "status"], name="calsession_interaction_idx"),
            # agreement across sessions of one scorecard in a period
            models.Index(fields=["scorecard", "created_at"], name="calsession_scorecard_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Assessor(TimeStampedModel):
    """One person asked to score the session's interaction. Their evaluation is an ordinary
    Evaluation with source="calibration", created when they start. A removed assessor stays on
    record (removed_at) but no longer counts."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="assessors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluation = models.OneToOneField(
        "evaluations.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="calibration_seat"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="calassessor_unique")]
        indexes = [
            # "My tasks": a person's seats in open sessions
            models.Index(fields=["user", "removed_at"], name="calassessor_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"
