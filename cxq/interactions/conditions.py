"""The condition language of goals and automations (docs/conditions.md).

A condition is JSON: a group ``{"all": [...]}`` or ``{"any": [...]}`` of rules and nested groups; a
rule is ``{"field": "queue", "op": "in", "value": ["billing", "sales"]}`` (indicator rules may add
``"side": "agent"|"customer"``). Field names are the interactions list's filter names.

* :func:`validate` checks a condition and returns its canonical JSON, or raises
  :class:`ConditionError` naming the JSON path of the bad part (``all[2].any[0].value: …``).
* :func:`compile_python` turns a valid condition into a closure ``interaction -> bool`` (compile once,
  call per interaction); :func:`compile_q` into one ``Q`` for ``Interaction.objects.filter``.
  Both resolve the public ids the condition names (agents, teams, phrase sets) once, when compiled.
* :func:`unknown_references` lists the rules naming an agent, team or phrase set that does not exist.

The two compilations agree on every interaction (tests/interactions/test_conditions_agree.py).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q
from django.db.models.expressions import Expression, RawSQL
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from cxq.interactions.catalogue import (  # noqa: F401 (re-exported: the condition language's vocabulary)
    BOOL_OPS,
    FIELDS,
    MEASURE_OPS,
    METRIC_PREFIX,
    METRICS,
    NUMBER_OPS,
    OP_LABELS,
    REF_MODELS,
    TEXT_OPS,
    FieldSpec,
)
from cxq.lib.inputs import text_problem

# --- The vocabulary: the catalogue's fields (catalogue.py), shared with the interactions list's filters ---

SIDES = ("agent", "customer")

MAX_DEPTH = 6
MAX_RULES = 200
MAX_VALUES = 200
MAX_TEXT = 200


class ConditionError(ValueError):
    """A condition that is not valid: ``path`` is where, in JSON path form (``all[2].value``)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path or "condition"
        self.message = message
        super().__init__(f"{self.path}: {message}")


EVERYTHING: dict = {"all": []}


# --- Validation ---------------------------------------------------------------------------------------


def validate(data: Any) -> dict:
    """The canonical form of a condition (values trimmed, ``yes``/``no`` as booleans, numbers as numbers,
    public ids lower-case), or :class:`ConditionError` for its first bad part."""
    counter = [0]
    return _group(data, "", 0, counter)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _group(data: Any, path: str, depth: int, counter: list[int]) -> dict:
    if not isinstance(data, dict):
        raise ConditionError(path, 'A group is an object with "all" or "any".')
    keys = set(data)
    if keys not in ({"all"}, {"any"}):
        raise ConditionError(path, 'A group has exactly one key, "all" (every rule) or "any" (at least one rule).')
    (kind,) = keys
    if depth >= MAX_DEPTH:
        raise ConditionError(path, f"Groups nest at most {MAX_DEPTH} deep.")
    items = data[kind]
    here = _join(path, kind)
    if not isinstance(items, list):
        raise ConditionError(here, "A list of rules and groups is expected.")
    out = []
    for i, item in enumerate(items):
        item_path = f"{here}[{i}]"
        if isinstance(item, dict) and ("all" in item or "any" in item) and "field" not in item:
            out.append(_group(item, item_path, depth + 1, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_RULES:
                raise ConditionError(item_path, f"A condition has at most {MAX_RULES} rules.")
            out.append(_rule(item, item_path))
    return {kind: out}


def _rule(data: Any, path: str) -> dict:
    if not isinstance(data, dict):
        raise ConditionError(path, 'A rule is an object with "field", "op" and "value".')
    extra = set(data) - {"field", "op", "value", "side"}
    if extra:
        raise ConditionError(_join(path, sorted(extra)[0]), "Unknown key in a rule.")
    name = data.get("field")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ConditionError(_join(path, "field"), f"Unknown field {name!r}.")
    op = data.get("op")
    if op not in spec.ops:
        allowed = ", ".join(spec.ops)
        raise ConditionError(_join(path, "op"), f"{spec.label} takes the operators {allowed}, not {op!r}.")
    rule: dict[str, Any] = {"field": name, "op": op, "value": _value(spec, op, data.get("value"), _join(path, "value"))}
    side = data.get("side")
    if side not in (None, "", "any"):
        if not spec.sided:
            raise ConditionError(_join(path, "side"), "Only indicator rules name a speaker side.")
        if side not in SIDES:
            raise ConditionError(_join(path, "side"), 'The side is "agent" or "customer" (or none for either).')
        rule["side"] = side
    return rule


def _value(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionError(path, "A non-empty list of values is expected.")
        if len(value) > MAX_VALUES:
            raise ConditionError(path, f"At most {MAX_VALUES} values.")
        seen: list = []
        for i, item in enumerate(value):
            one = _one(spec, item, f"{path}[{i}]")
            if one not in seen:
                seen.append(one)
        return seen
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionError(path, "Two numbers are expected: [from, to].")
        low, high = _one(spec, value[0], f"{path}[0]"), _one(spec, value[1], f"{path}[1]")
        if low > high:
            raise ConditionError(f"{path}[1]", "The upper bound is below the lower bound.")
        return [low, high]
    return _one(spec, value, path)


def _one(spec: FieldSpec, value: Any, path: str) -> Any:
    kind = spec.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
        raise ConditionError(path, 'Yes or no is expected (true/false or "yes"/"no").')
    if kind in ("int", "metric"):
        if isinstance(value, str):
            try:
                value = float(value.strip()) if kind == "metric" else int(value.strip())
            except ValueError:
                raise ConditionError(path, "A number is expected.") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConditionError(path, "A number is expected.")
        if kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise ConditionError(path, "A whole number is expected.")
                value = int(value)
            low, high = spec.bounds
            if not low <= value <= high:
                raise ConditionError(path, f"{spec.label} is between {low} and {high}.")
            return value
        if not math.isfinite(value) or abs(value) > 1e12:
            raise ConditionError(path, "A finite number is expected.")
        return int(value) if isinstance(value, int) else float(value)
    if not isinstance(value, str):
        raise ConditionError(path, "A text value is expected.")
    value = value.strip()
    if not value:
        raise ConditionError(path, "A value is required.")
    if len(value) > MAX_TEXT:
        raise ConditionError(path, f"At most {MAX_TEXT} characters.")
    problem = text_problem(value)
    if problem:
        raise ConditionError(path, problem)
    if kind == "choice" and value not in spec.choice_values:
        raise ConditionError(path, f"{spec.label} is one of {', '.join(spec.choice_values)}.")
    if kind == "ref":
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ConditionError(path, "A public id (UUID) is expected.") from None
    return value


# --- Walking a valid condition ------------------------------------------------------------------------


def rules(condition: dict) -> Iterable[tuple[str, dict]]:
    """Every rule of a valid condition with its JSON path."""

    def walk(node: dict, path: str):
        (kind, items) = next(iter(node.items()))
        here = _join(path, kind)
        for i, item in enumerate(items):
            if "field" in item:
                yield f"{here}[{i}]", item
            else:
                yield from walk(item, f"{here}[{i}]")

    return walk(condition, "")


def _values(rule: dict) -> list:
    return rule["value"] if rule["op"] in ("in", "not_in") else [rule["value"]]


def _references(condition: dict) -> dict[str, dict[str, int]]:
    """Public id → primary key of every agent, team and phrase set the condition names (one query each)."""
    from cxq.accounts.models import Team, User
    from cxq.interactions.models import PhraseSet

    wanted: dict[str, set[str]] = {"user": set(), "team": set(), "phrase_set": set()}
    for _path, rule in rules(condition):
        kind = REF_MODELS.get(rule["field"])
        if kind:
            wanted[kind].update(_values(rule))
    models = {"user": User, "team": Team, "phrase_set": PhraseSet}
    return {
        kind: (
            {str(u): pk for u, pk in models[kind].objects.filter(uuid__in=ids).values_list("uuid", "pk")} if ids else {}
        )
        for kind, ids in wanted.items()
    }


def unknown_references(condition: dict) -> list[ConditionError]:
    """The rules of a valid condition naming an agent, team or phrase set that does not exist."""
    found = _references(condition)
    problems = []
    for path, rule in rules(condition):
        kind = REF_MODELS.get(rule["field"])
        if not kind:
            continue
        values = _values(rule)
        for i, value in enumerate(values):
            if value not in found[kind]:
                where = f"{path}.value[{i}]" if rule["op"] in ("in", "not_in") else f"{path}.value"
                problems.append(ConditionError(where, f"No {kind.replace('_', ' ')} has the id {value}."))
    return problems


# --- Python evaluation --------------------------------------------------------------------------------

Predicate = Callable[[Any], bool]

_MENTIONED = "_condition_mentioned"
_SIDED = "_condition_sided"


def mentioned_sets(interaction) -> frozenset[int]:
    """The phrase sets with a hit in the interaction (what its mention rows say), cached on it."""
    cached = interaction.__dict__.get(_MENTIONED)
    if cached is None:
        cached = frozenset(row[0] for row in interaction.hits or ())
        interaction.__dict__[_MENTIONED] = cached
    return cached


def mentioned_by(interaction) -> dict[int, frozenset[str]]:
    """Phrase set → the speaker sides that said it (from the hits and the transcript's speakers)."""
    cached = interaction.__dict__.get(_SIDED)
    if cached is None:
        transcript = interaction.transcript or ()
        sides: dict[int, set[str]] = {}
        for row in interaction.hits or ():
            index = row[1]
            speaker = transcript[index][0] if index < len(transcript) else ""
            sides.setdefault(row[0], set()).add(speaker)
        cached = {k: frozenset(v) for k, v in sides.items()}
        interaction.__dict__[_SIDED] = cached
    return cached


#: the attributes the Python predicates read (besides the caches above)
FACT_COLUMNS = (
    "agent_id",
    "team_id",
    "channel",
    "direction",
    "queue",
    "disposition",
    "language",
    "duration_seconds",
    "csat",
    "nps",
    "resolved",
)


class Facts:
    """What the predicates read of one interaction, without a model instance: the ingest paths hand these,
    made from the rows they have just written, to the subscribers of ``interaction.enriched`` so that
    automations match a batch without reading it again (docs/automations.md#speed). ``pk`` is the
    interaction's id; ``sides`` (phrase set id → the speakers who said it) stands in for the transcript."""

    def __init__(self, pk: int, fields: dict, *, topics, metrics, hits, sides: dict[int, frozenset[str]]) -> None:
        self.__dict__.update({c: fields.get(c) for c in FACT_COLUMNS})
        self.pk = self.id = pk
        self.topics, self.metrics, self.hits = topics, metrics, hits
        self.__dict__[_SIDED] = sides


def compile_python(condition: dict, *, references: dict | None = None) -> Predicate:
    """A closure telling whether one interaction meets a valid condition. Public ids are resolved now
    (a database read), so build it once and call it for every interaction. The interaction needs its
    fields, ``metrics``, ``topics``, ``hits`` and — for a rule naming a speaker side — ``transcript``."""
    refs = references if references is not None else _references(condition)
    return _py_node(condition, refs)


def _py_node(node: dict, refs: dict) -> Predicate:
    (kind, items) = next(iter(node.items()))
    parts = [_py_rule(item, refs) if "field" in item else _py_node(item, refs) for item in items]
    if not parts:
        return (lambda _i: True) if kind == "all" else (lambda _i: False)
    return _all(parts) if kind == "all" else _any(parts)


def _all(parts: list[Predicate]) -> Predicate:
    # written out for two and three parts: a generator per call (all(...)) costs more than the tests
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda i: a(i) and b(i)
    if len(parts) == 3:
        a, b, c = parts
        return lambda i: a(i) and b(i) and c(i)

    def every(i) -> bool:
        for part in parts:  # noqa: SIM110 (a loop, not a generator per call)
            if not part(i):
                return False
        return True

    return every


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda i: a(i) or b(i)
    if len(parts) == 3:
        a, b, c = parts
        return lambda i: a(i) or b(i) or c(i)

    def some(i) -> bool:
        for part in parts:  # noqa: SIM110 (a loop, not a generator per call)
            if part(i):
                return True
        return False

    return some


def _negate(op: str, test: Predicate) -> Predicate:
    if op in ("is_not", "not_in"):
        return lambda i: not test(i)
    return test


def _py_rule(rule: dict, refs: dict) -> Predicate:
    spec, op, value = FIELDS[rule["field"]], rule["op"], rule["value"]
    values = _values(rule)
    if spec.kind == "ref":
        found = refs[spec.ref]
        ids = frozenset(found[v] for v in values if v in found)
        if spec.via == "column":
            attr = spec.column
            test: Predicate = lambda i: getattr(i, attr) in ids  # noqa: E731
            return _negate(op, test)
        side = rule.get("side")
        if side:
            test = lambda i: any(side in mentioned_by(i).get(pk, ()) for pk in ids)  # noqa: E731
        else:
            test = lambda i: not ids.isdisjoint(mentioned_sets(i))  # noqa: E731
        if spec.negated:
            op = "is" if op in ("is_not", "not_in") else "is_not"
        return _negate(op, test)
    if spec.via == "topics":
        wanted = frozenset(values)
        return _negate(op, lambda i: not wanted.isdisjoint(i.topics or ()))
    if spec.via == "metrics":
        key = spec.column

        def measure(i, key=key):
            found = (i.metrics or {}).get(key)
            return found if isinstance(found, (int, float)) and not isinstance(found, bool) else None

        return _py_compare(measure, op, value)
    attr = spec.column
    if op in ("gt", "lt", "between"):
        return _py_compare(lambda i: getattr(i, attr), op, value)
    if op in ("is", "is_not"):
        return _negate(op, lambda i: getattr(i, attr) == value)
    members = frozenset(values)
    return _negate(op, lambda i: getattr(i, attr) in members)


def _py_compare(get: Callable[[Any], Any], op: str, value: Any) -> Predicate:
    if op == "gt":
        return lambda i: (x := get(i)) is not None and x > value
    if op == "lt":
        return lambda i: (x := get(i)) is not None and x < value
    low, high = value
    return lambda i: (x := get(i)) is not None and low <= x <= high


# --- SQL ------------------------------------------------------------------------------------------------


def compile_q(condition: dict, *, references: dict | None = None) -> Q:
    """One ``Q`` for ``Interaction.objects.filter`` selecting the interactions that meet a valid
    condition (the same answer as :func:`compile_python`)."""
    refs = references if references is not None else _references(condition)
    return _q_node(condition, refs)


def _nothing() -> Q:
    return Q(pk__in=[])


def _q_node(node: dict, refs: dict) -> Q:
    (kind, items) = next(iter(node.items()))
    parts = [_q_rule(item, refs) if "field" in item else _q_node(item, refs) for item in items]
    if not parts:  # an empty Q() would vanish when combined with |: "every row" must be spelled out
        return Q(pk__isnull=False) if kind == "all" else _nothing()
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if kind == "all" else (result | part)
    return result


def _q_negate(op: str, q: Q) -> Q:
    return ~q if op in ("is_not", "not_in") else q


def _q_rule(rule: dict, refs: dict) -> Q:
    from cxq.interactions.models import PhraseMention

    spec, op, value = FIELDS[rule["field"]], rule["op"], rule["value"]
    values = _values(rule)
    if spec.kind == "ref":
        found = refs[spec.ref]
        ids = sorted({found[v] for v in values if v in found})
        if spec.via == "column":
            # ~Q on a nullable column keeps the NULL rows (Django adds IS NOT NULL inside the NOT)
            return _q_negate(op, Q(**{f"{spec.column}__in": ids}) if ids else _nothing())
        if not ids:
            q = _nothing()
        else:
            mentions = PhraseMention.objects.filter(interaction=OuterRef("pk"), phrase_set_id__in=ids)
            side = rule.get("side")
            if side:
                mentions = mentions.filter(said_by__in=[side, "both"])
            q = Q(Exists(mentions))
        if spec.negated:
            op = "is" if op in ("is_not", "not_in") else "is_not"
        return _q_negate(op, q)
    if spec.via == "topics":
        q = Q()
        for i, topic in enumerate(values):
            one = topic_q(topic)
            q = one if i == 0 else (q | one)
        return _q_negate(op, q)
    if spec.via == "metrics":
        return _q_compare(MetricNumber(spec.column), op, value)
    if op in ("gt", "lt", "between"):
        return _q_compare(spec.column, op, value)
    if op in ("is", "is_not"):
        return _q_negate(op, Q(**{spec.column: value}))
    return _q_negate(op, Q(**{f"{spec.column}__in": values}))


def _q_compare(target, op: str, value: Any) -> Q:
    from django.db.models import F

    lhs = F(target) if isinstance(target, str) else target
    if op == "gt":
        return Q(GreaterThan(lhs, value))
    if op == "lt":
        return Q(LessThan(lhs, value))
    low, high = value
    return Q(GreaterThanOrEqual(lhs, low)) & Q(LessThanOrEqual(lhs, high))


class MetricNumber(Expression):
    """A number in ``Interaction.metrics`` by key, NULL when absent or not a number (as in Python: a
    JSON null, text or boolean never compares). Django's key transform reads a JSON null as the text
    'null' on SQLite, which casts to 0."""

    output_field = FloatField()

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def as_sql(self, compiler, connection):  # SQLite
        path = f'$."{self.key}"'
        sql = (
            "CASE WHEN json_type(\"interactions_interaction\".\"metrics\", %s) IN ('integer', 'real') "
            'THEN json_extract("interactions_interaction"."metrics", %s) END'
        )
        return sql, [path, path]

    def as_postgresql(self, compiler, connection):
        sql = (
            'CASE WHEN jsonb_typeof("interactions_interaction"."metrics" -> %s) = \'number\' '
            'THEN ("interactions_interaction"."metrics" ->> %s)::double precision END'
        )
        return sql, [self.key, self.key]


def topic_q(topic: str) -> Q:
    """The topic is one of the interaction's topics, compared exactly (JSON containment on PostgreSQL;
    SQLite has none: one ``json_each`` probe of the small array)."""
    if connection.vendor == "postgresql":
        return Q(topics__contains=[topic])
    return Q(
        RawSQL(
            'EXISTS (SELECT 1 FROM json_each("interactions_interaction"."topics") WHERE json_each.value = %s)',
            [topic],
            output_field=BooleanField(),
        )
    )


# --- For the builder --------------------------------------------------------------------------------------


def vocabulary() -> list[dict]:
    """The fields, their operators and kinds, as the condition builder shows them."""
    return [
        {
            "name": spec.name,
            "label": spec.label,
            "kind": spec.kind,
            "ops": [{"value": op, "label": OP_LABELS[op]} for op in spec.ops],
            "choices": list(spec.choice_values),
            "sided": spec.sided,
        }
        for spec in FIELDS.values()
    ]


def drawable(node: Any, depth: int = 0) -> bool:
    """A tree the builder can draw: groups (at most :data:`MAX_DEPTH` deep) of groups and rules that
    name a field and an operator; the values may be wrong (they are checked on save)."""
    if not isinstance(node, dict) or len(node) != 1 or not ({"all", "any"} >= set(node)) or depth >= MAX_DEPTH:
        return False
    items = next(iter(node.values()))
    return isinstance(items, list) and all(
        (isinstance(i, dict) and isinstance(i.get("field"), str) and isinstance(i.get("op"), str))
        or drawable(i, depth + 1)
        for i in items
    )


def builder(*, viewer, shown: Any, saved: dict | None = None) -> dict:
    """What the condition builder (templates/interactions/condition_builder.html) is drawn from: the
    fields and operators, known values to suggest (pickers for people, teams, phrase sets and choices;
    suggestions for free text, docs/conditions.md#values), the names of the ids the condition names,
    and the condition. ``shown`` is the condition to show — what was sent (JSON text or data), even a
    refused one, so that it can be corrected — or, when it cannot be drawn, ``saved`` (else every
    interaction)."""
    import json

    if isinstance(shown, str):
        try:
            shown = json.loads(shown or "null")
        except ValueError:
            shown = None
    condition = shown if drawable(shown) else (saved if saved is not None else dict(EVERYTHING))
    return {
        "fields": vocabulary(),
        "suggestions": {
            spec.name: suggestions(spec.name, viewer=viewer, limit=BUILDER_SUGGESTIONS)
            for spec in FIELDS.values()
            if spec.via != "metrics"
        },
        "names": reference_names(condition),
        "condition": condition,
        "max_depth": MAX_DEPTH,
    }


SUGGESTIONS = 30
BUILDER_SUGGESTIONS = 500  # per field: the pickers offer every person and team the viewer may see
_DISTINCT_TTL = 600  # seconds: a new queue shows up in the suggestions within ten minutes


def suggestions(field: str, *, viewer, prefix: str = "", limit: int = SUGGESTIONS) -> list[dict]:
    """Known values of a field for the condition builder, ``[{"value", "label"}]``, at most
    :data:`SUGGESTIONS`, those containing ``prefix`` (case-insensitive). Only suggestions: a rule may
    name a value nobody has used yet (docs/conditions.md#values). People and teams are those the viewer
    may see; queues, dispositions and languages are the distinct values stored (cached, they cost a
    scan of the interactions)."""
    from django.core.cache import cache

    from cxq.accounts.selectors import team_list, user_scope
    from cxq.interactions.models import Interaction, PhraseSet

    spec = FIELDS.get(field)
    if spec is None:
        return []
    needle = prefix.strip().casefold()
    if spec.ref == "user":
        rows = user_scope(viewer=viewer).filter(is_active=True)
        if needle:
            rows = rows.filter(full_name__icontains=needle)
        found = [(str(u), name) for u, name in rows.order_by("full_name").values_list("uuid", "full_name")]
    elif spec.ref == "team":
        found = [(str(t.uuid), t.name) for t in team_list(viewer=viewer, search=needle)]
    elif spec.ref == "phrase_set" or spec.via == "topics":
        rows = PhraseSet.objects.all()
        if spec.via == "topics":
            rows = rows.filter(kind="topic")
        found = [
            (name if spec.via == "topics" else str(u), f"{name} ({kind})")
            for u, name, kind in rows.order_by("name").values_list("uuid", "name", "kind")
        ]
    elif spec.kind == "choice":
        found = list(spec.choices)
    elif spec.kind == "bool":
        found = [("yes", "Yes"), ("no", "No")]
    elif spec.kind == "text":
        key = f"conditions:distinct:{spec.column}"
        values = cache.get(key)
        if values is None:
            values = sorted(
                Interaction.objects.exclude(**{spec.column: ""})
                .order_by()
                .values_list(spec.column, flat=True)
                .distinct()[:2000]
            )
            cache.set(key, values, _DISTINCT_TTL)
        found = [(v, v) for v in values]
    else:
        return []
    if needle:
        found = [(v, label) for v, label in found if needle in label.casefold() or needle in v.casefold()]
    return [{"value": v, "label": label} for v, label in found[:limit]]


def reference_names(condition: dict) -> dict[str, str]:
    """Public id → name of the people, teams and phrase sets a condition's rules name (one query per
    kind named; ids that name nothing are left out). The condition's rules need only be well formed."""
    from cxq.accounts.models import Team, User
    from cxq.interactions.models import PhraseSet

    wanted: dict[str, set[str]] = {"user": set(), "team": set(), "phrase_set": set()}
    for _path, rule in rules(condition):
        kind = REF_MODELS.get(rule["field"])
        if kind:
            value = rule.get("value")
            wanted[kind].update(v for v in (value if isinstance(value, list) else [value]) if _is_uuid(v))
    names: dict[str, str] = {}
    for kind, model, attr in (("user", User, "full_name"), ("team", Team, "name"), ("phrase_set", PhraseSet, "name")):
        if wanted[kind]:
            names.update({str(u): n for u, n in model.objects.filter(uuid__in=wanted[kind]).values_list("uuid", attr)})
    return names


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def describe(condition: dict) -> str:
    """A valid condition in words, with people, teams and phrase sets by name ("every interaction"
    for an empty ``all``)."""
    names = reference_names(condition)

    def word(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return names.get(str(value), str(value))

    def rule_text(rule: dict) -> str:
        spec, op, value = FIELDS[rule["field"]], rule["op"], rule["value"]
        if op == "between":
            shown = f"{word(value[0])} and {word(value[1])}"
        elif op in ("in", "not_in"):
            shown = ", ".join(word(v) for v in value)
        else:
            shown = word(value)
        side = f" (said by the {rule['side']})" if rule.get("side") else ""
        return f"{spec.label} {OP_LABELS[op]} {shown}{side}"

    def node_text(node: dict, top: bool) -> str:
        (kind, items) = next(iter(node.items()))
        if not items:
            return "every interaction" if kind == "all" else "no interaction"
        parts = [rule_text(i) if "field" in i else node_text(i, False) for i in items]
        text = (" and " if kind == "all" else " or ").join(parts)
        return text if top or len(parts) == 1 else f"({text})"

    return node_text(condition, True)
