"""Who may manage SCIM provisioning (docs/scim.md#tokens)."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm

# What a SCIM token may do: administer people and teams. Creating one therefore needs both too,
# or a token would hand its creator more than they have.
SCIM_CODES = frozenset({"users.manage", "teams.manage"})


def can_manage_tokens(user) -> bool:
    return all(has_perm(user, code) for code in SCIM_CODES)
