"""Reads that depend on who is asking (docs/accounts.md#scope). Every list and object lookup of users and teams
goes through here, so scoping lives in one place."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.accounts.models import ApiToken, OrgSettings, Role, Team, User
from cxq.accounts.permissions import has_perm, require
from cxq.lib.memo import request_memo


def sees_all_teams(viewer: User) -> bool:
    return has_perm(viewer, "scope.all_teams")


def led_team_ids(viewer: User) -> list[int]:
    """Read once per reading request (``cxq.lib.memo``): the scope of every panel of a page."""
    ids = request_memo(("led-team-ids", viewer.pk), lambda: list(viewer.led_teams.values_list("id", flat=True)))
    return list(ids)


def team_list(*, viewer: User, search: str = "") -> QuerySet[Team]:
    """All teams for viewers with scope.all_teams; otherwise the teams they lead or belong to."""
    qs = Team.objects.all()
    if not sees_all_teams(viewer):
        # A subquery, not a join: joining leads/members here would make the counts below count
        # only the viewer's own row.
        mine = Team.objects.filter(Q(leads=viewer) | Q(members=viewer)).values("pk")
        qs = qs.filter(pk__in=mine)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.annotate(member_count=Count("members", distinct=True), lead_count=Count("leads", distinct=True)).order_by(
        "name"
    )


def team_get_for(*, viewer: User, uuid) -> Team:
    return get_object_or_404(team_list(viewer=viewer), uuid=uuid)


def user_scope(*, viewer: User) -> QuerySet[User]:
    """Users the viewer may see: everyone, or the people of the teams they lead, and themselves."""
    qs = User.objects.all()
    if sees_all_teams(viewer):
        return qs
    led = led_team_ids(viewer)
    if not led:
        return qs.filter(pk=viewer.pk)
    return qs.filter(Q(pk=viewer.pk) | Q(teams__in=led) | Q(led_teams__in=led)).distinct()


def user_list(
    *,
    viewer: User,
    search: str = "",
    role_key: str = "",
    team_uuid: str = "",
    status: str = "",
) -> QuerySet[User]:
    qs = user_scope(viewer=viewer).select_related("role")
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role_key == "none":
        qs = qs.filter(role__isnull=True)
    elif role_key:
        qs = qs.filter(role__key=role_key)
    if team_uuid:
        qs = qs.filter(Q(teams__uuid=team_uuid) | Q(led_teams__uuid=team_uuid)).distinct()
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("full_name", "id")


def _role_ids(*, granting: str, lacking: str = "") -> list[int]:
    """Roles whose permission codes include ``granting`` (and not ``lacking``); roles are few, and their codes
    are a JSON list, so this is read once in Python rather than with a JSON lookup each database spells
    differently."""
    return [
        pk
        for pk, codes in Role.objects.values_list("pk", "permissions")
        if granting in (codes or []) and (not lacking or lacking not in (codes or []))
    ]


def agents_in_scope(*, viewer: User) -> QuerySet[User]:
    """The agents the viewer may pick (docs/accounts.md#who-counts-as-an-agent): active people who are
    members of a team, or whose role lets them answer for their own evaluations (``evaluations.respond``)
    without evaluating others (``evaluations.create``). Never the role's key: an agent given a custom role
    stays an agent."""
    return (
        user_scope(viewer=viewer)
        .filter(is_active=True)
        .filter(
            Q(pk__in=Team.members.through.objects.values("user_id"))
            | Q(role_id__in=_role_ids(granting="evaluations.respond", lacking="evaluations.create"))
        )
        .order_by("full_name", "id")
    )


def evaluators_in_scope(*, viewer: User) -> QuerySet[User]:
    """The people in scope whose role lets them evaluate (``evaluations.create``): the evaluator pickers."""
    return (
        user_scope(viewer=viewer)
        .filter(is_active=True, role_id__in=_role_ids(granting="evaluations.create"))
        .order_by("full_name", "id")
    )


def user_get_for(*, viewer: User, uuid) -> User:
    return get_object_or_404(user_scope(viewer=viewer).select_related("role"), uuid=uuid)


def role_list() -> QuerySet[Role]:
    return Role.objects.annotate(user_count=Count("users")).order_by("-is_builtin", "name")


def role_get(*, uuid) -> Role:
    return get_object_or_404(role_list(), uuid=uuid)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def active_users_by_role() -> list[tuple[str, int]]:
    """(role name, active users) for the admin dashboard, 'No role' included."""
    rows = User.objects.filter(is_active=True).values("role__name").annotate(n=Count("id")).order_by("role__name")
    return [(r["role__name"] or "No role", r["n"]) for r in rows]


def time_zone_of(user) -> tuple[str, zoneinfo.ZoneInfo]:
    """The zone a person reads times in (docs/accounts.md#time-zones): theirs, else the organisation's, else UTC."""
    name = (getattr(user, "time_zone", "") or "") or OrgSettings.get().default_time_zone
    try:
        return name, zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC", zoneinfo.ZoneInfo("UTC")


def local_text(user, moment: datetime) -> str:
    """A time as the recipient reads it: in their zone (or the organisation's), with the zone named."""
    name, zone = time_zone_of(user)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({name.replace('_', ' ')})"


def org_settings_get_for(*, viewer) -> OrgSettings:
    """The organisation settings as a whole (docs/api.md, "Accounts"): for those who may change them
    (``settings.edit``) only. Other roles are told what applies to them where it applies (an evaluation's
    acknowledgement deadline, whether it can still be disputed), not through the settings."""
    require(viewer, "settings.edit")
    return OrgSettings.get()
