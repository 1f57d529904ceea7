"""The interactions list's filters: one declaration for the page, the selector and the API
(docs/architecture.md#filters). The filters by an interaction's fields are built from the field
catalogue the condition language reads (catalogue.py, docs/conditions.md#fields-and-operators). The
page filters by day, the API by moment (``date_from``/``date_to`` take a day on the page and a moment
with an offset in the API); agents, teams and indicators are the viewer's choices on the page and
public ids in the API. ``cursor``/``page_size`` are not filters: the list pages by keyset
(docs/interactions.md#paging)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import forms
from django.urls import reverse_lazy

from cxq.accounts.models import Team, User
from cxq.interactions.catalogue import FIELDS, FieldSpec
from cxq.interactions.choices import Source
from cxq.interactions.conditions import topic_q
from cxq.interactions.models import Interaction
from cxq.interactions.search import search_transcripts
from cxq.lib import filters
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


def _field_filter(spec: FieldSpec) -> dict[str, django_filters.Filter]:
    """The list's filter(s) for a catalogue field (catalogue.py): its name, label, choices and bounds."""
    label = spec.label
    if spec.listed == "range":
        low = spec.bounds[0]
        return {
            f"min_{spec.name}": filters.IntegerFilter(
                field_name=spec.column, lookup_expr="gte", min_value=low, label=f"Min. {spec.unit}"
            ),
            f"max_{spec.name}": filters.IntegerFilter(
                field_name=spec.column, lookup_expr="lte", min_value=low, label=f"Max. {spec.unit}"
            ),
        }
    if spec.kind == "ref" and spec.via == "mentions":
        # one mention row per (interaction, phrase set): no duplicate rows to remove
        flt: django_filters.Filter = django_filters.ChoiceFilter(
            field_name="mentions__phrase_set__uuid",
            exclude=spec.negated,
            choices=_viewer_choices,
            empty_label="—",
            label=label,
        )
    elif spec.kind == "ref":
        flt = django_filters.ChoiceFilter(
            field_name=f"{spec.name}__uuid",
            method="filter_ref",
            choices=_viewer_choices,
            empty_label=f"Any {label.lower()}",
            label=label,
        )
    elif spec.kind == "choice":
        flt = django_filters.ChoiceFilter(
            field_name=spec.column, choices=list(spec.choices), empty_label=f"Any {label.lower()}", label=label
        )
    elif spec.kind == "text" and spec.via == "topics":
        flt = filters.TextFilter(method="filter_topic", label=label)
    elif spec.kind == "text":
        length = {"max_length": spec.max_length} if spec.max_length else {}
        flt = filters.TextFilter(field_name=spec.column, method="filter_exact", label=label, **length)
    elif spec.kind == "int":
        low, high = spec.bounds
        numbers = [(str(i), str(i)) for i in range(low, high + 1)]
        widget = forms.Select(choices=[("", f"Any {label}"), *numbers])
        flt = filters.IntegerFilter(field_name=spec.column, min_value=low, max_value=high, widget=widget, label=label)
    elif spec.kind == "bool":
        choices = [("", f"{label}?"), ("yes", label), ("no", f"Not {label.lower()}")]
        flt = filters.YesNoFilter(field_name=spec.column, choices=choices, label=label)
    else:
        raise ValueError(f"The interactions list cannot filter by {spec.name} ({spec.kind}).")
    return {spec.name: flt}


class _FieldFilters(filters.FilterSet):
    """How the list filters by the catalogue's fields; the filters themselves are added from it below."""

    def filter_exact(self, qs, name, value):
        value = value.strip()
        return qs.filter(**{name: value}) if value else qs

    # Agent and team by id, looked up first: a join on their uuid hides the value from PostgreSQL's
    # planner, which then guesses a handful of rows and sorts every match instead of walking the
    # (team, started_at) index newest-first (docs/performance.md#lists-and-reports-at-scale).
    def filter_ref(self, qs, name, value):
        spec = FIELDS[name.removesuffix("__uuid")]
        return qs.filter(**{spec.column: _pk_of(REF_ROWS[spec.ref], value)})

    # a topic compared exactly, as a condition compares it (JSON containment, json_each on SQLite)
    def filter_topic(self, qs, name, value):
        value = value.strip()
        return qs.filter(topic_q(value)) if value else qs


REF_ROWS = {"user": User, "team": Team}
MENTION_FILTERS = tuple(s.name for s in FIELDS.values() if s.listed and s.via == "mentions")
_SHARED = {name: flt for spec in FIELDS.values() if spec.listed for name, flt in _field_filter(spec).items()}
#: the catalogue's fields as filters, in its order (django-filter takes a base class's filters first)
FieldFilters = type(_FieldFilters)(
    "FieldFilters",
    (_FieldFilters,),
    {
        "__module__": __name__,
        "__qualname__": "FieldFilters",
        "number_ranges": tuple((f"min_{s.name}", f"max_{s.name}") for s in FIELDS.values() if s.listed == "range"),
        **_SHARED,
    },
)


class InteractionFilter(FieldFilters):
    """The interactions list's filters: the catalogue's fields (:class:`FieldFilters`, the same vocabulary
    as conditions) and the list's own (dates, source, evaluated, search)."""

    date_from = filters.DayOrMomentFilter(method="filter_date_from", widget=DAY, label="From")
    date_to = filters.DayOrMomentFilter(method="filter_date_to", widget=DAY, label="To")
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
            for name in MENTION_FILTERS:
                self.filters[name].extra["choices"] = sets

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
