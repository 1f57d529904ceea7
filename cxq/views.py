from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from cxq.accounts import selectors as account_selectors
from cxq.accounts.models import OrgSettings, Team
from cxq.accounts.rules import can_view_people
from cxq.audit.selectors import can_view_audit
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.selectors import notification_list


def dashboard(request):
    """One page, shaped by role: what this person can act on today."""
    user = request.user
    context: dict = {
        "org": OrgSettings.get(),
        "recent_notifications": list(notification_list(user=user)[:5]),
        "my_teams": list(user.teams.all()),
        "led_teams": list(account_selectors.team_list(viewer=user).filter(leads=user)),
    }
    if user.can("users.manage"):
        context["role_counts"] = account_selectors.active_users_by_role()
        context["team_count"] = Team.objects.count()
        context["user_count"] = sum(n for _, n in context["role_counts"])  # "No role" included
    if user.can("settings.edit"):
        context["outbox"] = OutboundEmail.objects.aggregate(
            pending=Count("id", filter=Q(status__in=[EmailStatus.PENDING, EmailStatus.SENDING])),
            failed=Count("id", filter=Q(status=EmailStatus.FAILED)),
        )
    if can_view_audit(user):
        from cxq.audit.models import AuditEvent

        context["recent_audit"] = list(AuditEvent.objects.select_related("actor")[:6])
    if can_view_people(user) and not user.can("users.manage"):
        context["people_in_scope"] = (
            account_selectors.user_list(viewer=user, status="active").exclude(pk=user.pk).count()
        )
    return render(request, "dashboard.html", context)


@login_not_required
@never_cache
def healthz(request):
    """Liveness + database check for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # report, don't crash: a probe wants a status, not a traceback
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})


def _error(request, status: int, title: str, message: str):
    if request.path.startswith("/api/") or request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse({"detail": message}, status=status)
    try:
        return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)
    except Exception:
        return JsonResponse({"detail": message}, status=status)


@login_not_required
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return _error(
            request,
            413,
            "Request too large",
            f"The request body is larger than {limit:g} MB (CXQ_MAX_REQUEST_MB); send fewer items per request.",
        )
    return _error(request, 400, "Bad request", "The request could not be understood.")


@login_not_required
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "You do not have access to this page."
    return _error(request, 403, "No access", message)


@login_not_required
def page_not_found(request, exception=None):
    return _error(request, 404, "Not found", "This page does not exist or you cannot see it.")


@login_not_required
def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render())
