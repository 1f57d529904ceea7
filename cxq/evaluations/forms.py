from __future__ import annotations

from django import forms

from cxq.evaluations.choices import Source, Status
from cxq.evaluations.selectors import Filters
from cxq.evaluations.sources import sources_where
from cxq.interactions.choices import Channel
from cxq.lib.timezones import day_edge


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
    due_at = forms.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scorecards=(), assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecards = {str(s.uuid): s for s in scorecards}
        self.assignees = {str(a.uuid): a for a in assignees}
        self.fields["scorecard"].choices = [(k, s.name) for k, s in self.scorecards.items()]
        self.fields["assignee"].choices = [(k, a.full_name) for k, a in self.assignees.items()]


class EvaluationFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    # calibration evaluations are listed in their session, never in this table (docs/calibrations.md#the-session,
    # docs/calibrations.md#active-calibration-marker)
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *[c for c in Source.choices if c[0] in sources_where("listed")]]
    )
    agent = forms.ChoiceField(required=False)
    evaluator = forms.ChoiceField(required=False)
    scorecard = forms.ChoiceField(required=False)
    passed = forms.TypedChoiceField(
        required=False,
        empty_value=None,
        coerce=lambda v: v == "yes",
        choices=[("", "Pass or fail"), ("yes", "Passed"), ("no", "Failed")],
    )
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    # drill-down from analytics (hidden: carried in the link, kept while re-filtering)
    team = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = forms.UUIDField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(required=False, choices=[("", ""), *Channel.choices], widget=forms.HiddenInput)
    completed_from = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    completed_to = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    counted = forms.BooleanField(required=False, widget=forms.HiddenInput)
    auto_failed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    question = forms.SlugField(required=False, max_length=64, widget=forms.HiddenInput)
    answer = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-created", "Newest first"),
            ("created", "Oldest first"),
            ("-completed", "Recently completed"),
            ("-score", "Highest score"),
            ("score", "Lowest score"),
            ("agent", "Agent A–Z"),
        ],
    )

    def __init__(self, *args, agents=(), evaluators=(), scorecards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "Any agent")] + [(str(u.uuid), u.full_name) for u in agents]
        self.fields["evaluator"].choices = [("", "Any evaluator")] + [(str(u.uuid), u.full_name) for u in evaluators]
        self.fields["scorecard"].choices = [("", "Any scorecard")] + [(str(s.uuid), s.name) for s in scorecards]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            status=data.get("status") or "",
            source=data.get("source") or "",
            agent=data.get("agent") or "",
            evaluator=data.get("evaluator") or "",
            scorecard=data.get("scorecard") or "",
            passed=data.get("passed"),
            date_from=day_edge(data.get("date_from")),
            date_to=day_edge(data.get("date_to"), end=True),
            team=str(data.get("team") or ""),
            version=str(data.get("version") or ""),
            channel=data.get("channel") or "",
            completed_from=data.get("completed_from"),
            completed_to=data.get("completed_to"),
            counted=bool(data.get("counted")),
            auto_failed=bool(data.get("auto_failed")),
            question=data.get("question") or "",
            answer=data.get("answer") or "",
        )
