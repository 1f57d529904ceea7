from __future__ import annotations

from django import forms

from cxq.lib.inputs import DateField
from cxq.schedules.choices import Kind


class ImportForm(forms.Form):
    file = forms.FileField(label="File", help_text="CSV (user,kind,starts_at,ends_at,title,external_id) or ICS")
    user = forms.ChoiceField(
        label="Whose schedule (ICS only)", required=False, help_text="An ICS file is one person's calendar"
    )
    default_kind = forms.ChoiceField(
        label="Kind of ICS events without a category",
        choices=Kind.choices,
        initial=Kind.SHIFT,
        required=False,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—")] + [(str(p.uuid), f"{p} <{p.email}>") for p in people]


class SettingsForm(forms.Form):
    forecast_weeks = forms.IntegerField(
        label="Weeks of history",
        min_value=1,
        max_value=52,
        help_text="The forecast averages the same weekday and 15-minute interval over this many past weeks.",
    )


class SuggestPageForm(forms.Form):
    users = forms.MultipleChoiceField(label="People (agent and coach)")
    date_from = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    duration = forms.IntegerField(label="Minutes", min_value=15, max_value=480, initial=30)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = [(str(p.uuid), f"{p}") for p in people]
