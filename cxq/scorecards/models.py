from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel
from cxq.scorecards.choices import ScorecardStatus


class Scorecard(PublicIdModel):
    """A scorecard (docs/scoring.md#scorecard-versions). Its content lives in versions; ``current_version`` is what new
    evaluations use. Name, description and mode are copied from it for fast lists."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scoring_mode = models.CharField(max_length=12, default="percentage")
    status = models.CharField(max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT)
    current_version = models.ForeignKey(
        "ScorecardVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # the current version's score bands (docs/scoring.md#score-bands), copied for lists and reports
    bands = models.JSONField(default=list, blank=True)
    # where it applies (docs/scoring.md#applicability): channel values (cxq.lib.channels) and teams; empty = all
    channels = models.JSONField(default=list, blank=True)
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # the scorecard list, filtered by status, sorted by name
            models.Index(fields=["status", "name"], name="scorecard_status_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def band(self, *, score_percent, earned):
        """The band an evaluation's score falls in (docs/scoring.md#score-bands), or None."""
        from cxq.scoring import band_for

        return band_for(self.bands, earned if self.scoring_mode == "points" else score_percent)

    @property
    def is_usable(self) -> bool:
        """Only published scorecards can be used to evaluate (docs/scoring.md#scorecard-versions)."""
        return self.status == ScorecardStatus.PUBLISHED


class ScorecardVersion(PublicIdModel):
    """One version of a scorecard's document (docs/scoring.md#the-scorecard-document, canonical form). Scores pin a
    version; a
    non-cosmetic edit of a published scorecard makes a new one, so history is never rewritten
    (docs/scoring.md#scorecard-versions).
    Cosmetic edits (texts only) update the current version in place."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    change_note = models.TextField(blank=True, help_text="Why this version was made")
    # questions answered from indicators, kept beside the document (docs/scoring.md#questions-answered-from-indicators)
    indicator_links = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard.name} v{self.number}"
