"""OpenID Connect single sign-on (docs/sso.md): the organisation's provider, its group mappings, and
which provider account each person signs in with."""

from __future__ import annotations

from django.db import models

from cxq.accounts.models import Role, Team, User
from cxq.lib.models import TimeStampedModel

DEFAULT_SCOPES = "openid email profile"


class SsoSettings(TimeStampedModel):
    """The organisation's OpenID provider: a single row, pk 1 (docs/sso.md#settings)."""

    enabled = models.BooleanField(default=False)
    provider_name = models.CharField(max_length=60, blank=True, help_text='Shown as "Sign in with …"')
    discovery_url = models.CharField(max_length=500, blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = models.CharField(max_length=500, blank=True)  # write-only on the page
    scopes = models.CharField(max_length=300, default=DEFAULT_SCOPES)
    email_claim = models.CharField(max_length=100, default="email")
    name_claim = models.CharField(max_length=100, default="name")
    groups_claim = models.CharField(max_length=100, blank=True, default="groups")
    jit_create = models.BooleanField(default=False)
    password_login_disabled = models.BooleanField(default=False)
    # The provider's discovery document as last fetched on save (issuer and endpoints).
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "single sign-on settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="sso_settings_singleton")]

    def __str__(self) -> str:
        return self.provider_name or "Single sign-on"

    @classmethod
    def get(cls) -> SsoSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def current(cls) -> SsoSettings:
        """The row, or the defaults unsaved: reading the settings never writes."""
        return cls.objects.filter(pk=1).first() or cls()

    @property
    def is_ready(self) -> bool:
        """On, and with everything a sign-in needs."""
        return bool(self.enabled and self.discovery_url and self.client_id and self.metadata.get("issuer"))

    @property
    def display_name(self) -> str:
        return self.provider_name or "single sign-on"


class GroupMapping(TimeStampedModel):
    """A group of the provider's groups claim, mapped to a role or to team membership
    (docs/sso.md#roles-and-teams-from-groups). Rows are applied in ``position`` order."""

    group = models.CharField(max_length=200)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__isnull=False, team__isnull=True) | models.Q(role__isnull=True, team__isnull=False)
                ),
                name="sso_groupmapping_role_xor_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role or self.team}"


class SsoIdentity(TimeStampedModel):
    """The provider account (issuer + subject) a person signs in with; matched before the email."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # (issuer, subject) is how a sign-in finds its person; "is this an SSO user?" uses the user FK's index.
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_iss_sub_unique")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
