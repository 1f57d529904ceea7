from django.db import models


class Action(models.TextChoices):
    ASSIGN = "assign", "Assign an evaluation task"
    AUTOMATED = "automated", "Run an automated evaluation"


class Distribution(models.TextChoices):
    """How a task goes to one person of the rule's pool (docs/automations.md#actions)."""

    ROUND_ROBIN = "round_robin", "Round-robin"
    LEAST_LOADED = "least_loaded", "Least loaded (fewest open tasks)"


class Outcome(models.TextChoices):
    ASSIGNED = "assigned", "Task assigned"
    EVALUATED = "evaluated", "Automated evaluation done"
    SKIPPED = "skipped", "Matched, but the action could not be done"
