from __future__ import annotations

import zoneinfo

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import timezone

from cxq.accounts.models import OrgSettings

# The API answers 401 JSON itself; webhooks authenticate by signature; static files are public.
_PUBLIC_PREFIXES = ("/api/", "/hooks/", "/static/")


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login unless its view is marked ``login_not_required``."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(_PUBLIC_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class TimezoneMiddleware:
    """Show times in the user's zone, else the organisation default (PL-12). Stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user.time_zone
        if not name:
            name = OrgSettings.get().default_time_zone
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        request.time_zone_name = name
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
