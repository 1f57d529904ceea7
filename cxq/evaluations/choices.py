from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETED = "completed", "Completed"
    AWAITING_ACK = "awaiting_ack", "Awaiting acknowledgement"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISPUTED = "disputed", "Disputed"
    VOIDED = "voided", "Voided"


# The statuses of an evaluation whose score counts (with a source that counts, cxq/evaluations/sources.py):
# finished and not voided. Drafts, voided and deleted evaluations never count.
COUNTED_STATUSES = (Status.COMPLETED, Status.AWAITING_ACK, Status.ACKNOWLEDGED, Status.DISPUTED)


class Source(models.TextChoices):
    MANUAL = "manual", "Manual"
    ASSIGNED = "assigned", "Assigned"
    GOAL = "goal", "Goal"
    AUTOMATION = "automation", "Automation"
    AUTOMATED = "automated", "Automated"
    CALIBRATION = "calibration", "Calibration"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class DisputeResponse(models.TextChoices):
    ADJUST = "adjust", "Adjusted"
    REAFFIRM = "reaffirm", "Re-affirmed"
