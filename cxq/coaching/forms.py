from __future__ import annotations

from django import forms

from cxq.coaching.choices import Kind
from cxq.coaching.services import MAX_MINUTES, MIN_MINUTES
from cxq.lib import inputs


class SessionForm(forms.Form):
    """Schedule or reschedule a session. The start is a plain date-time and a duration (``id_starts_at``,
    ``id_duration_minutes``: other pickers fill them). Focus items come as lists of ids the view resolves."""

    title = inputs.TextField(max_length=200)
    agents = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    coach = forms.ChoiceField()
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.VIDEO, widget=forms.RadioSelect, label="Type")
    starts_at = inputs.DateTimeField(
        required=False, label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(min_value=MIN_MINUTES, max_value=MAX_MINUTES, initial=30, label="Minutes")
    meeting_url = inputs.TextField(required=False, max_length=500, label="Meeting link", help_text="https://…")
    location = inputs.TextField(required=False, max_length=200, label="Where")
    due_at = inputs.DateTimeField(
        required=False, label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    material = inputs.MultilineTextField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Material"
    )
    material_url = inputs.TextField(required=False, max_length=500, label="Material link")
    notes = inputs.MultilineTextField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Focus notes",
        help_text="One point to work on per line.",
    )

    def __init__(self, *args, agents=(), coaches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(u.uuid): u for u in agents}
        self.coaches = {str(u.uuid): u for u in coaches}
        self.fields["agents"].choices = [(k, u.full_name) for k, u in self.people.items()]
        self.fields["coach"].choices = [(k, u.full_name) for k, u in self.coaches.items()]
