"""The calibration sessions list's filters: one declaration for the page, the selector and the API."""

from __future__ import annotations

from cxq.calibrations.choices import SessionStatus
from cxq.calibrations.models import Session
from cxq.lib import filters


class SessionFilter(filters.FilterSet):
    q = filters.TextFilter(label="Name", max_length=200, method="filter_q")
    status = filters.django_filters.ChoiceFilter(
        choices=SessionStatus.choices, empty_label="Any status", label="Status"
    )

    class Meta:
        model = Session
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        return qs.filter(name__icontains=value.strip())
