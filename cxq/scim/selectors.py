"""Reads of SCIM provisioning. A SCIM client sees the whole directory (every person and team, not a
viewer's scope), except the people it deleted (docs/scim.md#deleting)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cxq.accounts.models import Team, User
from cxq.scim.models import ScimToken


def scim_users() -> QuerySet[User]:
    return (
        User.objects.exclude(scim__deleted_at__isnull=False)
        .select_related("scim")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("pk")
    )


def visible_to_scim(user: User) -> bool:
    link = getattr(user, "scim", None)
    return link is None or link.deleted_at is None


def scim_groups() -> QuerySet[Team]:
    members = User.objects.select_related("scim").order_by("full_name", "pk")
    return Team.objects.select_related("scim").prefetch_related(Prefetch("members", queryset=members)).order_by("pk")


def scim_token_list() -> QuerySet[ScimToken]:
    return ScimToken.objects.select_related("role", "created_by").order_by("-created_at", "-id")
