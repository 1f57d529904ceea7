"""Who may do what with moments (docs/moments.md#who-may-do-what), and the external sharing policy of a
role (docs/moments.md#the-sharing-policy), checked when a link is made and again whenever it is opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cxq.accounts.permissions import has_perm
from cxq.moments.models import Moment, ShareLink, SharePolicy

DEFAULT_MAX_EXPIRY_DAYS = 30


@dataclass(frozen=True)
class Policy:
    allowed: bool
    password_required: bool
    max_expiry_days: int


def policy_for(user) -> Policy:
    """The external sharing policy that applies to ``user``, from their role."""
    allowed = has_perm(user, "moments.share_external")
    row = SharePolicy.objects.filter(role_id=getattr(user, "role_id", None)).first() if allowed else None
    if row is None:
        return Policy(allowed, False, DEFAULT_MAX_EXPIRY_DAYS)
    return Policy(allowed, row.password_required, row.max_expiry_days)


def may_create(user) -> bool:
    return has_perm(user, "moments.share")


def may_share(user) -> bool:
    return has_perm(user, "moments.share")


def may_share_external(user) -> bool:
    return has_perm(user, "moments.share_external")


def may_delete(user, moment: Moment) -> bool:
    """Its creator, or an administrator (settings.edit)."""
    return has_perm(user, "settings.edit") or (
        has_perm(user, "moments.share") and moment.created_by_id is not None and moment.created_by_id == user.pk
    )


def link_refusal(link: ShareLink, *, now: datetime) -> str | None:
    """Why an external link no longer opens, or None: revoked, expired, or its creator's policy as it is
    now (a role that lost external sharing, now needs a password, or allows fewer days)."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    creator = link.created_by
    if creator is None or not creator.is_active:
        return "policy"
    policy = policy_for(creator)
    if not policy.allowed:
        return "policy"
    if policy.password_required and not link.has_password:
        return "policy"
    if link.expires_at > link.created_at + timedelta(days=policy.max_expiry_days, minutes=1):
        return "policy"
    return None
