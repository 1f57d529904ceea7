from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cxq.accounts.models import Role
from cxq.accounts.services import token_name_clean
from cxq.lib import inputs


class ScimTokenForm(forms.Form):
    name = inputs.TextField(max_length=100, help_text="The identity provider it is for, e.g. “Okta”.")
    role = forms.ModelChoiceField(
        queryset=Role.objects.order_by("name"),
        required=False,
        empty_label="Default (Agent)",
        label="Role of people it creates",
        help_text="People already in CXQ keep their role; SCIM never changes a role.",
    )

    def clean_name(self) -> str:
        try:
            return token_name_clean(self.cleaned_data["name"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["name"]) from None
