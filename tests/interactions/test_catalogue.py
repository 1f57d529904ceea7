"""One vocabulary (docs/conditions.md#fields-and-operators): the interactions list's filters are built
from the catalogue the condition language reads, and a filter selects what the matching condition
selects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cxq.interactions import catalogue
from cxq.interactions import conditions as C
from cxq.interactions.filters import InteractionFilter
from cxq.interactions.models import Interaction
from cxq.interactions.selectors import interaction_list
from tests.interactions.test_conditions import sets, world  # noqa: F401 (fixtures)

#: the list's own filters, which are not conditions (a goal has its recent window, search is not a rule)
LIST_ONLY = {"date_from", "date_to", "source", "evaluated", "evaluated_by_me", "q"}


def _filter_names(spec) -> list[str]:
    if spec.listed == "range":
        return [f"min_{spec.name}", f"max_{spec.name}"]
    return [spec.name] if spec.listed else []


def test_every_filter_of_the_list_is_a_catalogue_field_or_one_of_the_lists_own():
    from_catalogue = [n for spec in catalogue.FIELDS.values() for n in _filter_names(spec)]
    filters = InteractionFilter.base_filters
    assert [n for n in filters if n not in LIST_ONLY] == from_catalogue
    assert set(filters) >= LIST_ONLY


@pytest.mark.parametrize("spec", [s for s in catalogue.FIELDS.values() if s.listed], ids=lambda s: s.name)
def test_a_listed_field_has_the_same_label_choices_and_bounds_in_both(spec):
    filters = InteractionFilter.base_filters
    if spec.listed == "range":
        low, high = (filters[n] for n in _filter_names(spec))
        assert (low.field_name, low.lookup_expr, high.lookup_expr) == (spec.column, "gte", "lte")
        assert low.extra["min_value"] == high.extra["min_value"] == spec.bounds[0]
        return
    flt = filters[spec.name]
    assert flt.label == spec.label
    if spec.kind == "choice":
        assert [v for v, _ in flt.extra["choices"]] == list(spec.choice_values)
    if spec.kind == "int":
        assert (flt.extra["min_value"], flt.extra["max_value"]) == spec.bounds
    assert C.vocabulary()[list(catalogue.FIELDS).index(spec.name)]["label"] == spec.label


def test_a_field_the_list_does_not_take_is_refused_as_a_filter_but_is_a_condition():
    unlisted = [s.name for s in catalogue.FIELDS.values() if not s.listed]
    assert "nps" in unlisted and "metric.silence_count" in unlisted
    with pytest.raises(ValidationError) as refused:
        InteractionFilter.of({"nps": 3})
    assert "nps" in refused.value.message_dict
    assert C.validate({"all": [{"field": "nps", "op": "is", "value": 3}]})


def _refs(personas, phrase_sets):
    return {
        "agent": [str(personas.agent_a1.uuid), str(personas.agent_b1.uuid)],
        "team": [str(personas.team_a.uuid), str(personas.team_b.uuid)],
        "indicator": [str(s.uuid) for s in phrase_sets],
        "without_indicator": [str(s.uuid) for s in phrase_sets],
    }


def _values(spec, refs) -> list:
    """Values worth trying for a listed field: those the world holds, a case variant and one nobody has."""
    if spec.kind == "ref":
        return refs[spec.name]
    if spec.kind == "choice":
        return list(spec.choice_values)
    if spec.kind == "bool":
        return ["yes", "no"]
    if spec.kind == "int":
        return list(range(spec.bounds[0], spec.bounds[1] + 1))
    known = {
        "queue": ["billing", "Billing", "sales", "never-seen"],
        "disposition": ["paid", "later"],
        "language": ["en", "fr", "de"],
        "topic": ["refund", "Refund", "Café", "café", "delivery", "nothing"],
    }
    return known[spec.name]


def _selected(query) -> set[int]:
    return set(query.values_list("pk", flat=True))


@pytest.mark.parametrize("spec", [s for s in catalogue.FIELDS.values() if s.listed == "is"], ids=lambda s: s.name)
def test_a_filter_selects_what_the_condition_field_is_value_selects(world, personas, sets, spec):  # noqa: F811
    everyone = Interaction.objects.filter(pk__in=[row.pk for row in world.values()])
    found = []
    for value in _values(spec, _refs(personas, sets)):
        listed = _selected(interaction_list(viewer=personas.admin, **{spec.name: value}).filter(pk__in=everyone))
        condition = C.validate({"all": [{"field": spec.name, "op": "is", "value": value}]})
        assert listed == _selected(everyone.filter(C.compile_q(condition))), value
        found.append(len(listed))
    assert any(0 < n < len(world) for n in found)  # a value splits the world: the comparison says something


@pytest.mark.parametrize(("low", "high"), [(30, 120), (0, 30), (121, 600), (600, 10_000), (None, 120), (31, None)])
def test_a_range_filter_selects_what_between_selects(world, personas, low, high):  # noqa: F811
    spec = catalogue.FIELDS["duration"]
    everyone = Interaction.objects.filter(pk__in=[row.pk for row in world.values()])
    values = {k: v for k, v in (("min_duration", low), ("max_duration", high)) if v is not None}
    listed = interaction_list(viewer=personas.admin, **values).filter(pk__in=everyone)
    bounds = [spec.bounds[0] if low is None else low, spec.bounds[1] if high is None else high]
    condition = C.validate({"all": [{"field": "duration", "op": "between", "value": bounds}]})
    assert _selected(listed) == _selected(everyone.filter(C.compile_q(condition)))
