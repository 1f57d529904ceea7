"""Single sign-on pages: the admin settings, starting a sign-in, and the provider's callback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from cxq.accounts.decorators import perm_required
from cxq.accounts.forms import apply_service_errors
from cxq.sso import services
from cxq.sso.forms import SsoSettingsForm
from cxq.sso.models import SsoSettings

BACKEND = "cxq.accounts.backends.EmailBackend"


def _error(request, exc: services.SsoError):
    context = {"status": exc.status, "title": exc.title, "message": exc.message}
    return render(request, "sso/error.html", context, status=exc.status)


def _safe_next(request, url: str) -> str:
    ok = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and ok else ""


@login_not_required
@require_GET
def login_start(request):
    """A link, not a form: the Content-Security-Policy's form-action 'self' would stop a form's redirect
    to the provider. Starting a sign-in only records a pending sign-in in this browser's session."""
    next_url = _safe_next(request, request.GET.get("next", ""))
    try:
        url, flows = services.login_begin(flows=request.session.get(services.FLOWS_KEY, {}), next_url=next_url)
    except services.SsoError as exc:
        return _error(request, exc)
    request.session[services.FLOWS_KEY] = flows
    return redirect(url)


@login_not_required
@require_GET
def callback(request):
    flows = request.session.get(services.FLOWS_KEY, {})
    params = {k: request.GET.get(k, "") for k in ("code", "state", "iss", "error", "error_description")}
    if params["state"] in flows:  # a state is good for one answer, whatever the answer
        request.session[services.FLOWS_KEY] = {s: f for s, f in flows.items() if s != params["state"]}
    try:
        signed_in = services.login_complete(flows=flows, params=params)
    except services.SsoError as exc:
        return _error(request, exc)
    login(request, signed_in.user, backend=BACKEND)
    request.session[services.SESSION_KEY] = signed_in.session
    return redirect(_safe_next(request, signed_in.next_url) or "dashboard")


@perm_required("settings.edit")
def sso_settings(request):
    sso = SsoSettings.current()
    initial = {
        **{f: getattr(sso, f) for f in services.SETTINGS_FIELDS},
        "role_mappings": services.mappings_as_text(kind="role"),
        "team_mappings": services.mappings_as_text(kind="team"),
    }
    form = SsoSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["role_mappings"] = services.role_mappings_parse(data["role_mappings"])
            data["team_mappings"] = services.team_mappings_parse(data["team_mappings"])
            data["client_secret"] = data["client_secret"] or None
            services.sso_settings_update(by=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Single sign-on settings saved.")
            return redirect("sso:settings")
    context = {
        "form": form,
        "sso": sso,
        "redirect_uri": services.redirect_uri(),
        "post_logout_redirect_uri": services.post_logout_redirect_uri(),
    }
    return render(request, "sso/settings.html", context, status=400 if form.errors else 200)
