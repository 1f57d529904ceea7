from django.db import models


class Recurrence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Monday to Sunday)"
    MONTHLY = "monthly", "Monthly"
    ONCE = "once", "One time (from start to end)"


class TargetPer(models.TextChoices):
    AGENT = "agent", "per agent"
    EVALUATOR = "evaluator", "per evaluator"
