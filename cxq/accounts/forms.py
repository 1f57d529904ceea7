from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import Q

from cxq.accounts import services
from cxq.accounts.models import Role, Team, User
from cxq.accounts.permissions import PERMISSION_CODES
from cxq.accounts.services import token_name_clean
from cxq.lib import inputs
from cxq.lib.timezones import time_zone_choices


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or at the top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                for message in error.messages:
                    form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class LoginForm(AuthenticationForm):
    username = inputs.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": "That email and password do not match an active account.",
        "inactive": "This account is deactivated.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refusal = services.password_login_refusal(user)
        if refusal is not None:
            raise ValidationError(refusal, code="sso_only")


def _tz_field(required: bool, empty_label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=([("", empty_label)] if not required else []) + time_zone_choices(),
        required=required,
        label="Time zone",
    )


class ProfileForm(forms.Form):
    full_name = inputs.TextField(max_length=150, label="Name")
    time_zone = _tz_field(False, "Organisation default")


class UserFilterForm(forms.Form):
    q = inputs.TextField(required=False, label="Search")
    role = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), ("active", "Active"), ("inactive", "Deactivated")]
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = (
            [("", "Any role")] + [(r.key, r.name) for r in Role.objects.order_by("name")] + [("none", "No role")]
        )
        self.fields["team"].choices = [("", "Any team")] + [(str(t.uuid), t.name) for t in teams]


class UserForm(forms.Form):
    email = inputs.EmailField()
    full_name = inputs.TextField(max_length=150, label="Name")
    role = forms.ModelChoiceField(queryset=Role.objects.all(), required=False, empty_label="No role")
    time_zone = _tz_field(False, "Organisation default")
    external_id = inputs.TextField(
        max_length=128, required=False, label="External id", help_text="The agent's id in your telephony/CRM"
    )
    member_of = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, label="Member of", widget=forms.CheckboxSelectMultiple
    )
    leads = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(),
        required=False,
        label="Leads",
        widget=forms.CheckboxSelectMultiple,
        help_text="Supervisors, managers and evaluators see the people of the teams they lead.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty for a user who cannot log in (e.g. an agent known from integrations).",
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Changing one's own password: the current one first (the service checks it again)."""

    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not correct.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"


class PasswordResetRequestForm(forms.Form):
    """ "Forgot your password?": the email of the account (docs/passwords-and-tokens.md#forgotten-passwords)."""

    email = inputs.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class PasswordResetSetForm(DjangoSetPasswordForm):
    """The new password from a reset link: twice, checked by the project's password validators."""


class PasswordSetForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="New password")


class TeamForm(forms.Form):
    name = inputs.TextField(max_length=120)
    description = inputs.MultilineTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The agents of this team.",
    )
    leads = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Supervisors, managers and evaluators who work with this team.",
    )

    def __init__(self, *args, viewer: User, **kwargs):
        from cxq.accounts.selectors import agents_in_scope, evaluators_in_scope

        super().__init__(*args, **kwargs)
        # who counts as an agent: docs/accounts.md#who-counts-as-an-agent
        self.fields["members"].queryset = agents_in_scope(viewer=viewer)
        leading = Team.leads.through.objects.values("user_id")
        self.fields["leads"].queryset = User.objects.filter(
            Q(pk__in=evaluators_in_scope(viewer=viewer).values("pk")) | Q(pk__in=leading, is_active=True)
        ).order_by("full_name", "id")


class RoleForm(forms.Form):
    name = inputs.TextField(max_length=80)
    description = inputs.MultilineTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    permissions = forms.MultipleChoiceField(
        choices=[(c, c) for c in sorted(PERMISSION_CODES)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _setting_number(name: str, label: str, help_text: str) -> forms.IntegerField:
    """A whole-number organisation setting, in the range the service allows (``SETTINGS_RANGES``)."""
    low, high, _ = services.SETTINGS_RANGES[name]
    return forms.IntegerField(required=False, min_value=low, max_value=high, label=label, help_text=help_text)


class OrgSettingsForm(forms.Form):
    name = inputs.TextField(max_length=120, label="Organisation name")
    default_time_zone = _tz_field(True, "")
    acknowledgement_required = forms.BooleanField(
        required=False,
        label="Agents must acknowledge or dispute evaluations",
    )
    acknowledgement_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        label="Auto-acknowledge after (days)",
        help_text="Evaluations not acknowledged or disputed in this time are acknowledged automatically.",
    )
    automated_evaluations_count = forms.BooleanField(
        required=False,
        label="Automated evaluations count in analytics",
        help_text="Evaluations answered from indicators count in reports, leaderboards and dashboards. "
        "They are always listed, marked as automated.",
    )
    unknown_agents = forms.ChoiceField(
        choices=[("create", "Create them as agents without a login"), ("reject", "Reject the interaction")],
        label="Unknown agents on ingest",
    )
    silence_seconds = forms.DecimalField(min_value=0.1, max_value=60, decimal_places=1, label="Silence longer than (s)")
    crosstalk_seconds = forms.DecimalField(
        min_value=0.1, max_value=60, decimal_places=1, label="Crosstalk longer than (s)"
    )
    # not required: a form without them (an older page) keeps the current values
    dispute_window_days = _setting_number(
        "dispute_window_days",
        "Disputes allowed for (days)",
        "How long after an evaluation is completed its agent may dispute it.",
    )
    max_disputes = _setting_number(
        "max_disputes", "Disputes per evaluation", "How many times one evaluation may be disputed."
    )
    dispute_response_days = _setting_number(
        "dispute_response_days",
        "Answer a dispute within (days)",
        "The deadline the disputes queue shows for the evaluator or a lead to answer.",
    )
    screen_recording_enabled = forms.BooleanField(
        required=False,
        label="Accept screen recordings",
        help_text="Capture clients may upload up to four monitors' screens for each voice call.",
    )
    recording_retention_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2557,
        label="Keep call recordings (days)",
        help_text="1 day to 7 years (2557 days) after the call; empty keeps them. Evaluations and transcripts stay.",
    )
    screen_retention_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2557,
        label="Keep screen recordings (days)",
        help_text="1 day to 7 years (2557 days) after the call; empty keeps them.",
    )
    webhook_secret = inputs.TextField(
        required=False,
        max_length=200,
        label="Webhook secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Signs requests to /hooks/interactions/. Leave empty to keep the current secret.",
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “nightly import”.")
    expires_in_days = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Never"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        label="Expires",
    )

    def clean_name(self) -> str:
        try:
            return token_name_clean(self.cleaned_data["name"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["name"]) from None
