from __future__ import annotations

from django import forms

from cxq.lib import inputs


def scorecard_choices(field: forms.ChoiceField, applicable, others, *, initial: dict) -> dict:
    """Fill a scorecard drop-down with the applicable scorecards first (docs/scoring.md#applicability): grouped when
    both kinds exist, the only applicable one preselected, otherwise a "Choose…" prompt. Returns uuid → scorecard."""
    by_uuid = {str(s.uuid): s for s in [*applicable, *others]}
    mine = [(str(s.uuid), s.name) for s in applicable]
    rest = [(str(s.uuid), s.name) for s in others]
    if mine and rest:
        choices: list = [("Applies to this interaction", mine), ("Other scorecards", rest)]
    else:
        choices = mine or rest
    if len(applicable) == 1:
        initial.setdefault("scorecard", str(applicable[0].uuid))
    elif len(by_uuid) == 1:
        initial.setdefault("scorecard", next(iter(by_uuid)))
    elif by_uuid:
        choices = [("", "Choose a scorecard…"), *choices]
    field.choices = choices
    return by_uuid


class StartForm(forms.Form):
    scorecard = forms.ChoiceField(label="Scorecard")
    agent = forms.ChoiceField(label="Agent evaluated")

    def __init__(self, *args, scorecards=(), agents=(), applicable=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = list(scorecards)
        if applicable is None:
            applicable, others = others, []
        self.scorecards = scorecard_choices(self.fields["scorecard"], applicable, others, initial=self.initial)
        self.agents = {str(a.uuid): a for a in agents}
        self.fields["agent"].choices = [(k, a.full_name) for k, a in self.agents.items()]


class AssignForm(forms.Form):
    scorecard = forms.ChoiceField()
    assignee = forms.ChoiceField(label="Evaluator")
    due_at = inputs.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = inputs.MultilineTextField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scorecards=(), assignees=(), applicable=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = list(scorecards)
        if applicable is None:
            applicable, others = others, []
        self.scorecards = scorecard_choices(self.fields["scorecard"], applicable, others, initial=self.initial)
        self.assignees = {str(a.uuid): a for a in assignees}
        self.fields["assignee"].choices = [(k, a.full_name) for k, a in self.assignees.items()]


class AutomatedRunForm(forms.Form):
    """Run an automated evaluation: one of the published scorecards with questions answered from indicators."""

    scorecard = forms.ChoiceField(label="Scorecard")

    def __init__(self, *args, scorecards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
