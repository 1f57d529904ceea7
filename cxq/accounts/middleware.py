from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import timezone

from cxq.accounts.selectors import time_zone_of

# The API answers 401 JSON itself; webhooks authenticate by signature; static files are public.
_PUBLIC_PREFIXES = ("/api/", "/hooks/", "/static/")


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login unless its view is marked ``login_not_required``."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(_PUBLIC_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class TimezoneMiddleware:
    """Show times in the user's zone, else the organisation default (docs/accounts.md#time-zones). Stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name, zone = time_zone_of(user if user is not None and user.is_authenticated else None)
        timezone.activate(zone)
        request.time_zone_name = name
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
