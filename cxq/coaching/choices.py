from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    VIDEO = "video", "Video meeting"
    IN_PERSON = "in_person", "In person"
    ASYNC = "async", "Asynchronous"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    MISSED = "missed", "Missed"


class Origin(models.TextChoices):
    PAGE = "page", "Coaching page"
    EVALUATION = "evaluation", "Evaluation"
    DISPUTE = "dispute", "Dispute outcome"
    MOMENT = "moment", "Moment"


class FocusKind(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    QUESTION = "question", "Question"
    MOMENT = "moment", "Moment"
    NOTE = "note", "Note"


class Withdrawal(models.TextChoices):
    """Why a focus item's evaluation is no longer there to work on (docs/coaching.md#withdrawn-focus)."""

    VOIDED = "voided", "voided"
    DELETED = "deleted", "deleted"
