"""The interactions list's filters: one declaration for the page, the selector and the API
(docs/architecture.md#filters). The page filters by day, the API by moment (``date_from``/``date_to``
take a day on the page and a moment with an offset in the API); agents, teams and indicators are the
viewer's choices on the page and public ids in the API. ``cursor``/``page_size`` are not filters: the
list pages by keyset (docs/interactions.md#paging)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django import forms
from django.db import connection
from django.db.models import Q
from django.urls import reverse_lazy

from cxq.accounts.models import Team, User
from cxq.interactions.choices import Channel, Direction, Source
from cxq.interactions.models import Interaction
from cxq.interactions.search import search_transcripts
from cxq.lib import filters
from cxq.lib.db import dumps_json
from cxq.lib.filters import django_filters
from cxq.lib.timezones import day_edge

DAY = forms.DateInput(attrs={"type": "date"})


def _viewer_choices():
    """Filled per viewer by the page (the agents, teams and indicators they may pick); ids in the API."""
    return []


def _pk_of(model, public_id: str) -> int:
    """The row id behind a public id (0 when there is none, so the list is empty)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return 0
    return model.objects.filter(uuid=key).values_list("pk", flat=True).first() or 0


evaluated_lookup = None  # set by cxq/wiring.py


def _evaluated(*, by):
    if evaluated_lookup is None:
        raise RuntimeError("No evaluated-interactions lookup is wired (cxq/wiring.py)")
    return evaluated_lookup(by=by)


def topic_text(topic: str) -> Q:
    """SQLite has no JSON containment: look for the topic as a JSON string in the stored array's
    text. Rows are written with raw UTF-8 (orjson) or, by older versions and the bench generator,
    with ``\\u`` escapes (``json.dumps``): a non-ASCII topic is looked for in both spellings."""
    condition = Q()
    for spelling in {dumps_json(topic), json.dumps(topic)}:
        condition |= Q(topics__icontains=spelling)
    return condition


class InteractionFilter(filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label="Any channel", label="Channel")
    direction = django_filters.ChoiceFilter(choices=Direction.choices, empty_label="Any direction", label="Direction")
    agent = django_filters.ChoiceFilter(
        field_name="agent__uuid", method="filter_agent", choices=_viewer_choices, empty_label="Any agent", label="Agent"
    )
    team = django_filters.ChoiceFilter(
        field_name="team__uuid", method="filter_team", choices=_viewer_choices, empty_label="Any team", label="Team"
    )
    queue = filters.TextFilter(method="filter_exact", label="Queue")
    disposition = filters.TextFilter(method="filter_exact", label="Disposition")
    language = filters.TextFilter(method="filter_exact", max_length=16, label="Language")
    topic = filters.TextFilter(method="filter_topic", label="Topic")
    # one mention row per (interaction, phrase set): no duplicate rows to remove
    indicator = django_filters.ChoiceFilter(
        field_name="mentions__phrase_set__uuid", choices=_viewer_choices, empty_label="—", label="Mentions"
    )
    without_indicator = django_filters.ChoiceFilter(
        field_name="mentions__phrase_set__uuid",
        exclude=True,
        choices=_viewer_choices,
        empty_label="—",
        label="Does not mention",
    )
    date_from = filters.DayOrMomentFilter(method="filter_date_from", widget=DAY, label="From")
    date_to = filters.DayOrMomentFilter(method="filter_date_to", widget=DAY, label="To")
    min_duration = filters.IntegerFilter(
        field_name="duration_seconds", lookup_expr="gte", min_value=0, label="Min. seconds"
    )
    max_duration = filters.IntegerFilter(
        field_name="duration_seconds", lookup_expr="lte", min_value=0, label="Max. seconds"
    )
    csat = filters.IntegerFilter(
        min_value=1,
        max_value=5,
        widget=forms.Select(choices=[("", "Any CSAT"), *[(str(i), str(i)) for i in range(1, 6)]]),
        label="CSAT",
    )
    resolved = filters.YesNoFilter(choices=[("", "Resolved?"), ("yes", "Resolved"), ("no", "Not resolved")])
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source", label="Source")
    evaluated = filters.YesNoFilter(
        method="filter_evaluated",
        choices=[("", "Evaluated or not"), ("yes", "Evaluated"), ("no", "Not evaluated")],
        label="Evaluated",
    )
    evaluated_by_me = filters.FlagFilter(method="filter_evaluated_by_me", label="Evaluated by me")
    # last: the search estimates how common its words are among the rows the other filters leave
    q = filters.TextFilter(method="filter_search", label="Search transcripts")

    date_ranges = (("date_from", "date_to"),)
    number_ranges = (("min_duration", "max_duration"),)

    class Meta:
        model = Interaction
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, agents=None, teams=None, phrase_sets=(), **kwargs):
        """``agents``/``teams``: the viewer's querysets; the page offers them through autocomplete pickers
        (docs/interactions.md#pickers), reading only the chosen rows."""
        super().__init__(data, queryset, **kwargs)
        if self.page:
            if agents is not None:
                self.pick("agent", agents, reverse_lazy("accounts:pick_agents"))
            if teams is not None:
                self.pick("team", teams, reverse_lazy("accounts:pick_teams"), label="name")
            sets = [(str(p.uuid), f"{p.name} ({p.get_kind_display().lower()})") for p in phrase_sets]
            self.filters["indicator"].extra["choices"] = sets
            self.filters["without_indicator"].extra["choices"] = sets

    def filter_exact(self, qs, name, value):
        value = value.strip()
        return qs.filter(**{name: value}) if value else qs

    # Agent and team by id, looked up first: a join on their uuid hides the value from PostgreSQL's
    # planner, which then guesses a handful of rows and sorts every match instead of walking the
    # (team, started_at) index newest-first (docs/performance.md#lists-and-reports-at-scale).
    def filter_agent(self, qs, name, value):
        return qs.filter(agent_id=_pk_of(User, value))

    def filter_team(self, qs, name, value):
        return qs.filter(team_id=_pk_of(Team, value))

    def filter_topic(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        if connection.vendor == "postgresql":
            return qs.filter(topics__contains=[value])
        return qs.filter(topic_text(value))

    def filter_date_from(self, qs, name, value):
        return qs.filter(started_at__gte=value if isinstance(value, datetime) else day_edge(value))

    def filter_date_to(self, qs, name, value):
        return qs.filter(started_at__lt=value if isinstance(value, datetime) else day_edge(value, end=True))

    # Evaluations sit above interactions: cxq/wiring.py plugs evaluations.selectors.evaluated_interaction_ids
    # in here (``evaluated_lookup(by=None)`` → the evaluated interactions' ids, as a subquery).
    def filter_evaluated(self, qs, name, value):
        evaluated = _evaluated(by=None)
        return qs.filter(id__in=evaluated) if value else qs.exclude(id__in=evaluated)

    def filter_evaluated_by_me(self, qs, name, value):
        viewer = getattr(self, "viewer", None)
        return qs.filter(id__in=_evaluated(by=viewer)) if value and viewer is not None else qs

    def filter_search(self, qs, name, value):
        return search_transcripts(qs, value)
