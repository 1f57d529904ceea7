from __future__ import annotations

import json

from django import forms

from cxq.automations.choices import Action, Distribution
from cxq.lib import inputs


class RuleForm(forms.Form):
    """A card: its name, condition (JSON, docs/conditions.md; the page's builder writes it) and action."""

    name = inputs.TextField(max_length=120)
    condition = inputs.MultilineTextField(max_length=100_000, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=Action.choices)
    scorecard = forms.ChoiceField(label="Scorecard")
    pool = forms.MultipleChoiceField(
        required=False,
        label="Evaluators",
        help_text="One person, or several to share the tasks.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    distribution = forms.ChoiceField(choices=Distribution.choices, label="Shared")
    due_days = forms.IntegerField(min_value=1, max_value=365, initial=3, label="Due in (days)")
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args, scorecards=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.people = {str(p.uuid): p for p in people}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["pool"].choices = [(k, p.full_name) for k, p in self.people.items()]

    def clean_condition(self):
        try:
            return json.loads(self.cleaned_data["condition"] or "{}")
        except ValueError:
            raise forms.ValidationError("The condition is not valid JSON.") from None

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "condition": data["condition"],
            "action": data["action"],
            "scorecard": self.scorecards[data["scorecard"]],
            "pool": [self.people[k] for k in data["pool"]],
            "distribution": data["distribution"],
            "due_days": data["due_days"],
            "enabled": data["enabled"],
        }


class TestForm(forms.Form):
    """Test the cards on one interaction: its public id or its external id."""

    interaction = inputs.TextField(max_length=200, label="Interaction (id or external id)")
