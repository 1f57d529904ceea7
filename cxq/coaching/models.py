"""Coaching sessions (docs/coaching.md)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from cxq.coaching.choices import FocusKind, Kind, Origin, Status, Withdrawal
from cxq.lib.models import PublicIdModel, TimeStampedModel


class CoachingSession(PublicIdModel):
    """One coaching session: a coach, one or more agents, what to work on and when.

    A video meeting or in-person session happens at ``starts_at`` for ``duration_minutes``; an asynchronous
    one has a ``due_at`` and material to go through. ``sequence`` is the iCalendar SEQUENCE of the invite:
    bumped by every change the attendees' calendars must follow (docs/coaching.md#invites)."""

    title = models.CharField(max_length=200)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_given")
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Attendee", related_name="coaching_received")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VIDEO)
    starts_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    meeting_url = models.URLField(max_length=500, blank=True)
    location = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    material = models.TextField(blank=True)
    material_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    outcome_notes = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # completed, cancelled or missed
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.PAGE)
    evaluation = models.ForeignKey(
        "evaluations.Evaluation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dispute = models.ForeignKey(
        "evaluations.Dispute", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            # the missed-session sweep: scheduled sessions by start and by due time
            models.Index(fields=["status", "starts_at"], name="coaching_status_start_idx"),
            models.Index(fields=["status", "due_at"], name="coaching_status_due_idx"),
            # a coach's sessions on their dashboard
            models.Index(fields=["coach", "status"], name="coaching_coach_idx"),
            # the sessions page, newest first: its keyset pages walk this index (docs/coaching.md#where-it-shows)
            models.Index(fields=["created_at", "id"], name="coaching_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self):
        if self.kind == Kind.ASYNC or self.starts_at is None:
            return self.due_at
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def when(self):
        """The moment that orders sessions: the start, or an asynchronous session's due time."""
        return self.due_at if self.kind == Kind.ASYNC else self.starts_at

    @property
    def ics_uid(self) -> str:
        return f"coaching-{self.uuid}@cxq"


class Attendee(models.Model):
    """An agent of a session, and when they acknowledged it."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="attendees")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coaching_seats")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "agent"], name="coaching_attendee_once")]
        indexes = [
            # an agent's sessions (their dashboard, profile, scope)
            models.Index(fields=["agent", "session"], name="coaching_attendee_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} in {self.session_id}"


class FocusItem(models.Model):
    """What a session works on: an evaluation, one question of an evaluation, a moment of an interaction
    (interaction and second, with a note; no dependency on the moments app) or a free note."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="focus")
    kind = models.CharField(max_length=12, choices=FocusKind.choices)
    evaluation = models.ForeignKey(
        "evaluations.Evaluation", null=True, blank=True, on_delete=models.CASCADE, related_name="coaching_focus"
    )
    question_key = models.CharField(max_length=64, blank=True)
    question_text = models.CharField(max_length=500, blank=True)
    interaction = models.ForeignKey(
        "interactions.Interaction", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at_seconds = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # An evaluation voided or deleted after it was chosen (docs/coaching.md#withdrawn-focus): the item stays,
    # for the session's history, marked withdrawn; what it was is kept, as its evaluation may be gone.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=12, choices=Withdrawal.choices, blank=True)
    withdrawn_evaluation = models.UUIDField(null=True, blank=True)  # its public id, kept after a deletion
    withdrawn_label = models.CharField(max_length=300, blank=True)  # "Scorecard · Agent · 84%"

    class Meta:
        ordering = ["session", "position", "id"]
        indexes = [
            # the evaluation page's "coaching sessions about this evaluation"
            models.Index(fields=["evaluation"], name="coaching_focus_eval_idx"),
            # the coach's notice when an evaluation is withdrawn (it may be deleted: by its public id)
            models.Index(fields=["withdrawn_evaluation"], name="coaching_focus_withdrawn_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_reason="")
                | models.Q(withdrawn_at__isnull=False) & ~models.Q(withdrawn_reason=""),
                name="coaching_focus_withdrawn_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.session_id}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class FollowUp(TimeStampedModel):
    """A follow-up action agreed in the session: a checklist item that is done or not."""

    session = models.ForeignKey(CoachingSession, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(max_length=300)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["session", "position", "id"]

    def __str__(self) -> str:
        return self.text
