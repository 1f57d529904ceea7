"""The condition language (docs/conditions.md): validation with paths, every field and operator in
Python and in SQL, and a property test that both give the same answer on generated data."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxq.interactions import conditions as C
from cxq.interactions.enrich import sides_of
from cxq.interactions.models import Interaction, PhraseMention, PhraseSet, Utterance

# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], "condition"),
        ({"all": [], "any": []}, "condition"),
        ({"all": "x"}, "all"),
        ({"all": [{"field": "nope", "op": "is", "value": "x"}]}, "all[0].field"),
        ({"all": [{"field": "queue", "op": "gt", "value": "x"}]}, "all[0].op"),
        ({"all": [{"field": "queue", "op": "is", "value": " "}]}, "all[0].value"),
        ({"all": [{"field": "queue", "op": "is", "value": "a\x00b"}]}, "all[0].value"),
        ({"all": [{"field": "queue", "op": "in", "value": []}]}, "all[0].value"),
        ({"all": [{"field": "channel", "op": "is", "value": "pigeon"}]}, "all[0].value"),
        ({"all": [{"field": "agent", "op": "is", "value": "andy"}]}, "all[0].value"),
        ({"all": [{"field": "csat", "op": "is", "value": 9}]}, "all[0].value"),
        ({"all": [{"field": "duration", "op": "gt", "value": 1.5}]}, "all[0].value"),
        ({"all": [{"field": "duration", "op": "between", "value": [10, 5]}]}, "all[0].value[1]"),
        ({"all": [{"field": "resolved", "op": "is", "value": "maybe"}]}, "all[0].value"),
        ({"all": [{"field": "metric.silence_count", "op": "is", "value": 2}]}, "all[0].op"),
        ({"all": [{"field": "metric.silence_count", "op": "gt", "value": "lots"}]}, "all[0].value"),
        ({"all": [{"field": "queue", "op": "is", "value": "a", "side": "agent"}]}, "all[0].side"),
        ({"all": [{"field": "queue", "op": "is", "value": "a", "colour": 1}]}, "all[0].colour"),
        (
            {
                "all": [
                    {"field": "queue", "op": "is", "value": "a"},
                    {"any": [{"field": "csat", "op": "in", "value": [1, 0]}]},
                ]
            },
            "all[1].any[0].value[1]",
        ),
        (
            {
                "all": [
                    {"any": [{"all": [{"field": "indicator", "op": "is", "value": str(uuid.uuid4()), "side": "boss"}]}]}
                ]
            },
            "all[0].any[0].all[0].side",
        ),
    ],
)
def test_a_bad_condition_is_refused_with_the_path_of_the_bad_part(data, path):
    with pytest.raises(C.ConditionError) as caught:
        C.validate(data)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_a_valid_condition_comes_back_canonical():
    some = str(uuid.uuid4()).upper()
    assert C.validate(
        {
            "any": [
                {"field": "queue", "op": "in", "value": [" billing ", "billing", "new-queue"]},
                {"field": "resolved", "op": "is", "value": "yes"},
                {"field": "csat", "op": "between", "value": ["2", 4]},
                {"field": "indicator", "op": "is", "value": some, "side": "agent"},
                {"field": "without_indicator", "op": "is", "value": some, "side": ""},
                {"all": []},
            ]
        }
    ) == {
        "any": [
            {"field": "queue", "op": "in", "value": ["billing", "new-queue"]},
            {"field": "resolved", "op": "is", "value": True},
            {"field": "csat", "op": "between", "value": [2, 4]},
            {"field": "indicator", "op": "is", "value": some.lower(), "side": "agent"},
            {"field": "without_indicator", "op": "is", "value": some.lower()},
            {"all": []},
        ]
    }


def test_too_deep_or_too_many_rules_are_refused():
    deep: dict = {"all": []}
    for _ in range(C.MAX_DEPTH):
        deep = {"all": [deep]}
    with pytest.raises(C.ConditionError, match="nest"):
        C.validate(deep)
    many = {"all": [{"field": "csat", "op": "is", "value": 3}] * (C.MAX_RULES + 1)}
    with pytest.raises(C.ConditionError) as caught:
        C.validate(many)
    assert caught.value.path == f"all[{C.MAX_RULES}]"


def test_unknown_references_name_their_path(personas):
    ghost = str(uuid.uuid4())
    cond = C.validate(
        {
            "all": [
                {"field": "agent", "op": "in", "value": [str(personas.agent_a1.uuid), ghost]},
                {"field": "team", "op": "is", "value": ghost},
            ]
        }
    )
    assert [e.path for e in C.unknown_references(cond)] == ["all[0].value[1]", "all[1].value"]


# --- every field and operator, both ways ------------------------------------------------------------

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _make(personas, sets, **fields) -> Interaction:
    """An interaction with consistent hits, transcript and mention rows (as enrichment writes them)."""
    transcript = fields.pop("transcript", [])
    hit_pairs = fields.pop("hit_pairs", [])  # (phrase set, utterance index)
    hits = [[s.pk, index, 0.0, "p", 0, 1, 1.0] for s, index in hit_pairs]
    row = Interaction.objects.create(
        channel=fields.pop("channel", "voice"),
        started_at=T0,
        transcript=transcript,
        hits=hits,
        **fields,
    )
    utterances = [Utterance(i, *line) for i, line in enumerate(transcript)]
    said, _ = sides_of(hits, utterances)
    for set_id, count in Counter(h[0] for h in hits).items():
        PhraseMention.objects.create(interaction=row, phrase_set_id=set_id, hits=count, said_by=said[set_id])
    return row


@pytest.fixture
def sets(db):
    return [PhraseSet.objects.create(name=f"Set {i}", phrases=["x"]) for i in range(3)]


@pytest.fixture
def world(personas, sets):
    a, b = personas.agent_a1, personas.agent_b1
    line = lambda who: [who, 0.0, 1.0, "words", ""]  # noqa: E731
    rows = {
        "one": _make(
            personas,
            sets,
            agent=a,
            team=personas.team_a,
            channel="voice",
            direction="inbound",
            queue="billing",
            disposition="paid",
            language="en",
            duration_seconds=120,
            csat=5,
            nps=9,
            resolved=True,
            topics=["refund", "Café"],
            metrics={"silence_count": 2, "talk_to_listen_ratio": 1.5},
            transcript=[line("agent"), line("customer")],
            hit_pairs=[(sets[0], 0), (sets[1], 1)],
        ),
        "two": _make(
            personas,
            sets,
            agent=b,
            team=personas.team_b,
            channel="chat",
            direction="outbound",
            queue="sales",
            disposition="",
            language="fr",
            duration_seconds=30,
            csat=None,
            nps=None,
            resolved=False,
            topics=["delivery"],
            metrics={"silence_count": 0, "talk_to_listen_ratio": None},
            transcript=[line("customer"), line("agent")],
            hit_pairs=[(sets[0], 0), (sets[0], 1)],
        ),
        "three": _make(personas, sets, agent=None, team=None, channel="email", duration_seconds=600, resolved=None),
    }
    return rows


def _both(condition) -> tuple[set[str], set[str]]:
    cond = C.validate(condition)
    test = C.compile_python(cond)
    py = {name for name, row in _WORLD.items() if test(Interaction.objects.get(pk=row.pk))}
    ids = set(Interaction.objects.filter(C.compile_q(cond)).values_list("pk", flat=True))
    sql = {name for name, row in _WORLD.items() if row.pk in ids}
    return py, sql


_WORLD: dict = {}


def _rule(field, op, value, **extra):
    return {"all": [{"field": field, "op": op, "value": value, **extra}]}


CASES = [
    (("agent", "is", "@a"), {"one"}),
    (("agent", "is_not", "@a"), {"two", "three"}),
    (("agent", "in", ["@a", "@b"]), {"one", "two"}),
    (("agent", "not_in", ["@a", "@ghost"]), {"two", "three"}),
    (("team", "is", "@ta"), {"one"}),
    (("team", "not_in", ["@ta"]), {"two", "three"}),
    (("channel", "is", "chat"), {"two"}),
    (("channel", "not_in", ["chat", "voice"]), {"three"}),
    (("direction", "is_not", "inbound"), {"two"}),
    (("queue", "is", "billing"), {"one"}),
    (("queue", "is", "Billing"), set()),
    (("queue", "is", "a-queue-nobody-has-yet"), set()),
    (("queue", "in", ["billing", "sales"]), {"one", "two"}),
    (("disposition", "is_not", "paid"), {"two", "three"}),
    (("language", "in", ["fr"]), {"two"}),
    (("topic", "is", "refund"), {"one"}),
    (("topic", "is", "café"), set()),
    (("topic", "is", "Café"), {"one"}),
    (("topic", "in", ["delivery", "refund"]), {"one", "two"}),
    (("topic", "not_in", ["delivery"]), {"one", "three"}),
    (("topic", "is_not", "refund"), {"two", "three"}),
    (("indicator", "is", "@s0"), {"one", "two"}),
    (("indicator", "is", "@s1"), {"one"}),
    (("indicator", "is", "@s2"), set()),
    (("indicator", "is_not", "@s1"), {"two", "three"}),
    (("indicator", "in", ["@s1", "@s2"]), {"one"}),
    (("indicator", "not_in", ["@s0", "@s1"]), {"three"}),
    (("indicator", "is", "@s1", "agent"), set()),
    (("indicator", "is", "@s1", "customer"), {"one"}),
    (("indicator", "is", "@s0", "agent"), {"one", "two"}),
    (("indicator", "is", "@s0", "customer"), {"two"}),
    (("without_indicator", "is", "@s1"), {"two", "three"}),
    (("without_indicator", "is", "@s0", "customer"), {"one", "three"}),
    (("without_indicator", "in", ["@s0", "@s1"]), {"three"}),
    (("without_indicator", "is_not", "@s1"), {"one"}),
    (("without_indicator", "not_in", ["@s1", "@s2"]), {"one"}),
    (("duration", "gt", 30), {"one", "three"}),
    (("duration", "lt", 120), {"two"}),
    (("duration", "between", [30, 120]), {"one", "two"}),
    (("duration", "is", 600), {"three"}),
    (("duration", "in", [30, 600]), {"two", "three"}),
    (("csat", "is", 5), {"one"}),
    (("csat", "is_not", 5), {"two", "three"}),
    (("csat", "lt", 5), set()),
    (("csat", "not_in", [1, 2]), {"one", "two", "three"}),
    (("nps", "gt", 8), {"one"}),
    (("nps", "between", [0, 10]), {"one"}),
    (("resolved", "is", True), {"one"}),
    (("resolved", "is", "no"), {"two"}),
    (("resolved", "is_not", True), {"two", "three"}),
    (("metric.silence_count", "gt", 0), {"one"}),
    (("metric.silence_count", "lt", 1), {"two"}),
    (("metric.talk_to_listen_ratio", "between", [1, 2]), {"one"}),
    (("metric.talk_to_listen_ratio", "lt", 100), {"one"}),
    (("metric.hold_seconds", "lt", 100), set()),
]


def _resolve(value, personas, sets):
    names = {
        "@a": personas.agent_a1.uuid,
        "@b": personas.agent_b1.uuid,
        "@ta": personas.team_a.uuid,
        "@ghost": uuid.UUID(int=7),
        **{f"@s{i}": s.uuid for i, s in enumerate(sets)},
    }
    if isinstance(value, list):
        return [_resolve(v, personas, sets) for v in value]
    return str(names[value]) if isinstance(value, str) and value.startswith("@") else value


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[" ".join(map(str, r)) for r, _ in CASES])
def test_every_field_and_operator_gives_the_same_answer_in_python_and_sql(world, personas, sets, rule, expected):
    _WORLD.clear()
    _WORLD.update(world)
    field, op, value, *side = rule
    extra = {"side": side[0]} if side else {}
    py, sql = _both(_rule(field, op, _resolve(value, personas, sets), **extra))
    assert py == expected
    assert sql == expected


def test_groups_nest_with_and_and_or(world, personas, sets):
    _WORLD.clear()
    _WORLD.update(world)
    cond = {
        "any": [
            {"all": [{"field": "channel", "op": "is", "value": "voice"}, {"field": "csat", "op": "gt", "value": 4}]},
            {
                "all": [
                    {"field": "queue", "op": "is", "value": "sales"},
                    {"field": "resolved", "op": "is", "value": True},
                ]
            },
        ]
    }
    assert _both(cond) == ({"one"}, {"one"})
    assert _both({"all": []}) == ({"one", "two", "three"}, {"one", "two", "three"})
    assert _both({"any": []}) == (set(), set())


def test_python_evaluation_is_fast_enough_for_fifty_rules_per_interaction(world, personas, sets):
    """Automations evaluate every enabled rule per ingested interaction: 50 compiled rules over one
    interaction stay well under the ingest budget (docs/conditions.md#speed)."""
    import time

    rule = C.validate(
        {
            "all": [
                {"field": "channel", "op": "in", "value": ["chat", "email"]},
                {"field": "indicator", "op": "is", "value": str(sets[0].uuid)},
                {"field": "duration", "op": "gt", "value": 60},
            ]
        }
    )
    tests = [C.compile_python(rule) for _ in range(50)]
    rows = [Interaction.objects.get(pk=world["one"].pk) for _ in range(200)]
    start = time.perf_counter()
    for row in rows:
        for test in tests:
            test(row)
    per_interaction = (time.perf_counter() - start) / len(rows)
    # 50 rules in well under a millisecond (about 0.05 ms on a quiet machine; bench/ measures it properly):
    # the bound is loose so a loaded CI machine does not fail it, tight enough to catch a per-rule query
    assert per_interaction < 1e-3, per_interaction


# --- the property: Python and SQL agree on generated data ---------------------------------------------

QUEUES = ["billing", "Billing", "sales", "", "ünï"]
TOPICS = ["refund", "Refund", "delivery", "café", 'say "hi"']
LANGS = ["en", "fr", ""]
METRIC_KEYS = ["silence_count", "talk_to_listen_ratio", "agent_words_per_minute"]
metric_value = st.one_of(st.none(), st.integers(0, 5), st.floats(0, 5, allow_nan=False).map(lambda x: round(x, 3)))


def interactions(agents, teams, sets):
    speakers = st.lists(st.sampled_from(["agent", "customer", "system"]), max_size=4)

    def with_hits(draw_speakers):
        talk = [i for i, s in enumerate(draw_speakers) if s != "system"]
        pairs = st.lists(st.tuples(st.sampled_from(sets), st.sampled_from(talk)), max_size=4) if talk else st.just([])
        return pairs.map(lambda p: (draw_speakers, sorted(set(p), key=lambda t: (t[1], t[0].pk))))

    return st.fixed_dictionaries(
        {
            "agent": st.sampled_from([*agents, None]),
            "team": st.sampled_from([*teams, None]),
            "channel": st.sampled_from(["voice", "chat", "email"]),
            "direction": st.sampled_from(["inbound", "outbound"]),
            "queue": st.sampled_from(QUEUES),
            "disposition": st.sampled_from(["paid", "", "later"]),
            "language": st.sampled_from(LANGS),
            "duration_seconds": st.integers(0, 200),
            "csat": st.one_of(st.none(), st.integers(1, 5)),
            "nps": st.one_of(st.none(), st.integers(0, 10)),
            "resolved": st.sampled_from([None, True, False]),
            "topics": st.lists(st.sampled_from(TOPICS), unique=True, max_size=3),
            "metrics": st.dictionaries(st.sampled_from(METRIC_KEYS), metric_value, max_size=3),
            "talk": speakers.flatmap(with_hits),
        }
    )


def leaves(agents, teams, sets):
    ghost = str(uuid.UUID(int=99))
    refs = {
        "agent": [str(a.uuid) for a in agents] + [ghost],
        "team": [str(t.uuid) for t in teams] + [ghost],
        "indicator": [str(s.uuid) for s in sets] + [ghost],
        "without_indicator": [str(s.uuid) for s in sets] + [ghost],
    }
    pools = {
        "channel": ["voice", "chat", "email", "sms"],
        "direction": ["inbound", "outbound", "internal"],
        "queue": [q for q in QUEUES if q] + ["never-seen"],
        "disposition": ["paid", "later", "new"],
        "language": ["en", "fr", "de"],
        "topic": TOPICS + ["nothing"],
        **refs,
    }
    numbers = {"duration": st.integers(0, 220), "csat": st.integers(1, 5), "nps": st.integers(0, 10)}

    def text_rule(field):
        pool = st.sampled_from(pools[field])
        op = st.sampled_from(C.TEXT_OPS)
        side = (
            st.sampled_from([None, "agent", "customer"]) if field in ("indicator", "without_indicator") else st.none()
        )

        def build(op, one, many, side):
            rule = {"field": field, "op": op, "value": many if op in ("in", "not_in") else one}
            return {**rule, "side": side} if side else rule

        return st.builds(build, op, pool, st.lists(pool, min_size=1, max_size=3), side)

    def number_rule(field):
        value = numbers[field]

        def build(op, one, many, pair):
            v = {"in": many, "not_in": many, "between": sorted(pair)}.get(op, one)
            return {"field": field, "op": op, "value": v}

        return st.builds(
            build,
            st.sampled_from(C.NUMBER_OPS),
            value,
            st.lists(value, min_size=1, max_size=3),
            st.tuples(value, value),
        )

    def metric_rule(key):
        value = st.floats(0, 6, allow_nan=False).map(lambda x: round(x, 3)) | st.integers(0, 6)

        def build(op, one, pair):
            return {"field": C.METRIC_PREFIX + key, "op": op, "value": sorted(pair) if op == "between" else one}

        return st.builds(build, st.sampled_from(C.MEASURE_OPS), value, st.tuples(value, value))

    bool_rule = st.builds(
        lambda op, v: {"field": "resolved", "op": op, "value": v}, st.sampled_from(C.BOOL_OPS), st.booleans()
    )
    return st.one_of(
        *[text_rule(f) for f in pools],
        *[number_rule(f) for f in numbers],
        *[metric_rule(k) for k in METRIC_KEYS],
        bool_rule,
    )


def conditions(agents, teams, sets):
    tree = st.recursive(
        leaves(agents, teams, sets),
        lambda kids: st.builds(
            lambda k, items: {k: items}, st.sampled_from(["all", "any"]), st.lists(kids, max_size=3)
        ),
        max_leaves=6,
    )
    return st.builds(lambda k, items: {k: items}, st.sampled_from(["all", "any"]), st.lists(tree, max_size=3))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_python_and_sql_agree_on_generated_interactions_and_conditions(personas, sets, data):
    agents = [personas.agent_a1, personas.agent_b1]
    teams = [personas.team_a, personas.team_b]
    population = data.draw(st.lists(interactions(agents, teams, sets), max_size=8), label="interactions")
    rows = []
    for spec in population:
        speakers, pairs = spec.pop("talk")
        transcript = [[s, 0.0, 1.0, "w", ""] for s in speakers]
        rows.append(_make(personas, sets, transcript=transcript, hit_pairs=pairs, **spec))
    condition = C.validate(data.draw(conditions(agents, teams, sets), label="condition"))
    test = C.compile_python(condition)
    fresh = Interaction.objects.filter(pk__in=[r.pk for r in rows])
    expected = {r.pk for r in fresh if test(r)}
    assert set(fresh.filter(C.compile_q(condition)).values_list("pk", flat=True)) == expected
    Interaction.objects.filter(pk__in=[r.pk for r in rows]).delete()


def test_suggestions_offer_known_values_within_the_viewers_scope(world, personas, sets):
    from django.core.cache import cache

    cache.clear()
    assert [s["value"] for s in C.suggestions("queue", viewer=personas.admin)] == ["billing", "sales"]
    assert [s["value"] for s in C.suggestions("queue", viewer=personas.admin, prefix="BIL")] == ["billing"]
    assert [s["value"] for s in C.suggestions("channel", viewer=personas.admin, prefix="ch")] == ["chat"]
    agents = {s["label"] for s in C.suggestions("agent", viewer=personas.supervisor_a)}
    assert "Andy Agent" in agents and "Bea Agent" not in agents
    assert [s["label"] for s in C.suggestions("indicator", viewer=personas.admin, prefix="set 1")] == [
        "Set 1 (indicator)"
    ]
    assert C.suggestions("nope", viewer=personas.admin) == []
