from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from cxq.lib import inputs
from cxq.webhooks import registry


class EndpointForm(forms.Form):
    name = inputs.TextField(max_length=120, help_text="For you: what receives these events.")
    url = inputs.TextField(
        max_length=2000,
        label="URL",
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="CXQ POSTs signed JSON here. It must answer the URL-validation handshake when saved.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/cxq"}),
    )
    events = forms.MultipleChoiceField(
        choices=registry.CHOICES, widget=forms.CheckboxSelectMultiple, help_text="What this endpoint receives."
    )
    enabled = forms.BooleanField(required=False, initial=True)
