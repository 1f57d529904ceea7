from __future__ import annotations

from django import forms

from cxq.lib import inputs
from cxq.scorecards.choices import ScorecardStatus


class ScorecardFilterForm(forms.Form):
    q = inputs.TextField(required=False, label="Search")
    status = forms.ChoiceField(
        required=False,
        choices=[("active", "Drafts and published"), ("", "All"), *ScorecardStatus.choices],
    )


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A scorecard exported from CXQ (.json) or filled in from the CSV template (.csv).")
    update = forms.ChoiceField(
        required=False, label="Import into", help_text="Leave as “New scorecard” to create a draft."
    )

    def __init__(self, *args, scorecards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["update"].choices = [("", "New scorecard")] + [
            (str(s.uuid), f"{s.name} ({s.get_status_display().lower()}, v{s.current_version.number})")
            for s in scorecards
        ]


class ImportConfirmForm(forms.Form):
    document = inputs.MultilineTextField(widget=forms.HiddenInput)
    update = inputs.TextField(required=False, widget=forms.HiddenInput)
    change_note = inputs.MultilineTextField(
        required=False,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the import changes how a published scorecard scores (a new version).",
    )
