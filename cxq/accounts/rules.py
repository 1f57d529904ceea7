"""Page-level access rules shared by views and navigation (so a link shows iff the page opens)."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm


def can_view_people(user) -> bool:
    return (
        has_perm(user, "users.manage")
        or has_perm(user, "scope.all_teams")
        or (user.is_authenticated and user.role_id is not None and user.led_teams.exists())
    )


def can_view_teams(user) -> bool:
    return user.is_authenticated and user.is_active and user.role_id is not None
