from __future__ import annotations

from django import forms

from cxq.lib import inputs


class StartForm(forms.Form):
    scorecard = forms.ChoiceField(label="Scorecard")
    agent = forms.ChoiceField(label="Agent evaluated")

    def __init__(self, *args, scorecards=(), agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.agents = {str(a.uuid): a for a in agents}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["agent"].choices = [(k, a.full_name) for k, a in self.agents.items()]


class AssignForm(forms.Form):
    scorecard = forms.ChoiceField()
    assignee = forms.ChoiceField(label="Evaluator")
    due_at = inputs.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = inputs.MultilineTextField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scorecards=(), assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.assignees = {str(a.uuid): a for a in assignees}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["assignee"].choices = [(k, a.full_name) for k, a in self.assignees.items()]


class AutomatedRunForm(forms.Form):
    """Run an automated evaluation: one of the published scorecards with questions answered from indicators."""

    scorecard = forms.ChoiceField(label="Scorecard")

    def __init__(self, *args, scorecards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
