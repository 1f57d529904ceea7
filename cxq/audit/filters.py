"""The audit log's filters: one declaration for the page, its CSV export and the API."""

from __future__ import annotations

from django import forms

from cxq.accounts.models import User
from cxq.audit.models import AuditEvent
from cxq.audit.selectors import audit_actions, audit_object_types
from cxq.lib import filters
from cxq.lib.timezones import day_edge

DAY = forms.DateInput(attrs={"type": "date"})


def _action_choices():
    return [(a, a) for a in audit_actions()]


def _object_type_choices():
    return [(t, t) for t in audit_object_types()]


class AuditFilter(filters.FilterSet):
    """Dates are whole days in the viewer's current time zone, both ends included."""

    actor = filters.django_filters.ModelChoiceFilter(
        queryset=User.objects.all(), empty_label="Anyone", to_field_name="uuid", label="Actor"
    )
    action = filters.django_filters.ChoiceFilter(
        choices=_action_choices, empty_label="Any action", method="filter_action", label="Action"
    )
    object_type = filters.django_filters.ChoiceFilter(
        choices=_object_type_choices, empty_label="Any object", label="Object"
    )
    object_id = filters.TextFilter(label="Object id")
    q = filters.TextFilter(field_name="object_repr", lookup_expr="icontains", label="Object name")
    date_from = filters.DayFilter(method="filter_date_from", label="From", widget=DAY)
    date_to = filters.DayFilter(method="filter_date_to", label="To", widget=DAY)

    api_only = ("object_id",)
    api_names = {"q": "search"}
    date_ranges = (("date_from", "date_to"),)

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_action(self, qs, name, value):
        """A full action name, or a prefix (``team``) for all its actions (``team.*``)."""
        return qs.filter(action=value) if "." in value else qs.filter(action__startswith=value + ".")

    def filter_date_from(self, qs, name, value):
        return qs.filter(created_at__gte=day_edge(value))

    def filter_date_to(self, qs, name, value):
        return qs.filter(created_at__lt=day_edge(value, end=True))
