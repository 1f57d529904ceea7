from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel, TimeStampedModel
from cxq.schedules.choices import EntrySource, Kind

DEFAULT_FORECAST_WEEKS = 4


class Entry(PublicIdModel):
    """A shift or an activity of one person (docs/schedules.md#entries). Times are aware instants
    (stored in UTC); ``external_id`` is the importer's key for upserts; a coaching activity is keyed by
    its session (``coaching_session``) so a reschedule moves it and a cancellation removes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    title = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=EntrySource.choices, default=EntrySource.API)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    coaching_session = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # one person's entries over a range: the schedule page, the feed, slot suggestion
            models.Index(fields=["user", "starts_at"], name="schedule_entry_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="schedule_entry_ends_after"
            ),
            models.UniqueConstraint(
                fields=["coaching_session", "user"],
                condition=~models.Q(coaching_session=""),
                name="schedule_entry_one_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} ({self.user_id})"


class ForecastInterval(models.Model):
    """Expected interactions in one 15-minute interval of a weekday, in the organisation's time zone
    (docs/schedules.md#forecast). ``team`` null: the whole organisation."""

    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField()  # 1 = Monday … 7 = Sunday (ISO)
    minute = models.PositiveSmallIntegerField()  # the interval's first minute of the local day: 0, 15, … 1425
    volume = models.FloatField()
    weeks = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["team", "weekday", "minute"]
        constraints = [
            models.UniqueConstraint(fields=["team", "weekday", "minute"], name="forecast_interval_once"),
            models.UniqueConstraint(
                fields=["weekday", "minute"], condition=models.Q(team__isnull=True), name="forecast_org_interval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or 'org'} d{self.weekday} {self.minute // 60:02d}:{self.minute % 60:02d} {self.volume}"


class ScheduleSettings(TimeStampedModel):
    """The organisation's schedule settings (docs/schedules.md#settings): a single row, pk 1."""

    forecast_weeks = models.PositiveSmallIntegerField(
        default=DEFAULT_FORECAST_WEEKS, help_text="Weeks of history the forecast averages (1 to 52)"
    )

    class Meta:
        verbose_name = "schedule settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="schedules_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(forecast_weeks__gte=1, forecast_weeks__lte=52), name="schedules_weeks_range"
            ),
        ]

    @classmethod
    def get(cls) -> ScheduleSettings:
        """The row, or the defaults when none was saved yet (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class FeedToken(TimeStampedModel):
    """A person's private calendar feed (docs/schedules.md#calendar-feed). Only a SHA-256 digest is
    stored; the URL is shown once. Regenerating replaces it, revoking deletes it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule_feed")
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"feed {self.prefix}… ({self.user_id})"
