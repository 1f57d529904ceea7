"""The permission codes (docs/accounts.md#roles-and-permissions) and the built-in roles
(docs/accounts.md#roles-and-permissions), checked in one place: ``has_perm``.

A role is a named set of these codes. Codes are plain strings so a role can be stored, exported and
compared without joins; ``validate_codes`` keeps unknown codes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from cxq.accounts.models import User


@dataclass(frozen=True)
class Permission:
    code: str
    group: str
    label: str


PERMISSIONS: tuple[Permission, ...] = (
    Permission("scope.all_teams", "Scope", "See every team (otherwise only teams one leads or belongs to)"),
    Permission("users.manage", "Administration", "Create, edit and deactivate users"),
    Permission("teams.manage", "Administration", "Create, edit and delete teams and their members"),
    Permission("roles.manage", "Administration", "Create, edit and delete custom roles"),
    Permission("settings.edit", "Administration", "Edit organisation settings"),
    Permission("audit.view", "Administration", "View and export the audit log"),
    Permission("scorecards.view", "Scorecards", "View scorecards"),
    Permission("scorecards.edit", "Scorecards", "Build, publish and archive scorecards"),
    Permission("interactions.view", "Interactions", "View interactions in scope"),
    Permission("interactions.create", "Interactions", "Add offline interactions and import interactions"),
    Permission("comments.private", "Interactions", "Read and write private comments"),
    Permission("recordings.download", "Interactions", "Download recordings"),
    Permission("evaluations.create", "Evaluations", "Evaluate interactions (ad hoc)"),
    Permission("evaluations.assign", "Evaluations", "Assign evaluation tasks"),
    Permission("evaluations.respond", "Evaluations", "Acknowledge or dispute one's own evaluations"),
    Permission("evaluations.void", "Evaluations", "Void manual evaluations with a reason"),
    Permission("evaluations.delete_automated", "Evaluations", "Permanently delete automated evaluations"),
    Permission("goals.view", "Automation", "View evaluation goals"),
    Permission("goals.edit", "Automation", "Create and edit evaluation goals"),
    Permission("automations.view", "Automation", "View automation rules and test them on an interaction"),
    Permission("automations.edit", "Automation", "Create, edit, reorder and switch automation rules"),
    Permission("calibrations.manage", "Calibration", "Create and manage calibration sessions"),
    Permission("calibrations.participate", "Calibration", "Take part in calibration sessions"),
    Permission("coaching.manage", "Coaching", "Schedule and run coaching sessions"),
    Permission("schedules.manage", "Coaching", "Import shifts and activities and see the schedules of people in scope"),
    Permission("moments.share", "Moments", "Create moments and share them internally"),
    Permission("moments.share_external", "Moments", "Share moments by external link"),
    Permission("analytics.view", "Analytics", "View reports for teams in scope"),
    Permission("analytics.own", "Analytics", "See one's own scores and trend next to the team average"),
)

PERMISSION_CODES: frozenset[str] = frozenset(p.code for p in PERMISSIONS)


def permission_groups() -> list[tuple[str, list[Permission]]]:
    groups: dict[str, list[Permission]] = {}
    for perm in PERMISSIONS:
        groups.setdefault(perm.group, []).append(perm)
    return list(groups.items())


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    description: str
    permissions: frozenset[str]


_STAFF_COMMON = {
    "scorecards.view",
    "interactions.view",
    "interactions.create",
    "comments.private",
    "recordings.download",
    "evaluations.create",
    "calibrations.participate",
    "moments.share",
}

BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole("admin", "Admin", "Everything, including organisation settings.", PERMISSION_CODES),
    BuiltinRole(
        "supervisor",
        "Supervisor",
        "Builds scorecards, evaluates, assigns, calibrates and coaches for the teams they lead.",
        frozenset(
            _STAFF_COMMON
            | {
                "scorecards.edit",
                "evaluations.assign",
                "evaluations.void",
                "evaluations.delete_automated",
                "goals.view",
                "goals.edit",
                "automations.view",
                "automations.edit",
                "calibrations.manage",
                "coaching.manage",
                "schedules.manage",
                "moments.share_external",
                "analytics.view",
            }
        ),
    ),
    BuiltinRole(
        "manager",
        "Manager",
        "Evaluates, assigns, calibrates, coaches and sees analytics for the teams they lead.",
        frozenset(
            _STAFF_COMMON
            | {
                "evaluations.assign",
                "calibrations.manage",
                "coaching.manage",
                "schedules.manage",
                "analytics.view",
                "goals.view",
            }
        ),
    ),
    BuiltinRole(
        "evaluator",
        "Evaluator",
        "Evaluates and calibrates interactions in scope and works their own assignments.",
        frozenset(_STAFF_COMMON - {"interactions.create"}),
    ),
    BuiltinRole(
        "agent",
        "Agent",
        "Sees their own interactions and evaluations, acknowledges or disputes them, comments publicly.",
        frozenset({"interactions.view", "evaluations.respond", "analytics.own"}),
    ),
)
BUILTIN_ROLE_KEYS = tuple(r.key for r in BUILTIN_ROLES)
DEFAULT_ROLE_KEY = "agent"


class UnknownPermission(ValueError):
    pass


def validate_codes(codes: Iterable[str]) -> list[str]:
    """Return the codes sorted and de-duplicated; raise naming the first unknown one."""
    clean = sorted(set(codes))
    for code in clean:
        if code not in PERMISSION_CODES:
            raise UnknownPermission(f"Unknown permission code: {code!r}")
    return clean


@dataclass(frozen=True)
class ServiceActor:
    """Not a person: a system acting through an organisation credential, such as the identity
    provider behind a SCIM token (docs/accounts.md#service-actors). It holds a fixed set of permission
    codes, is never logged in (``is_authenticated`` is false, so the audit log records it by its label,
    with no user), and reads as ``label`` in the audit log and in notices."""

    label: str
    permission_codes: frozenset[str]
    is_authenticated = False
    is_active = True
    pk = None

    def __str__(self) -> str:
        return self.label


def has_perm(user: User | ServiceActor | None, code: str) -> bool:
    """The single permission check (docs/accounts.md#roles-and-permissions). Inactive, anonymous and role-less users
    have none; a service actor has exactly its codes."""
    if code not in PERMISSION_CODES:
        raise UnknownPermission(f"Unknown permission code: {code!r}")
    if isinstance(user, ServiceActor):
        return code in user.permission_codes
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return code in user.permission_codes


def require(user: User | ServiceActor | None, code: str) -> None:
    """Refuse (PermissionDenied) anyone without the permission code: the services' form of ``has_perm``."""
    if not has_perm(user, code):
        raise PermissionDenied(f"You do not have the permission {code!r}.")
