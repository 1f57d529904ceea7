from __future__ import annotations

from django import forms

from cxq.accounts.models import User
from cxq.audit.selectors import audit_actions, audit_object_types
from cxq.lib import inputs


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=User.objects.all(), required=False, empty_label="Anyone", to_field_name="uuid"
    )
    action = forms.ChoiceField(required=False)
    object_type = forms.ChoiceField(required=False, label="Object")
    q = inputs.TextField(required=False, label="Object name")
    date_from = inputs.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = inputs.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in audit_actions()]
        self.fields["object_type"].choices = [("", "Any object")] + [(t, t) for t in audit_object_types()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "actor_uuid": str(data["actor"].uuid) if data.get("actor") else "",
            "action": data.get("action") or "",
            "object_type": data.get("object_type") or "",
            "search": data.get("q") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
