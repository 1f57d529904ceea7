from __future__ import annotations

import uuid
from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from cxq.lib.memo import request_memo
from cxq.lib.models import PublicIdModel, TimeStampedModel


class Role(PublicIdModel):
    """A named set of permission codes (docs/accounts.md#roles-and-permissions). Built-in roles cannot be deleted."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    is_builtin = models.BooleanField(default=False)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())


class User(AbstractBaseUser):
    """A person in the organisation. Agents imported from integrations may have no usable password."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the organisation default")
    external_id = models.CharField(max_length=128, null=True, blank=True, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @cached_property
    def permission_codes(self) -> frozenset[str]:
        if not self.is_active or self.role_id is None:
            return frozenset()
        return frozenset(self.role.permissions)

    def can(self, code: str) -> bool:
        from cxq.accounts.permissions import has_perm

        return has_perm(self, code)

    @property
    def role_key(self) -> str:
        return self.role.key if self.role_id else ""

    @property
    def can_log_in(self) -> bool:
        return self.is_active and self.has_usable_password()


class Team(PublicIdModel):
    """Agents belong to teams (members); supervisors, managers and evaluators lead them (leads)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    leads = models.ManyToManyField(User, related_name="led_teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(PublicIdModel):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise a token in lists")
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "my tokens" list on the account page and the API
            models.Index(fields=["user", "-created_at"], name="accounts_token_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()


class OrgSettings(TimeStampedModel):
    """Organisation-wide settings (docs/accounts.md#organisation-settings): a single row, pk 1."""

    name = models.CharField(max_length=120, default="My contact center")
    default_time_zone = models.CharField(max_length=64, default="UTC")
    acknowledgement_required = models.BooleanField(default=True)
    acknowledgement_days = models.PositiveSmallIntegerField(default=7)
    unknown_agents = models.CharField(
        max_length=8,
        choices=[("create", "Create them as agents without a login"), ("reject", "Reject the interaction")],
        default="create",
        help_text="What ingest does with an agent it cannot match by email or external id.",
    )
    dispute_window_days = models.PositiveSmallIntegerField(default=14, help_text="Days after completion to dispute")
    max_disputes = models.PositiveSmallIntegerField(default=1, help_text="Disputes allowed per evaluation")
    dispute_response_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days the evaluator or a lead has to answer a dispute"
    )
    automated_evaluations_count = models.BooleanField(
        default=True, help_text="Automated evaluations count in analytics (reports, leaderboards, dashboards)"
    )
    webhook_secret = models.CharField(max_length=200, blank=True, help_text="Signs inbound webhooks")
    silence_seconds = models.DecimalField(max_digits=5, decimal_places=1, default=3)
    crosstalk_seconds = models.DecimalField(max_digits=5, decimal_places=1, default=0.5)
    # recordings (docs/screen-recordings.md): screen tracks accepted for voice calls; how long media is
    # kept, in days after the interaction (empty: kept until deleted by hand)
    screen_recording_enabled = models.BooleanField(
        default=False, help_text="Accept screen recordings (up to four monitors) for voice interactions"
    )
    recording_retention_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Delete call recordings this many days after the interaction"
    )
    screen_retention_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Delete screen recordings this many days after the interaction"
    )

    class Meta:
        verbose_name = "organisation settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="accounts_orgsettings_singleton"),
            models.CheckConstraint(
                condition=models.Q(acknowledgement_days__gte=1, acknowledgement_days__lte=365),
                name="accounts_orgsettings_ack_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(recording_retention_days__isnull=True)
                | models.Q(recording_retention_days__gte=1, recording_retention_days__lte=2557),
                name="accounts_orgsettings_recording_retention_range",
            ),
            models.CheckConstraint(
                condition=models.Q(screen_retention_days__isnull=True)
                | models.Q(screen_retention_days__gte=1, screen_retention_days__lte=2557),
                name="accounts_orgsettings_screen_retention_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls) -> OrgSettings:
        """The settings row (made on first use), read once per reading request (``cxq.lib.memo``)."""
        return request_memo(("org-settings",), lambda: cls.objects.get_or_create(pk=1)[0])
