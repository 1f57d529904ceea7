from __future__ import annotations

from django import forms

from cxq.interactions.choices import Channel, Direction, Source
from cxq.interactions.selectors import Filters
from cxq.lib.timezones import day_edge


class InteractionFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search transcripts")
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    direction = forms.ChoiceField(required=False, choices=[("", "Any direction"), *Direction.choices])
    agent = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    queue = forms.CharField(required=False)
    disposition = forms.CharField(required=False)
    language = forms.CharField(required=False, max_length=16)
    topic = forms.CharField(required=False)
    indicator = forms.ChoiceField(required=False, label="Mentions")
    without_indicator = forms.ChoiceField(required=False, label="Does not mention")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    min_duration = forms.IntegerField(required=False, min_value=0, label="Min. seconds")
    max_duration = forms.IntegerField(required=False, min_value=0, label="Max. seconds")
    csat = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="CSAT",
        choices=[("", "Any CSAT"), *[(str(i), str(i)) for i in range(1, 6)]],
    )
    resolved = forms.TypedChoiceField(
        required=False,
        empty_value=None,
        coerce=lambda v: v == "yes",
        choices=[("", "Resolved?"), ("yes", "Resolved"), ("no", "Not resolved")],
    )
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Source.choices])

    def __init__(self, *args, agents=(), teams=(), phrase_sets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", "Any agent")] + [(str(a.uuid), a.full_name) for a in agents]
        self.fields["team"].choices = [("", "Any team")] + [(str(t.uuid), t.name) for t in teams]
        sets = [(str(p.uuid), f"{p.name} ({p.get_kind_display().lower()})") for p in phrase_sets]
        self.fields["indicator"].choices = [("", "—")] + sets
        self.fields["without_indicator"].choices = [("", "—")] + sets

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        if (
            data.get("min_duration") is not None
            and data.get("max_duration") is not None
            and data["min_duration"] > data["max_duration"]
        ):
            self.add_error("max_duration", "The maximum is below the minimum.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            q=data.get("q") or "",
            channel=data.get("channel") or "",
            direction=data.get("direction") or "",
            agent=data.get("agent") or "",
            team=data.get("team") or "",
            queue=(data.get("queue") or "").strip(),
            disposition=(data.get("disposition") or "").strip(),
            language=(data.get("language") or "").strip(),
            topic=(data.get("topic") or "").strip(),
            indicator=data.get("indicator") or "",
            without_indicator=data.get("without_indicator") or "",
            date_from=day_edge(data.get("date_from")),
            date_to=day_edge(data.get("date_to"), end=True),
            min_duration=data.get("min_duration"),
            max_duration=data.get("max_duration"),
            csat=data.get("csat"),
            resolved=data.get("resolved"),
            source=data.get("source") or "",
        )


class OfflineInteractionForm(forms.Form):
    """docs/interactions.md#offline-form: a conversation no integration captured, added by a supervisor or manager."""

    agent = forms.ChoiceField()
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.OFFLINE)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INBOUND)
    started_at = forms.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.DecimalField(min_value=0, max_value=24 * 60, decimal_places=1, label="Duration (minutes)")
    queue = forms.CharField(required=False, max_length=120)
    disposition = forms.CharField(required=False, max_length=120)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    transcript_text = forms.CharField(
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
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=[("indicator", "Indicator"), ("topic", "Topic")])
    side = forms.ChoiceField(
        choices=[("any", "Agent or customer"), ("agent", "Agent"), ("customer", "Customer")], label="Said by"
    )
    phrases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One phrase per line. Matching ignores case and punctuation and tolerates small misspellings.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def clean_phrases(self):
        return [line.strip() for line in self.cleaned_data["phrases"].splitlines() if line.strip()]
