"""One filter vocabulary per list: a django-filter ``FilterSet`` declares the filters once (name, label,
choices, widget, validation) and drives the page's form, the selector and the API's query parameters.

* The page builds ``MyFilter(request.GET or None)`` and renders ``filterset.form``.
* The selector applies the validated filter set to the queryset the viewer may see
  (:func:`apply`), so scoping stays in the selector.
* The API takes ``Query[MyFilter.api_schema()]``: a pydantic schema generated from the same filters, so
  the parameters, their types and their enums appear in openapi.json. Its values go through the same
  filter set (``MyFilter.from_api(params)``); a value the filter refuses is a ValidationError naming the
  parameter (the API answers 400).

Text and days keep the checks of :mod:`cxq.lib.inputs`: declare text filters with
``field_class=inputs.TextField`` (or :class:`TextFilter`) and days with :class:`DayFilter`; the API
schema uses :data:`inputs.Text` and :data:`inputs.Day`.

Differences between the page and the API, and checks across filters, are declared on the filter set, not written twice:

* ``api_only``: filters the API takes that the page's form does not show (e.g. an exact object id).
* ``date_ranges``: (start, end) pairs of day filters; an end before its start is an error on the end.
* ``api_exclude``: filters only the page takes (a sort order the API's cursor pagination replaces).
* ``api_names``: a query parameter whose API name differs from the form field's (``{"q": "search"}``).

In the API, a choice list read from the database (a callable) and a model choice are not enforced: the
API has always accepted any text there and answered with no rows (a value the page's select cannot
send). A static choice list is an enum in both.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from uuid import UUID

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from pydantic import Field, create_model

from cxq.lib import inputs
from cxq.lib.widgets import Autocomplete


def is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


class TextFilter(django_filters.CharFilter):
    """A one-line text filter with the checks of :class:`inputs.TextField`."""

    field_class = inputs.TextField


class DayFilter(django_filters.DateFilter):
    """A calendar day between the supported years (:class:`inputs.DateField`)."""

    field_class = inputs.DateField


class _RangeForm:
    """Refuses a range whose end is before its start, on the end field (page and API alike)."""

    date_ranges: tuple[tuple[str, str], ...] = ()
    number_ranges: tuple[tuple[str, str], ...] = ()
    cross_check = None  # the filter set's check across filters (FilterSet.check_values)

    def clean(self):
        data = super().clean()
        if self.cross_check is not None:
            for name, message in self.cross_check(data):
                self.add_error(name, message)
        for start, end in self.date_ranges:
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, "The end date is before the start date.")
        for low, high in self.number_ranges:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, "The maximum is below the minimum.")
        return data


class MomentFilter(django_filters.DateTimeFilter):
    """A moment within the supported years (:class:`inputs.DateTimeField`); an aware one in the API."""

    field_class = inputs.DateTimeField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number; ``min_value``/``max_value`` bound it on the page and in the API's schema."""

    field_class = forms.IntegerField


class DayOrMomentFilter(django_filters.Filter):
    """A day on the page (``type=date``), a moment with an offset in the API (its ``api_type``): the
    method receives a ``date`` or an aware ``datetime`` and reads a day in the organisation's zone."""

    field_class = inputs.DayOrMomentField
    api_type = inputs.Moment


class SlugFilter(django_filters.CharFilter):
    field_class = forms.SlugField


class FlagFilter(django_filters.Filter):
    """A flag carried in a link (``?counted=1``): any value but empty, ``0`` or ``false`` sets it
    (``forms.BooleanField``); a bool in the API."""

    field_class = forms.BooleanField


class YesNoFilter(django_filters.TypedChoiceFilter):
    """A yes/no select (``yes``/``no``/empty for either); a bool in the API."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda v: v == "yes")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class SortFilter(django_filters.Filter):
    """A choice that narrows nothing: the selector reads it to order the rows."""

    field_class = forms.ChoiceField

    def filter(self, qs, value):
        return qs


class FilterSet(django_filters.FilterSet):
    api_only: tuple[str, ...] = ()
    api_exclude: tuple[str, ...] = ()
    api_names: Mapping[str, str] = {}
    date_ranges: tuple[tuple[str, str], ...] = ()
    number_ranges: tuple[tuple[str, str], ...] = ()

    def __init__(self, data=None, queryset=None, *, api: bool = False, code: bool = False, **kwargs):
        """``api``: as the API reads its parameters; ``code``: as a selector's keywords read them (every
        filter, choices read from the database as free text); neither: the page's form."""
        super().__init__(data, queryset, **kwargs)
        self.api = api
        self.page = not (api or code)  # the page's form: viewer-dependent choices are filled in
        if api:
            for name in self.api_exclude:
                self.filters.pop(name, None)
        elif not code:
            for name in self.api_only:
                self.filters.pop(name, None)
        if api or code:
            for name, flt in list(self.filters.items()):
                self.filters[name] = _free_filter(flt, api=api)

    def check_values(self, data: dict) -> list[tuple[str, str]]:
        """Checks across filters, as (filter name, message) errors; none by default."""
        return []

    def get_form_class(self):
        form_class = super().get_form_class()
        checked = type(self).check_values is not FilterSet.check_values
        if not (self.date_ranges or self.number_ranges or checked):
            return form_class
        attrs = {"date_ranges": self.date_ranges, "number_ranges": self.number_ranges}
        if checked:
            attrs["cross_check"] = staticmethod(self.check_values)
        return type(form_class.__name__, (_RangeForm, form_class), attrs)

    def pick(self, name: str, queryset: QuerySet, source, label: str = "full_name") -> None:
        """The page's filter ``name`` as an autocomplete picker (:mod:`cxq.lib.widgets`) asking ``source``:
        its choices are only the chosen public ids found in ``queryset`` (the viewer's scope, read once
        for those ids), so an id out of scope is refused as it was with a full drop-down."""
        if not self.page or name not in self.filters:
            return
        values = self.data.getlist(name) if hasattr(self.data, "getlist") else [(self.data or {}).get(name)]
        ids = [v for v in values if isinstance(v, str) and is_uuid(v)]
        rows = queryset.filter(uuid__in=ids).order_by() if ids else []
        flt = self.filters[name]
        flt.extra["choices"] = [(str(row.uuid), getattr(row, label)) for row in rows]
        flt.extra["widget"] = Autocomplete(source)

    # --- the API ---------------------------------------------------------------------------------

    @classmethod
    def api_name(cls, name: str) -> str:
        return cls.api_names.get(name, name)

    @classmethod
    @functools.cache
    def api_schema(cls):
        """A pydantic model of the API's query parameters, built from the filters (cached per class)."""
        from ninja import Schema

        fields: dict[str, Any] = {}
        for name, flt in cls.base_filters.items():
            if name in cls.api_exclude:
                continue
            description = str(flt.extra.get("help_text") or flt.label or "") or None
            alias = cls.api_name(name)
            fields[name] = (
                _api_type(flt) | None,
                Field(None, description=description, alias=alias if alias != name else None),
            )
        return create_model(f"{cls.__name__}Query", __base__=Schema, **fields)

    @classmethod
    def from_api(cls, params) -> FilterSet:
        """A validated filter set from the API's parsed query parameters; a refused value is a
        ValidationError naming the parameter."""
        values = params.model_dump(exclude_none=True) if params is not None else {}
        values = {k: str(v) if isinstance(v, UUID) else v for k, v in values.items()}
        return cls.of(values, api=True)

    @classmethod
    def of(cls, values: Mapping[str, Any], *, api: bool = False) -> FilterSet:
        """A validated filter set from plain values (the API's, or a selector called from code), read as
        the API reads them (database choices as free text). A refused or unknown
        value is a ValidationError naming the filter (its API name for ``api``)."""
        filterset = cls(dict(values) or None, api=api, code=not api)
        name_of = cls.api_name if api else str
        unknown = [name for name in values if name not in filterset.filters]
        if unknown:
            raise ValidationError({name_of(name): ["This filter does not exist here."] for name in unknown})
        if filterset.is_bound and not filterset.is_valid():
            raise ValidationError({name_of(name): list(errors) for name, errors in filterset.form.errors.items()})
        return filterset

    # --- the selector ----------------------------------------------------------------------------

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed by the valid filters; an unbound or invalid set narrows nothing (the
        page shows the errors next to the fields and the whole list)."""
        if not self.is_bound or not self.is_valid():
            return queryset
        return self.filter_queryset(queryset)


def apply(filters: FilterSet | None, queryset: QuerySet) -> QuerySet:
    return queryset if filters is None else filters.apply(queryset)


def _static_choices(flt) -> list | None:
    choices = flt.extra.get("choices")
    if choices is None or callable(choices):
        return None
    return [value for value, _ in choices if value not in ("", None)]


def _api_type(flt):
    if getattr(flt, "api_type", None) is not None:
        return flt.api_type
    if isinstance(flt, django_filters.MultipleChoiceFilter):  # the parameter repeated: ?versions=…&versions=…
        return list[UUID] if str(flt.field_name or "").endswith("__uuid") else list[inputs.Text]
    # an object's public id: documented (and checked) as a UUID, whatever the page offers to choose from
    if isinstance(flt, django_filters.UUIDFilter) or flt.extra.get("to_field_name") == "uuid":
        return UUID
    if str(flt.field_name or "").endswith("__uuid"):
        return UUID
    if isinstance(flt, django_filters.BooleanFilter | FlagFilter | YesNoFilter):
        return bool
    if isinstance(flt, django_filters.DateTimeFilter):
        return inputs.Moment
    if isinstance(flt, django_filters.DateFilter):
        return inputs.Day
    if isinstance(flt, django_filters.NumberFilter):
        low, high = flt.extra.get("min_value"), flt.extra.get("max_value")
        return Annotated[int, Field(ge=low, le=high)] if low is not None or high is not None else int
    if isinstance(flt, django_filters.ChoiceFilter | SortFilter):
        values = _static_choices(flt)
        if values:
            return Literal[tuple(str(v) for v in values)]
    return inputs.Text


def _free_filter(flt, *, api: bool):
    """The filter as the API or code applies it: database-read choices and model choices are free text;
    a yes/no select is a bool in the API."""
    if isinstance(flt, django_filters.ModelChoiceFilter):
        to_field = flt.extra.get("to_field_name") or "pk"
        model = flt.model._meta.get_field(flt.field_name).related_model if flt.model else None
        target = model._meta.get_field(to_field) if model is not None and to_field != "pk" else None
        cls = django_filters.UUIDFilter if isinstance(target, models.UUIDField) else TextFilter
        copy = cls(field_name=f"{flt.field_name}__{to_field}", label=flt.label)
        copy.parent, copy.model = flt.parent, flt.model
        return copy
    if api and isinstance(flt, YesNoFilter):
        copy = django_filters.BooleanFilter(field_name=flt.field_name, label=flt.label, method=flt.method)
        copy.parent, copy.model = flt.parent, flt.model
        return copy
    if isinstance(flt, django_filters.ChoiceFilter) and _static_choices(flt) is None:
        copy = TextFilter(field_name=flt.field_name, lookup_expr=flt.lookup_expr, method=flt.method, label=flt.label)
        copy.exclude = flt.exclude
        copy.parent, copy.model = flt.parent, flt.model
        return copy
    return flt
