from django.db import models


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class ChangeKind(models.TextChoices):
    """How an edit was recorded (docs/scoring.md#scorecard-versions)."""

    SAVED = "saved", "Saved (draft)"
    COSMETIC = "cosmetic", "Cosmetic change, same version"
    NEW_VERSION = "new_version", "New version"
    LINKS = "links", "Indicator links changed, same version"
    UNCHANGED = "unchanged", "No change"
