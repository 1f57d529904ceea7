"""Page-level access rules shared by views and navigation (so a link shows iff the page opens)."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import led_team_ids


def can_view_people(user) -> bool:
    return (
        has_perm(user, "users.manage")
        or has_perm(user, "scope.all_teams")
        or (user.is_authenticated and user.role_id is not None and bool(led_team_ids(user)))
    )


def can_view_teams(user) -> bool:
    return user.is_authenticated and user.is_active and user.role_id is not None
