"""The condition builder's data and its one rendering on the goal and automation forms
(docs/conditions.md#the-builder); the browser journeys (tests/e2e/test_goals.py, test_automations.py) drive it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.cache import cache

from cxq.automations import services as automations
from cxq.goals import services as goals
from cxq.interactions import conditions as C
from cxq.interactions.models import Interaction, PhraseSet
from cxq.scorecards import services as sc
from tests.scorecards.conftest import DOC


def _deep(depth: int, leaf: dict) -> dict:
    node = {"all": [leaf]}
    for i in range(depth - 1):
        node = {("any", "all")[i % 2]: [node]}
    return node


@pytest.fixture
def card(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


def test_the_builder_shows_what_was_sent_even_refused_else_what_is_saved(personas):
    saved = {"any": [{"field": "channel", "op": "is", "value": "chat"}]}
    refused = {"all": [{"field": "csat", "op": "gt", "value": 9}]}
    assert C.builder(viewer=personas.admin, shown=json.dumps(refused), saved=saved)["condition"] == refused
    assert C.builder(viewer=personas.admin, shown=refused)["condition"] == refused
    for unreadable in ("{not json", "[]", json.dumps({"all": [{"value": 1}]}), json.dumps(_deep(7, refused["all"][0]))):
        assert C.builder(viewer=personas.admin, shown=unreadable, saved=saved)["condition"] == saved
    assert C.builder(viewer=personas.admin, shown=None)["condition"] == C.EVERYTHING
    deepest = _deep(C.MAX_DEPTH, refused["all"][0])
    assert C.builder(viewer=personas.admin, shown=deepest)["condition"] == deepest


def test_the_builder_names_the_ids_a_condition_names_and_suggests_known_values(personas):
    greeting = PhraseSet.objects.create(name="Greeting", phrases=["hello"])
    Interaction.objects.create(channel="voice", queue="billing", started_at="2026-11-02T09:00Z")
    cache.delete("conditions:distinct:queue")  # known queues are cached for ten minutes
    condition = {
        "all": [
            {"field": "agent", "op": "in", "value": [str(personas.agent_b1.uuid), "not-an-id"]},
            {"any": [{"field": "without_indicator", "op": "is", "value": str(greeting.uuid), "side": "agent"}]},
        ]
    }
    data = C.builder(viewer=personas.supervisor_a, shown=condition)
    # the pickers show a person outside the viewer's suggestions by name, and skip what names nobody
    assert data["names"] == {str(personas.agent_b1.uuid): personas.agent_b1.full_name, str(greeting.uuid): "Greeting"}
    assert [f["name"] for f in data["fields"]] == list(C.FIELDS)
    assert set(data["suggestions"]) == {n for n, s in C.FIELDS.items() if s.via != "metrics"}
    people = {s["value"] for s in data["suggestions"]["agent"]}
    assert str(personas.agent_a1.uuid) in people and str(personas.agent_b1.uuid) not in people  # team A's lead
    assert {"value": "billing", "label": "billing"} in data["suggestions"]["queue"]
    assert data["suggestions"]["channel"][0] == {"value": "voice", "label": "Voice"}
    assert data["max_depth"] == C.MAX_DEPTH


def _builder_markup(html: str) -> dict:
    """The builder's data (json_script) and the Alpine group variables its template draws."""
    data = json.loads(
        re.search(r'<script id="condition-builder-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    return {
        "data": data,
        "loops": re.findall(r'x-for="(n\d) in (\w+)\.items"', html),
        "count": html.count('x-data="conditionBuilder"'),
    }


@pytest.mark.parametrize("page", ["goal", "automation"])
def test_both_forms_draw_one_builder_with_groups_down_to_the_depth_limit(personas, card, client_for, page):
    condition = _deep(3, {"field": "queue", "op": "is", "value": "billing"})
    if page == "goal":
        data = goals.GoalInput(
            name="Deep",
            scorecard=card,
            evaluators=[personas.evaluator],
            target=1,
            target_per="agent",
            recurrence="daily",
            starts_on=date(2026, 1, 1),
            ends_on=None,
            recent_days=7,
            condition=condition,
        )
        goal = goals.goal_create(by=personas.admin, data=data)
        url = f"/goals/{goal.uuid}/edit/"
    else:
        rule = automations.rule_create(
            by=personas.admin, name="Deep", condition=condition, scorecard=card, pool=[personas.evaluator]
        )
        url = f"/automations/{rule.uuid}/"
    response = client_for("admin").get(url)
    assert response.status_code == 200
    markup = _builder_markup(response.content.decode())
    assert markup["count"] == 1
    assert markup["data"]["condition"] == condition
    # one loop per level: root's items, then n1's … down to the deepest group the language allows
    assert markup["loops"] == [(f"n{d + 1}", "root" if d == 0 else f"n{d}") for d in range(C.MAX_DEPTH)]
