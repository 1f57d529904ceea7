from __future__ import annotations

from django import forms

from cxq.lib import inputs
from cxq.sso.models import DEFAULT_SCOPES


class SsoSettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Single sign-on is on")
    provider_name = inputs.TextField(
        max_length=60, required=False, label="Provider name", help_text="Shown on the login page: “Sign in with …”."
    )
    discovery_url = inputs.TextField(
        max_length=500,
        required=False,
        label="Discovery URL",
        help_text="The provider's https://…/.well-known/openid-configuration; fetched and checked on save.",
    )
    client_id = inputs.TextField(max_length=200, required=False, label="Client id")
    client_secret = inputs.TextField(
        max_length=500,
        required=False,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: leave empty to keep the stored secret.",
    )
    scopes = inputs.TextField(max_length=300, required=False, initial=DEFAULT_SCOPES, help_text="Space-separated.")
    email_claim = inputs.TextField(max_length=100, label="Email claim", initial="email")
    name_claim = inputs.TextField(max_length=100, required=False, label="Name claim", initial="name")
    groups_claim = inputs.TextField(
        max_length=100, required=False, label="Groups claim", help_text="Empty: roles and teams are not mapped."
    )
    role_mappings = inputs.MultilineTextField(
        required=False,
        label="Group → role",
        help_text="One “group: role” per line; the first line whose group the person is in gives the role.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    team_mappings = inputs.MultilineTextField(
        required=False,
        label="Group → team",
        help_text="One “group: team” per line; the person is a member of each team one of their groups maps to.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    jit_create = forms.BooleanField(required=False, label="Create accounts at first sign-in (just in time)")
    password_login_disabled = forms.BooleanField(required=False, label="Password login is off for SSO users")
