"""The moments library's filters (docs/moments.md#the-library): one declaration for the page, the
selector and the API (docs/architecture.md#filters). People and teams are the viewer's choices on the
page and public ids in the API."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy

from cxq.accounts.models import Team, User
from cxq.lib import filters
from cxq.lib.filters import django_filters
from cxq.lib.timezones import day_edge
from cxq.moments.models import Moment

DAY = forms.DateInput(attrs={"type": "date"})


def _viewer_choices():
    return []


def _pk_of(model, public_id: str) -> int:
    return model.objects.filter(uuid=public_id).values_list("pk", flat=True).first() or 0


def tag_clean(tag: str) -> str:
    """A tag as stored: lower case, words joined by hyphens, no separators."""
    return "-".join(str(tag).replace("|", " ").replace(",", " ").lower().split())[:40]


class MomentFilter(filters.FilterSet):
    q = filters.TextFilter(method="filter_q", label="Search", help_text="Title, note, tags and transcript excerpt")
    agent = django_filters.ChoiceFilter(
        field_name="interaction__agent__uuid",
        method="filter_agent",
        choices=_viewer_choices,
        empty_label="Any agent",
        label="Agent",
    )
    team = django_filters.ChoiceFilter(
        field_name="interaction__team__uuid",
        method="filter_team",
        choices=_viewer_choices,
        empty_label="Any team",
        label="Team",
    )
    tag = filters.TextFilter(method="filter_tag", max_length=40, label="Tag")
    creator = django_filters.ChoiceFilter(
        field_name="created_by__uuid",
        method="filter_creator",
        choices=_viewer_choices,
        empty_label="Anyone",
        label="Created by",
    )
    date_from = filters.DayFilter(method="filter_date_from", label="Created from", widget=DAY)
    date_to = filters.DayFilter(method="filter_date_to", label="Created to", widget=DAY)

    date_ranges = (("date_from", "date_to"),)

    class Meta:
        model = Moment
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, agents=None, teams=None, creators=(), **kwargs):
        """``agents``/``teams``: the viewer's querysets, offered through the shared autocomplete pickers
        (docs/interactions.md#pickers), which read only the chosen rows; ``creators``: the few people who made
        moments, a drop-down."""
        super().__init__(data, queryset, **kwargs)
        if self.page:
            if agents is not None:
                self.pick("agent", agents, reverse_lazy("accounts:pick_agents"))
            if teams is not None:
                self.pick("team", teams, reverse_lazy("accounts:pick_teams"), label="name")
            self.filters["creator"].extra["choices"] = [(str(u.uuid), u.full_name) for u in creators]

    def filter_q(self, qs, name, value):
        words = value.split()
        for word in words[:8]:
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(note__icontains=word)
                | Q(tags_index__icontains=word)
                | Q(excerpt_text__icontains=word)
            )
        return qs

    def filter_agent(self, qs, name, value):
        return qs.filter(interaction__agent_id=_pk_of(User, value))

    def filter_team(self, qs, name, value):
        return qs.filter(interaction__team_id=_pk_of(Team, value))

    def filter_creator(self, qs, name, value):
        return qs.filter(created_by_id=_pk_of(User, value))

    def filter_tag(self, qs, name, value):
        tag = tag_clean(value)
        return qs.filter(tags_index__contains=f"|{tag}|") if tag else qs

    def filter_date_from(self, qs, name, value):
        return qs.filter(created_at__gte=day_edge(value))

    def filter_date_to(self, qs, name, value):
        return qs.filter(created_at__lt=day_edge(value, end=True))
