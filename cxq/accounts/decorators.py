from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from cxq.accounts.permissions import PERMISSION_CODES, PERMISSIONS, has_perm

_LABELS = {p.code: p.label for p in PERMISSIONS}


def perm_required(code: str) -> Callable:
    """Refuse (403) a view to users without the permission code."""
    if code not in PERMISSION_CODES:
        raise ValueError(f"Unknown permission code {code!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.user, code):
                raise PermissionDenied(f"Your role does not allow this page (it needs: {_LABELS[code].lower()}).")
            return view(request, *args, **kwargs)

        wrapped.required_permission = code
        return wrapped

    return decorator


def rule_required(rule: Callable) -> Callable:
    """Refuse (403) a view to users for whom the access rule is false."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not rule(request.user):
                raise PermissionDenied("You do not have access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
