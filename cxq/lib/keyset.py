"""Keyset pages of a list sorted on one column and the id (docs/performance.md#keyset-pages): the first
page, the one after a ``next`` cursor or the one before a ``previous`` cursor, with the cursors of the
pages around it. A deep page costs what the first does (no OFFSET), on any sort the list offers.

A sort is a key such as ``"-started_at"`` or ``"agent__full_name"``: the rows are ordered by that column
and then by id, both in the key's direction. An empty value (NULL) sorts as the largest, as PostgreSQL
does by default, so a descending sort walks a (column, id) index backwards: ``ASC NULLS LAST`` and
``DESC NULLS FIRST``.

A cursor is base64 of ``[value, id]`` (``[value, id, "before"]`` for a previous page). A crafted cursor
decodes to ``None`` (the caller answers "start again"), never to a value that would break the query.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet

from cxq.lib.inputs import moment_problem

MAX_TEXT = 500


class Position(NamedTuple):
    value: Any
    pk: int
    before: bool  # the page of rows before this one (a "previous" cursor)


class Page(NamedTuple):
    rows: list
    next: str | None  # the cursor of the rows after this page
    previous: str | None  # the cursor of the rows before it


def split_key(key: str) -> tuple[str, bool]:
    """(column path, descending) of a sort key."""
    return key.lstrip("-"), key.startswith("-")


def _field(model, path: str) -> models.Field:
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    if field is None:
        raise FieldDoesNotExist(path)
    return field


def ordering(model, key: str) -> tuple:
    """The ``order_by`` terms of ``key``: its column, then the id, NULLs as the largest value."""
    path, descending = split_key(key)
    if not _field(model, path).null:
        return (key, "-id" if descending else "id")
    column = F(path).desc(nulls_first=True) if descending else F(path).asc(nulls_last=True)
    return (column, "-id" if descending else "id")


def _value_of(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part) if row is not None else None
    return row


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode(row, key: str, *, before: bool = False) -> str:
    path, _ = split_key(key)
    position = [_plain(_value_of(row, path)), row.pk, *(["before"] if before else [])]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode(model, key: str, cursor: str) -> Position | None:
    """The position a cursor names for ``key``, or None when it is not one :func:`encode` could have made."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk, *rest = json.loads(base64.urlsafe_b64decode(padded.encode()))
        pk = int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None
    if rest not in ([], ["before"]) or not 0 < pk < 2**63:
        return None
    field = _field(model, split_key(key)[0])
    if value is not None:
        value = _typed(field, value)
        if value is None:
            return None
    elif not field.null:
        return None
    return Position(value, pk, rest == ["before"])


def _typed(field: models.Field, value):
    """The cursor's value as the column's type, or None when it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        if isinstance(field, models.DateTimeField):
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
            return None if moment is None or moment_problem(moment) else moment
        if isinstance(field, models.DecimalField):
            number = Decimal(str(value))
            return number if number.is_finite() and abs(number) < 10**field.max_digits else None
        if isinstance(field, models.IntegerField):
            return int(value) if -(2**63) <= int(value) < 2**63 else None
        if isinstance(field, models.CharField | models.TextField):
            return value if isinstance(value, str) and len(value) <= MAX_TEXT and "\x00" not in value else None
        return field.to_python(value)
    except (ValueError, TypeError, ArithmeticError, ValidationError):
        return None


def _beyond(qs: QuerySet, path: str, nullable: bool, position: Position, *, greater: bool) -> QuerySet:
    """The rows whose (column, id) is strictly greater (or less) than the position's, NULL the largest.
    Written as "at or beyond the value, minus the rows already passed at that value": a plain range on
    the (column, id) index; the equivalent OR form makes SQLite read and sort every row beyond."""
    value, pk = position.value, position.pk
    if value is None:  # only NULLs are at or beyond NULL
        if greater:
            return qs.filter(**{f"{path}__isnull": True, "id__gt": pk})
        return qs.filter(Q(**{f"{path}__isnull": False}) | Q(id__lt=pk))
    if greater:
        reach = (
            Q(**{f"{path}__gte": value}) | Q(**{f"{path}__isnull": True}) if nullable else Q(**{f"{path}__gte": value})
        )
        return qs.filter(reach).exclude(**{path: value, "id__lte": pk})
    return qs.filter(**{f"{path}__lte": value}).exclude(**{path: value, "id__gte": pk})


def page_at(qs: QuerySet, cursor: str, size: int, *, key: str) -> Page:
    """One page of ``qs`` sorted by ``key`` (:func:`ordering` is applied here): the first, the one after a
    ``next`` cursor or the one before a ``previous`` cursor (an invalid cursor: the first page)."""
    path, descending = split_key(key)
    nullable = _field(qs.model, path).null
    ordered = qs.order_by(*ordering(qs.model, key))
    position = decode(qs.model, key, cursor) if cursor else None
    if position is None:
        rows = list(ordered[: size + 1])
        return Page(rows[:size], encode(rows[size - 1], key) if len(rows) > size else None, None)
    if position.before:
        # the rows before, nearest first (the reverse order), then put back in the list's order
        reverse = ("" if descending else "-") + path
        earlier = _beyond(qs, path, nullable, position, greater=descending)
        rows = list(earlier.order_by(*ordering(qs.model, reverse))[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        if not rows:
            return Page([], None, None)
        return Page(rows, encode(rows[-1], key), encode(rows[0], key, before=True) if more else None)
    later = _beyond(ordered, path, nullable, position, greater=not descending)
    rows = list(later[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        encode(rows[-1], key) if more and rows else None,
        encode(rows[0], key, before=True) if rows else None,
    )
