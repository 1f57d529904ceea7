"""Automation cards in a real browser (docs/automations.md): a supervisor drags a card above another, and the
next interaction that arrives is handled by the card now first; its matching log shows on the interaction
page, and "test the cards" explains why."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cxq.automations import services
from cxq.automations.models import Match, Rule
from cxq.evaluations.models import Assignment
from cxq.interactions.services import interaction_upsert, parse_payload
from cxq.scorecards import services as sc
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

pytestmark = pytest.mark.e2e


@pytest.fixture
def cards(personas):
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    voice = services.rule_create(
        by=personas.admin,
        name="All voice calls",
        condition={"all": [{"field": "channel", "op": "is", "value": "voice"}]},
        scorecard=card,
        pool=[personas.evaluator],
    )
    billing = services.rule_create(
        by=personas.admin,
        name="Billing queue",
        condition={"all": [{"field": "queue", "op": "is", "value": "Billing"}]},
        scorecard=card,
        pool=[personas.supervisor_a],
        due_days=2,
    )
    return voice, billing


def test_dragging_a_card_up_gives_it_priority_on_the_next_interaction(personas, cards, new_page, login, screenshot):
    voice, billing = cards
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto("/automations/")
    names = page.get_by_test_id("card-name")
    expect(names).to_have_text(["All voice calls", "Billing queue"])
    screenshot(page, "automations-before-drag")

    # Drag the second card's handle onto the first card.
    page.get_by_test_id("card").nth(1).get_by_test_id("drag").drag_to(page.get_by_test_id("card").nth(0))
    expect(page.get_by_test_id("reorder-status")).to_contain_text("New order saved")
    expect(names).to_have_text(["Billing queue", "All voice calls"])
    expect(page.get_by_test_id("priority")).to_have_text(["#1", "#2"])
    order = list(Rule.objects.order_by("position").values_list("name", flat=True))
    assert order == ["Billing queue", "All voice calls"]
    page.reload()
    expect(names).to_have_text(["Billing queue", "All voice calls"])
    screenshot(page, "automations-after-drag")

    # The next Billing voice call is handled by the card now first.
    call, _ = interaction_upsert(data=parse_payload({**PAYLOAD, "external_id": "after-drag"}))
    log = Match.objects.get(interaction=call)
    assert log.rule == billing
    assert Assignment.objects.get(interaction=call).assignee == personas.supervisor_a

    page.goto(f"/interactions/{call.uuid}/")
    page.get_by_test_id("tab-performance").click()
    expect(page.get_by_test_id("automation-log")).to_contain_text("Billing queue")
    expect(page.get_by_test_id("automation-log")).to_contain_text("Task for Sam Supervisor")
    screenshot(page, "automations-interaction-log")

    # Test the cards on it: the explanation, condition by condition.
    page.goto("/automations/")
    page.get_by_test_id("test-form").locator("input[name=interaction]").fill("after-drag")
    page.get_by_test_id("test-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("fires")).to_have_text("“Billing queue” would fire")
    verdicts = page.get_by_test_id("verdict")
    expect(verdicts.nth(0)).to_contain_text("fires")
    expect(verdicts.nth(1)).to_contain_text("matches, but a card above fires first")
    expect(verdicts.nth(0).get_by_test_id("condition")).to_have_text(re.compile(r"✓ Queue is Billing"))
    screenshot(page, "automations-test")


def test_a_card_is_made_with_the_condition_builder(personas, cards, new_page, login, screenshot):
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto("/automations/new/")
    page.fill("input[name=name]", "Angry chats")
    builder = page.get_by_test_id("condition-builder")  # the goals' builder (docs/conditions.md#the-builder)
    builder.get_by_test_id("add-rule").click()
    row = builder.get_by_test_id("cond-rule").nth(0)
    row.get_by_label("Field").select_option("csat")
    row.get_by_label("Operator").select_option("lt")
    row.get_by_label("Number").fill("3")
    builder.get_by_test_id("add-rule").click()
    second = builder.get_by_test_id("cond-rule").nth(1)
    second.get_by_label("Field").select_option("queue")
    second.get_by_label("Value").fill("A queue nobody has yet")
    page.select_option("select[name=pool]", label="Eve Evaluator")
    screenshot(page, "automations-new-card")
    page.get_by_test_id("save-card").click()
    expect(page.get_by_test_id("card-name")).to_have_text(["All voice calls", "Billing queue", "Angry chats"])
    rule = Rule.objects.get(name="Angry chats")
    assert rule.condition == {
        "all": [
            {"field": "csat", "op": "lt", "value": 3},
            {"field": "queue", "op": "is", "value": "A queue nobody has yet"},
        ]
    }


def test_a_nested_card_is_drawn_and_saved_unchanged_by_the_builder(personas, cards, new_page, login, screenshot):
    """Groups within groups (as the API may save them) are drawn, not flattened; a picked person the
    editor's suggestions do not list (another team's agent) shows by name and is kept."""
    voice, _billing = cards
    nested = {
        "any": [
            {"field": "channel", "op": "is", "value": "voice"},
            {
                "all": [
                    {"field": "agent", "op": "in", "value": [str(personas.agent_b1.uuid)]},
                    {"any": [{"field": "duration", "op": "between", "value": [60, 600]}]},
                ]
            },
        ]
    }
    services.rule_update(by=personas.admin, rule=voice, condition=nested)
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto(f"/automations/{voice.uuid}/")
    builder = page.get_by_test_id("condition-builder")
    expect(builder.get_by_test_id("cond-group")).to_have_count(2)
    innermost = builder.get_by_test_id("cond-group").nth(1)
    expect(innermost.get_by_label("From")).to_have_value("60")
    expect(builder.get_by_label("Values").locator("option:checked")).to_have_text(["Bea Agent"])
    screenshot(page, "automations-nested-card")
    page.get_by_test_id("save-card").click()
    expect(page.get_by_test_id("card-name")).to_have_text(["All voice calls", "Billing queue"])
    voice.refresh_from_db()
    assert voice.condition == nested
