from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email + password login; case-insensitive email. Permissions are ours (see permissions.py)."""

    def get_user(self, user_id):
        from cxq.accounts.models import User

        try:
            user = User.objects.select_related("role").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def axes_username(request, credentials) -> str | None:
    """The key login throttling counts failures under: the email, case- and space-insensitive,
    so 'A@x.com' and ' a@x.com' share one counter."""
    raw = (credentials or {}).get("username") or request.POST.get("username")
    return raw.strip().lower() if raw else None
