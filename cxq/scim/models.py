"""SCIM provisioning (docs/scim.md): the organisation's SCIM tokens, and what SCIM keeps about the users
and teams it manages beyond the accounts tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cxq.lib.models import PublicIdModel, TimeStampedModel


class ScimToken(PublicIdModel):
    """A bearer token for the identity provider's SCIM client (docs/scim.md#tokens).

    Not a personal API token: it belongs to the organisation, acts as a service actor with exactly
    ``users.manage`` and ``teams.manage``, opens only ``/scim/v2/`` and keeps working when the admin who
    created it leaves. Only a SHA-256 digest is stored; the token is shown once."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise a token in lists")
    digest = models.CharField(max_length=64, unique=True)
    role = models.ForeignKey(
        "accounts.Role",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Role of the people this token creates; empty: the default role for new users",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ScimUser(TimeStampedModel):
    """The SCIM side of a user: the client's ``externalId`` and whether the client deleted them.

    ``User.external_id`` is the contact-center platform's agent id (interactions match agents by it),
    so the identity provider's id for the person is kept here instead. A user without this row is a
    plain, never-deleted SCIM resource."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim")
    external_id = models.CharField(max_length=255, blank=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Deleted through SCIM: deactivated, and 404 to SCIM from then on"
    )

    class Meta:
        indexes = [
            # filter=externalId eq "…"
            models.Index(fields=["external_id"], name="scim_user_external_idx"),
        ]

    def __str__(self) -> str:
        return f"SCIM {self.user}"


class ScimGroup(TimeStampedModel):
    """The SCIM side of a team: the client's ``externalId`` for the group."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="scim")
    external_id = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [
            # filter=externalId eq "…"
            models.Index(fields=["external_id"], name="scim_group_external_idx"),
        ]

    def __str__(self) -> str:
        return f"SCIM {self.team}"
