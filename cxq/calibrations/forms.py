from __future__ import annotations

import contextlib
import uuid

from django import forms
from django.urls import reverse_lazy

from cxq.lib import inputs
from cxq.lib.timezones import day_edge


class SessionForm(forms.Form):
    name = inputs.TextField(max_length=200)
    scorecard = forms.ChoiceField(help_text="Published scorecards only; the session keeps the current version.")
    interaction = inputs.TextField(
        max_length=200,
        help_text="Type an agent's name, the interaction's external id or its CXQ id, then pick it from the list.",
        widget=forms.TextInput(
            attrs={
                "list": "interaction-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("calibrations:interaction_options"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#interaction-options",
                "hx-swap": "innerHTML",
                "data-testid": "interaction-search",
            }
        ),
    )
    assessors = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, help_text="Two or more people.")
    benchmark = forms.ChoiceField(
        required=False,
        label="Benchmark (expert) assessor",
        help_text="Optional. Everyone is compared with this person's answers; they score too and count as an assessor.",
    )
    due_at = inputs.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, scorecards=(), people=(), interactions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.people = {str(u.uuid): u for u in people}
        self.interactions = interactions  # a queryset in the viewer's scope
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["assessors"].choices = [(k, u.full_name) for k, u in self.people.items()]
        self.fields["benchmark"].choices = [("", "No benchmark")] + [(k, u.full_name) for k, u in self.people.items()]

    def clean_interaction(self):
        text = self.cleaned_data["interaction"].strip()
        found = None
        with contextlib.suppress(ValueError):
            found = self.interactions.filter(uuid=uuid.UUID(text)).first()
        if found is None:
            matches = list(self.interactions.filter(external_id=text)[:2])
            if len(matches) > 1:
                raise forms.ValidationError("Several interactions have this external id; give the CXQ id instead.")
            found = matches[0] if matches else None
        if found is None:
            raise forms.ValidationError("No interaction you can see has this id.")
        return found


class AcrossForm(forms.Form):
    scorecard = forms.ChoiceField()
    evaluator = forms.ChoiceField(required=False)
    date_from = inputs.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = inputs.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, scorecards=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.people = {str(u.uuid): u for u in people}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["evaluator"].choices = [("", "Every evaluator")] + [
            (k, u.full_name) for k, u in self.people.items()
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def period(self):
        return day_edge(self.cleaned_data.get("date_from")), day_edge(self.cleaned_data.get("date_to"), end=True)


class InteractionSearchForm(forms.Form):
    """What was typed in a new session's interaction field (the picker's query)."""

    interaction = inputs.TextField(required=False, max_length=200)
