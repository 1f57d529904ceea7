from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    """What a schedule entry is (docs/schedules.md#entries): a shift, or an activity inside or beside one."""

    SHIFT = "shift", "Shift"
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    MEETING = "meeting", "Meeting"
    TRAINING = "training", "Training"
    COACHING = "coaching", "Coaching"
    OTHER = "other", "Other"


# Every kind but a shift blocks the time it covers (docs/schedules.md#slot-suggestion).
ACTIVITY_KINDS = tuple(k for k in Kind.values if k != Kind.SHIFT)


class EntrySource(models.TextChoices):
    CSV = "csv", "CSV import"
    ICS = "ics", "ICS import"
    API = "api", "API"
    COACHING = "coaching", "Coaching session"
    ADAPTER = "adapter", "External WFM system"
