"""Reads of moments, scoped once (docs/moments.md#who-sees-what): the moments on interactions in the
viewer's interaction scope (``interactions.selectors.interaction_scope``), plus those shared with them
or with a team they belong to or lead."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.interactions.selectors import interaction_scope, interaction_scope_condition
from cxq.lib import filters as lib_filters
from cxq.lib import keyset
from cxq.moments.filters import MomentFilter
from cxq.moments.models import Moment, ShareLink

_RELATED = ("interaction", "interaction__agent", "interaction__team", "created_by")


def moment_scope(*, viewer) -> QuerySet[Moment]:
    """Whoever sees every interaction sees every moment; others, those on interactions in their scope (a
    condition on the joined interaction) and those shared with them."""
    in_scope = interaction_scope_condition(viewer=viewer, path="interaction__")
    if in_scope is None:
        return Moment.objects.all()
    teams = list(viewer.teams.values_list("pk", flat=True)) + list(viewer.led_teams.values_list("pk", flat=True))
    shared = Q(shares__user=viewer) | Q(shares__team_id__in=teams) if teams else Q(shares__user=viewer)
    return Moment.objects.filter(in_scope | Q(pk__in=Moment.objects.filter(shared).values("pk")))


def moment_list(*, viewer, filters: MomentFilter | None = None, **values) -> QuerySet[Moment]:
    """The moments the viewer may see, newest first, narrowed by the library's filters."""
    if values:
        filters = MomentFilter.of(values)
    qs = moment_scope(viewer=viewer).select_related(
        "interaction", "interaction__agent", "interaction__team", "created_by"
    )
    return lib_filters.apply(filters, qs).order_by("-created_at", "-id")


LIBRARY_KEY = "-created_at"  # the library's keyset sort, newest first (cxq/lib/keyset.py)


def moment_page(qs: QuerySet[Moment], cursor: str, size: int) -> keyset.Page:
    """One keyset page of :func:`moment_list`: no count of the whole library, and a deep page costs what the
    first does (docs/moments.md#the-library)."""
    return keyset.page_at(qs, cursor, size, key=LIBRARY_KEY)


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
