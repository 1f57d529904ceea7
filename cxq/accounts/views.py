from __future__ import annotations

from collections.abc import Callable

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cxq.accounts import selectors, services
from cxq.accounts.decorators import perm_required, rule_required
from cxq.accounts.forms import (
    LoginForm,
    OrgSettingsForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    PasswordSetForm,
    ProfileForm,
    RoleForm,
    TeamForm,
    TokenForm,
    UserFilterForm,
    UserForm,
    apply_service_errors,
)
from cxq.accounts.models import ApiToken, OrgSettings, User
from cxq.accounts.permissions import permission_groups
from cxq.accounts.rules import can_view_people, can_view_teams
from cxq.lib.inputs import filter_status
from cxq.lib.widgets import pick_results


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def logout_redirect(session) -> str | None:
    """Where to go after logging out instead of the login page (single sign-on plugs in the provider's
    logout, docs/sso.md#logout); read from the session before it ends."""
    return None


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        target = logout_redirect(request.session)
        response = super().post(request, *args, **kwargs)
        if not target:
            return response
        # A page that moves on by itself rather than a redirect: the Content-Security-Policy's
        # form-action 'self' also covers where a form's redirect leads, so the logout form cannot be
        # redirected to the provider's origin.
        return render(request, "accounts/logout_continue.html", {"target": target})


# --- Own account --------------------------------------------------------------------------------


def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    """The form asks for the current password; this session stays signed in, every other one of
    the person's sessions ends (the password hash they were tied to changed)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def form_valid(self, form):
        try:
            services.user_set_password(
                by=self.request.user,
                user=self.request.user,
                password=form.cleaned_data["new_password1"],
                current_password=form.cleaned_data["old_password"],
            )
        except ValidationError as exc:
            apply_service_errors(form, _as_form_fields(exc))
            return self.form_invalid(form)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(
            self.request, "Password changed. Your other sessions were signed out; your API tokens still work."
        )
        return redirect("accounts:profile")


# --- Forgotten passwords (docs/passwords-and-tokens.md#forgotten-passwords) ------------------------------


RESET_SENT = (
    "If an account with a password uses that email, a link to choose a new password is on its way. It works "
    "once, for {minutes} minutes. No mail after a few minutes? Check the spam folder, or ask your administrator."
)


def password_reset_request(request):
    """ "Forgot your password?": the same answer whether or not the email has an account."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(email=form.cleaned_data["email"], ip=get_client_ip_address(request))
        except services.TooManyResetRequests:
            form.add_error(None, "Too many reset requests from your network; try again in an hour.")
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        return render(request, "accounts/password_reset.html", {"sent": RESET_SENT.format(minutes=minutes)})
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the mail. Django's view checks the token, keeps it in the session and moves it out of
    the address (so it does not leak through the Referer); the new password is set by the service, which
    checks the token again and records the event."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = PasswordResetSetForm

    def form_valid(self, form):
        token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN, "")
        try:
            services.password_reset_complete(user=self.user, token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_service_errors(form, _as_form_fields(exc))
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, "Password changed. Log in with your new password.")
        return redirect("accounts:login")


def _as_form_fields(exc: ValidationError) -> ValidationError:
    """The service names the fields as the API does; Django's password form calls them differently."""
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"current_password": "old_password", "password": "new_password2", "token": None}
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            # Post/redirect/get: the raw token rides in the session for exactly one page view,
            # so a reload neither shows it again nor creates a second token.
            request.session["new_token"] = {"uuid": str(token.uuid), "raw": raw}
            return redirect("accounts:tokens")
    created = None
    pending = request.session.pop("new_token", None)
    if pending:
        token = selectors.api_token_list(user=request.user).filter(uuid=pending["uuid"]).first()
        created = {"token": token, "raw": pending["raw"]} if token else None
    context = {"form": form, "created": created, "tokens": selectors.api_token_list(user=request.user)}
    return render(request, "accounts/tokens.html", context)


@require_POST
def token_revoke(request, uuid):
    token = get_object_or_404(ApiToken, uuid=uuid, user=request.user)
    services.api_token_revoke(by=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked; scripts using it stop working now.")
    return redirect("accounts:tokens")


# --- People -------------------------------------------------------------------------------------


@rule_required(can_view_people)
def user_list(request):
    teams = selectors.team_list(viewer=request.user)
    form = UserFilterForm(request.GET or None, teams=teams)
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {}
    qs = selectors.user_list(
        viewer=request.user,
        search=filters.get("q", ""),
        role_key=filters.get("role", ""),
        team_uuid=filters.get("team", ""),
        status=filters.get("status", ""),
    ).prefetch_related("teams")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "accounts/user_list.html"
    if request.htmx and request.htmx.target == "user-table":
        template += "#user-table"
    context = {"form": form, "page": page, "total": page.paginator.count}
    return render(request, template, context, status=filter_status(request, form, valid))


@perm_required("users.manage")
def user_create(request):
    form = UserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                time_zone=data["time_zone"],
                password=data["password"] or None,
                external_id=data["external_id"] or None,
                member_of=data["member_of"],
                leads=data["leads"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{user} added.")
            return redirect("accounts:user_detail", uuid=user.uuid)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@rule_required(can_view_people)
def user_detail(request, uuid):
    subject = selectors.user_get_for(viewer=request.user, uuid=uuid)
    context = {
        "subject": subject,
        "member_of": subject.teams.all(),
        "leads": subject.led_teams.all(),
        "password_form": PasswordSetForm(),
    }
    return render(request, "accounts/user_detail.html", context)


@perm_required("users.manage")
def user_edit(request, uuid):
    subject = selectors.user_get_for(viewer=request.user, uuid=uuid)
    initial = {
        "email": subject.email,
        "full_name": subject.full_name,
        "role": subject.role,
        "time_zone": subject.time_zone,
        "external_id": subject.external_id or "",
        "member_of": subject.teams.all(),
        "leads": subject.led_teams.all(),
        "is_active": subject.is_active,
    }
    form = UserForm(request.POST or None, initial=initial)
    form.fields["password"].widget = form.fields["password"].hidden_widget()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                by=request.user,
                user=subject,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                time_zone=data["time_zone"],
                external_id=data["external_id"] or None,
                is_active=data["is_active"],
                member_of=data["member_of"],
                leads=data["leads"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{subject.full_name} saved.")
            return redirect("accounts:user_detail", uuid=subject.uuid)
    return render(request, "accounts/user_form.html", {"form": form, "subject": subject})


@require_POST
@perm_required("users.manage")
def user_password(request, uuid):
    subject = selectors.user_get_for(viewer=request.user, uuid=uuid)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(by=request.user, user=subject, password=form.cleaned_data["password"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"New password set for {subject.full_name}.")
            return redirect("accounts:user_detail", uuid=subject.uuid)
    context = {
        "subject": subject,
        "member_of": subject.teams.all(),
        "leads": subject.led_teams.all(),
        "password_form": form,
    }
    return render(request, "accounts/user_detail.html", context, status=400)


# --- Teams --------------------------------------------------------------------------------------


@rule_required(can_view_teams)
def team_list(request):
    q = request.GET.get("q", "").strip()
    teams = selectors.team_list(viewer=request.user, search=q).prefetch_related(
        Prefetch("leads", queryset=User.objects.select_related("role"))
    )
    return render(request, "accounts/team_list.html", {"teams": teams, "q": q})


@rule_required(can_view_teams)
def team_detail(request, uuid):
    team = selectors.team_get_for(viewer=request.user, uuid=uuid)
    members = team.members.select_related("role")
    if not can_view_people(request.user):
        members = members.filter(pk=request.user.pk)  # agents see their leads, not their peers
    context = {"team": team, "members": members, "leads": team.leads.select_related("role")}
    return render(request, "accounts/team_detail.html", context)


def _team_form_save(request, form, team=None):
    data = form.cleaned_data
    kwargs = {k: data[k] for k in ("name", "description", "members", "leads")}
    if team is None:
        return services.team_create(by=request.user, **kwargs)
    return services.team_update(by=request.user, team=team, **kwargs)


@perm_required("teams.manage")
def team_create(request):
    form = TeamForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            team = _team_form_save(request, form)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{team.name} created.")
            return redirect("accounts:team_detail", uuid=team.uuid)
    return render(request, "accounts/team_form.html", {"form": form, "creating": True})


@perm_required("teams.manage")
def team_edit(request, uuid):
    team = selectors.team_get_for(viewer=request.user, uuid=uuid)
    initial = {
        "name": team.name,
        "description": team.description,
        "members": team.members.all(),
        "leads": team.leads.all(),
    }
    form = TeamForm(request.POST or None, initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _team_form_save(request, form, team)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{team.name} saved.")
            return redirect("accounts:team_detail", uuid=team.uuid)
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


@require_POST
@perm_required("teams.manage")
def team_delete(request, uuid):
    team = selectors.team_get_for(viewer=request.user, uuid=uuid)
    services.team_delete(by=request.user, team=team)
    messages.success(request, f"{team.name} deleted.")
    return redirect("accounts:team_list")


# --- Roles --------------------------------------------------------------------------------------


@perm_required("roles.manage")
def role_list(request):
    return render(request, "accounts/role_list.html", {"roles": selectors.role_list()})


def _role_form_context(form, role=None, creating=False):
    return {
        "form": form,
        "role": role,
        "creating": creating,
        "groups": permission_groups(),
        "checked": set(form["permissions"].value() or []),
    }


@perm_required("roles.manage")
def role_create(request):
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Role {role.name} created.")
            return redirect("accounts:role_list")
    return render(request, "accounts/role_form.html", _role_form_context(form, creating=True))


@perm_required("roles.manage")
def role_edit(request, uuid):
    role = selectors.role_get(uuid=uuid)
    initial = {"name": role.name, "description": role.description, "permissions": role.permissions}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(by=request.user, role=role, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Role {role.name} saved.")
            return redirect("accounts:role_list")
    return render(request, "accounts/role_form.html", _role_form_context(form, role=role))


@require_POST
@perm_required("roles.manage")
def role_duplicate(request, uuid):
    role = selectors.role_get(uuid=uuid)
    copy = services.role_duplicate(by=request.user, role=role, name=request.POST.get("name", ""))
    messages.success(request, f"Role {copy.name} created from {role.name}; adjust its permissions.")
    return redirect("accounts:role_edit", uuid=copy.uuid)


@require_POST
@perm_required("roles.manage")
def role_delete(request, uuid):
    role = selectors.role_get(uuid=uuid)
    try:
        services.role_delete(by=request.user, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Role {role.name} deleted.")
    return redirect("accounts:role_list")


# --- Organisation settings ----------------------------------------------------------------------


# What the reports will do about a new organisation time zone, in a sentence for the settings page.
# The analytics app knows; cxq/wiring.py plugs its answer in here (accounts never imports analytics).
zone_change_message: Callable[[str, str], str] = lambda before, after: ""  # noqa: E731


def _zone_message(before: str, after: str) -> str:
    return "" if before == after else zone_change_message(before, after)


@perm_required("settings.edit")
def org_settings(request):
    org = OrgSettings.get()
    initial = {f: getattr(org, f) for f in services.SETTINGS_FIELDS}
    form = OrgSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data.get("webhook_secret"):
            data.pop("webhook_secret", None)  # empty = keep the current secret
        try:
            updated = services.org_settings_update(by=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, "Settings saved." + _zone_message(org.default_time_zone, updated.default_time_zone)
            )
            return redirect("accounts:org_settings")
    return render(request, "accounts/org_settings.html", {"form": form, "org": org})


# --- Pickers (docs/interactions.md#pickers): the JSON behind the autocomplete filters ------------------


@perm_required("interactions.view")
def pick_agents(request):
    return JsonResponse(pick_results(selectors.agents_in_scope(viewer=request.user), request.GET.get("q", "")))


@perm_required("interactions.view")
def pick_evaluators(request):
    return JsonResponse(pick_results(selectors.evaluators_in_scope(viewer=request.user), request.GET.get("q", "")))


@perm_required("interactions.view")
def pick_teams(request):
    teams = selectors.team_list(viewer=request.user).order_by("name", "id")
    return JsonResponse(pick_results(teams, request.GET.get("q", ""), label="name"))
