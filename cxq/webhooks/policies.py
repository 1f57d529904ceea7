"""Who may manage outbound webhooks: organisation administrators (docs/webhooks.md#who)."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm, require

PERMISSION = "settings.edit"


def can_manage(user) -> bool:
    return has_perm(user, PERMISSION)


def require_manage(user) -> None:
    require(user, PERMISSION)
