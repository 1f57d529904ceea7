from __future__ import annotations

import json

from django import forms

from cxq.goals.choices import Recurrence, TargetPer
from cxq.goals.services import MAX_RECENT_DAYS, MAX_TARGET, GoalInput
from cxq.interactions import conditions
from cxq.lib import inputs


class GoalForm(forms.Form):
    name = inputs.TextField(max_length=120)
    scorecard = forms.ChoiceField(help_text="Published scorecards only.")
    evaluators = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, help_text="The work is spread evenly over them."
    )
    target = forms.IntegerField(min_value=1, max_value=MAX_TARGET, initial=2, help_text="Evaluations each period")
    target_per = forms.ChoiceField(choices=TargetPer.choices, initial=TargetPer.AGENT, label="Target counted")
    recurrence = forms.ChoiceField(choices=Recurrence.choices, initial=Recurrence.WEEKLY)
    starts_on = inputs.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = inputs.DateField(required=False, label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))
    recent_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_RECENT_DAYS,
        initial=7,
        label="Recent means the last … days",
        help_text="Only interactions started this recently, never evaluated or given as a task, are drawn.",
    )
    condition = inputs.MultilineTextField(
        required=False, widget=forms.HiddenInput, max_length=100_000, initial=json.dumps(conditions.EVERYTHING)
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active (draws tasks each period)")

    def __init__(self, *args, scorecards=(), evaluators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.people = {str(u.uuid): u for u in evaluators}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["evaluators"].choices = [(k, u.full_name) for k, u in self.people.items()]

    def clean_condition(self):
        raw = self.cleaned_data.get("condition") or ""
        try:
            data = json.loads(raw) if raw.strip() else dict(conditions.EVERYTHING)
        except ValueError:
            raise forms.ValidationError("The conditions could not be read.") from None
        try:
            return conditions.validate(data)
        except conditions.ConditionError as exc:
            raise forms.ValidationError(str(exc)) from None

    def goal_input(self) -> GoalInput:
        d = self.cleaned_data
        return GoalInput(
            name=d["name"],
            scorecard=self.scorecards[d["scorecard"]],
            evaluators=[self.people[k] for k in d["evaluators"]],
            target=d["target"],
            target_per=d["target_per"],
            recurrence=d["recurrence"],
            starts_on=d["starts_on"],
            ends_on=d.get("ends_on"),
            recent_days=d["recent_days"],
            condition=d["condition"],
        )
