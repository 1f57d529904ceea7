"""Who sees which analytics (docs/analytics.md#scope). Views, the API and the navigation ask here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxq.accounts.permissions import has_perm

if TYPE_CHECKING:
    from cxq.accounts.models import User


def sees_own_work(user: User) -> bool:
    """Whoever evaluates sees the analytics of the evaluations they did and their calibration deviation
    (docs/analytics.md#my-evaluations): their own work, whatever team it was for."""
    return has_perm(user, "evaluations.create")
