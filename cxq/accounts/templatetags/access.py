"""``{% if user|can:"teams.manage" %}``: the one permission check (``has_perm``) for templates.

Loaded as a builtin (settings.TEMPLATES), so every template may use it. Object-level rules (may this
person void this evaluation?) come from the app's policies, computed by the view."""

from __future__ import annotations

from django import template

from cxq.accounts.permissions import has_perm

register = template.Library()


@register.filter
def can(user, code: str) -> bool:
    """True when the user's role grants the permission code; an unknown code is an error, not False."""
    return has_perm(user, code)
