"""Reads of moments, scoped once (docs/moments.md#who-sees-what): the moments on interactions in the
viewer's interaction scope (``interactions.selectors.interaction_scope``), plus those shared with them
or with a team they belong to or lead."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import require
from cxq.interactions.selectors import interaction_scope
from cxq.lib import filters as lib_filters
from cxq.moments.filters import MomentFilter
from cxq.moments.models import Moment, ShareLink

_RELATED = ("interaction", "interaction__agent", "interaction__team", "created_by")


def moment_scope(*, viewer) -> QuerySet[Moment]:
    require(viewer, "interactions.view")
    teams = list(viewer.teams.values_list("pk", flat=True)) + list(viewer.led_teams.values_list("pk", flat=True))
    shared = Q(shares__user=viewer) | Q(shares__team_id__in=teams) if teams else Q(shares__user=viewer)
    visible = Q(interaction__in=interaction_scope(viewer=viewer).values("pk")) | Q(
        pk__in=Moment.objects.filter(shared).values("pk")
    )
    return Moment.objects.filter(visible)


def moment_list(*, viewer, filters: MomentFilter | None = None, **values) -> QuerySet[Moment]:
    """The moments the viewer may see, newest first, narrowed by the library's filters."""
    if values:
        filters = MomentFilter.of(values)
    qs = moment_scope(viewer=viewer).select_related(
        "interaction", "interaction__agent", "interaction__team", "created_by"
    )
    return lib_filters.apply(filters, qs).order_by("-created_at", "-id")


def moment_get_for(*, viewer, uuid) -> Moment:
    qs = moment_scope(viewer=viewer).select_related(
        "interaction", "interaction__agent", "interaction__team", "created_by"
    )
    return get_object_or_404(qs, uuid=uuid)


def interaction_visible(*, viewer, moment: Moment) -> bool:
    """Whether the viewer may open the moment's interaction (a moment shared with them may not be)."""
    return interaction_scope(viewer=viewer).filter(pk=moment.interaction_id).exists()


def interaction_moments(*, viewer, interaction) -> list[Moment]:
    return list(moment_scope(viewer=viewer).filter(interaction=interaction).order_by("start_seconds", "id"))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_by_token(token: str) -> ShareLink | None:
    """The link a raw token opens, whatever its state (the caller says why it no longer opens)."""
    if not token or len(token) > 200:
        return None
    return (
        ShareLink.objects.select_related("moment", "created_by", "created_by__role")
        .filter(digest=token_digest(token))
        .first()
    )
