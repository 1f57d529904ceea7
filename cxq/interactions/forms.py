from __future__ import annotations

from django import forms

from cxq.interactions.choices import Channel, Direction
from cxq.lib import inputs


class OfflineInteractionForm(forms.Form):
    """docs/interactions.md#offline-form: a conversation no integration captured, added by a supervisor or manager."""

    agent = forms.ChoiceField()
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.OFFLINE)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INBOUND)
    started_at = inputs.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.DecimalField(min_value=0, max_value=24 * 60, decimal_places=1, label="Duration (minutes)")
    queue = inputs.TextField(required=False, max_length=120)
    disposition = inputs.TextField(required=False, max_length=120)
    notes = inputs.MultilineTextField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    transcript_text = inputs.MultilineTextField(
        required=False,
        label="Transcript",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=200_000,
        help_text="Paste it as lines starting “Agent:” or “Customer:”. Timings are estimated from the words.",
    )
    transcript_file = forms.FileField(required=False, label="…or a transcript file (.txt)")
    recording = forms.FileField(required=False, label="Recording", help_text="Audio (mp3, wav, ogg, m4a…) or video.")

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {str(a.uuid): a for a in agents}
        self.fields["agent"].choices = [("", "Choose the agent")] + [(k, a.full_name) for k, a in self.agents.items()]

    def clean_transcript_file(self):
        upload = self.cleaned_data.get("transcript_file")
        if not upload:
            return ""
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("A transcript file is at most 2 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The transcript file is not UTF-8 text.") from None


class PhraseSetForm(forms.Form):
    name = inputs.TextField(max_length=120)
    kind = forms.ChoiceField(choices=[("indicator", "Indicator"), ("topic", "Topic")])
    side = forms.ChoiceField(
        choices=[("any", "Agent or customer"), ("agent", "Agent"), ("customer", "Customer")], label="Said by"
    )
    phrases = inputs.MultilineTextField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One phrase per line. Matching ignores case and punctuation and tolerates small misspellings.",
    )
    description = inputs.MultilineTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def clean_phrases(self):
        return [line.strip() for line in self.cleaned_data["phrases"].splitlines() if line.strip()]
