"""A SCIM filter (RFC 7644 §3.4.2.2) as a Django query (docs/scim.md#filters).

scim2-models parses the filter and checks it against the resource's schema (unknown attributes,
operators an attribute cannot take, values of the wrong type: ``invalidFilter``). This visitor turns
the tree it gives into a ``Q``: every logical operator, ``not``, every comparison operator, ``pr`` and
value paths (``emails[value co "@example.com"]``, ``members[value eq "…"]``). An attribute CXQ does
not keep cannot be filtered on (``invalidFilter`` naming it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import FilterVisitor
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from cxq.lib.inputs import text_problem


@dataclass(frozen=True)
class Column:
    """Where a SCIM attribute lives: an ORM path and how its values compare."""

    path: str
    kind: str = "text"  # text (case-insensitive), exact (case-exact text), uuid, bool, moment


_META: dict[tuple[str, str | None], Column] = {
    ("meta", "created"): Column("created_at", "moment"),
    ("meta", "last_modified"): Column("updated_at", "moment"),
}
USER_COLUMNS: dict[tuple[str, str | None], Column] = {
    ("id", None): Column("uuid", "uuid"),
    ("user_name", None): Column("email"),
    ("external_id", None): Column("scim__external_id", "exact"),
    ("display_name", None): Column("full_name"),
    ("name", "formatted"): Column("full_name"),
    ("active", None): Column("is_active", "bool"),
    ("timezone", None): Column("time_zone", "exact"),
    ("emails", "value"): Column("email"),
    ("groups", "value"): Column("teams__uuid", "uuid"),
    ("groups", "display"): Column("teams__name"),
    **_META,
}
GROUP_COLUMNS: dict[tuple[str, str | None], Column] = {
    ("id", None): Column("uuid", "uuid"),
    ("display_name", None): Column("name"),
    ("external_id", None): Column("scim__external_id", "exact"),
    ("members", "value"): Column("members__uuid", "uuid"),
    ("members", "display"): Column("members__full_name"),
    **_META,
}

_TEXT_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}
_EXACT_LOOKUPS = {**_TEXT_LOOKUPS, CompareOperator.eq: "exact", CompareOperator.co: "contains"}
_EXACT_LOOKUPS.update({CompareOperator.sw: "startswith", CompareOperator.ew: "endswith"})
_ORDER_LOOKUPS = {k: _TEXT_LOOKUPS[k] for k in (CompareOperator.gt, CompareOperator.ge, CompareOperator.lt)}
_ORDER_LOOKUPS[CompareOperator.le] = "lte"


class _ToQ(FilterVisitor[Q]):
    def __init__(self, scim_filter: ScimFilter, columns: dict[tuple[str, str | None], Column]):
        self.filter = scim_filter
        self.columns = columns
        self.prefix: AttrPath | None = None  # inside a value path: the multi-valued attribute

    def _column(self, attr_path: AttrPath, *, comparison: bool) -> Column:
        if self.prefix is not None:  # emails[value eq …]: "value" is emails.value
            attr_path = AttrPath(attr=self.prefix.attr, sub_attr=attr_path.attr, uri=self.prefix.uri)
        resolve = self.filter.resolve_comparison if comparison else self.filter.resolve
        binding = resolve(attr_path)
        if binding is None:  # only an unbound filter resolves to nothing; ours are bound
            raise InvalidFilterException(detail=f"Unknown attribute '{attr_path}'.")
        key = (binding.field_name, binding.sub_field_name)
        if key not in self.columns and (binding.field_name, "value") in self.columns and not comparison:
            key = (binding.field_name, "value")  # "emails pr" is "emails.value pr"
        if key not in self.columns:
            raise InvalidFilterException(detail=f"CXQ does not keep '{attr_path}', so it cannot filter on it.")
        return self.columns[key]

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = (result & term) if node.op == LogicalOperator.and_ else (result | term)
        return result

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_present(self, node: Present) -> Q:
        column = self._column(node.attr_path, comparison=False)
        present = Q(**{f"{column.path}__isnull": False})
        if column.kind in ("text", "exact"):
            present &= ~Q(**{column.path: ""})
        return present

    def visit_value_path(self, node: ValuePath) -> Q:
        if self.prefix is not None:
            raise InvalidFilterException(detail="A value path cannot hold another one.")
        self.prefix = node.attr_path
        try:
            return self.visit(node.val_filter)
        finally:
            self.prefix = None

    def visit_comparison(self, node: Comparison) -> Q:
        column = self._column(node.attr_path, comparison=True)
        value = _value(node.value, column)
        if node.op == CompareOperator.ne:
            return ~_compare(column, CompareOperator.eq, value)
        return _compare(column, node.op, value)


def _value(raw: Any, column: Column) -> Any:
    if isinstance(raw, str):
        problem = text_problem(raw)
        if problem:
            raise InvalidFilterException(detail=problem)
    if raw is None:
        return None
    if column.kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidFilterException(detail=f"{raw!r} is not true or false.")
        return raw
    if column.kind == "moment":
        if isinstance(raw, datetime):
            return raw
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            raise InvalidFilterException(detail=f"{raw!r} is not a dateTime (RFC 3339).") from None
        if moment.tzinfo is None or not 1900 <= moment.year <= 2200:
            raise InvalidFilterException(detail=f"{raw!r} needs a UTC offset and a year from 1900 to 2200.")
        return moment
    if not isinstance(raw, str):
        raise InvalidFilterException(detail=f"{raw!r} is not a string.")
    return raw


def _compare(column: Column, op: CompareOperator, value: Any) -> Q:
    if value is None:  # "eq null": unassigned
        return Q(**{f"{column.path}__isnull": True}) if op == CompareOperator.eq else Q(pk__in=[])
    if column.kind == "uuid":
        if op != CompareOperator.eq:
            raise InvalidFilterException(detail="Ids can only be compared with eq or ne.")
        try:
            return Q(**{column.path: uuid.UUID(value)})
        except ValueError:
            return Q(pk__in=[])  # no resource has an id that is not a UUID
    if column.kind in ("bool", "moment"):
        lookups = {CompareOperator.eq: "exact", **(_ORDER_LOOKUPS if column.kind == "moment" else {})}
        if op not in lookups:
            raise InvalidFilterException(detail=f"'{op.value}' does not apply to this attribute.")
        return Q(**{f"{column.path}__{lookups[op]}": value})
    lookups = _EXACT_LOOKUPS if column.kind == "exact" else _TEXT_LOOKUPS
    return Q(**{f"{column.path}__{lookups[op]}": value})


def filter_q(scim_filter: ScimFilter, columns: dict[tuple[str, str | None], Column]) -> Q:
    """The ``Q`` of a filter bound to one resource model (``ScimFilter[User]``)."""
    return _ToQ(scim_filter, columns).visit(scim_filter.ast)
