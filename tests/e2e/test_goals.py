"""Goal journey (docs/goals.md, docs/conditions.md): a supervisor builds a goal with the condition
builder (a rule with a queue nobody has used yet, and an OR group), draws the period, and the evaluator
finds the tasks in "My tasks" and their share on the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxq.evaluations.models import Assignment
from cxq.goals.models import Goal
from cxq.interactions.models import Interaction
from cxq.scorecards import services as sc
from tests.scorecards.conftest import DOC

pytestmark = pytest.mark.e2e


@pytest.fixture
def card(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


@pytest.fixture
def calls(personas):
    now = timezone.now()
    made = []
    for i, (channel, queue) in enumerate(
        [("voice", "billing"), ("voice", "billing"), ("chat", "billing"), ("voice", "sales"), ("email", "sales")]
    ):
        made.append(
            Interaction.objects.create(
                agent=personas.agent_a1,
                team=personas.team_a,
                channel=channel,
                queue=queue,
                started_at=now - timedelta(hours=2, minutes=i),
            )
        )
    return made


def test_a_supervisor_builds_a_goal_and_the_evaluator_gets_its_tasks(
    personas, card, calls, new_page, login, screenshot
):
    page: Page = new_page()
    login(page, personas.supervisor_a)
    page.get_by_role("link", name="Goals").click()
    page.get_by_test_id("new-goal").click()
    page.wait_for_url("**/goals/new/")
    page.fill("#id_name", "Billing calls, daily")
    page.select_option("#id_scorecard", label=card.name)
    page.get_by_label("Eve Evaluator").check()
    page.fill("#id_target", "2")
    page.select_option("#id_recurrence", "daily")
    page.fill("#id_starts_on", (timezone.now() - timedelta(days=1)).date().isoformat())

    builder = page.get_by_test_id("condition-builder")
    # rule 1: queue is one of billing, a queue nobody has used yet
    builder.get_by_test_id("add-rule").click()
    rule = builder.get_by_test_id("cond-rule").nth(0)
    rule.get_by_label("Field").select_option("queue")
    rule.get_by_label("Operator").select_option("in")
    rule.get_by_label("Values, separated by commas").fill("billing, brand-new-queue")
    # an OR group: channel is voice, or the call lasted over an hour
    builder.get_by_test_id("add-group").click()
    group = builder.get_by_test_id("cond-group")
    group.get_by_label("Group matches").select_option("any")
    inner = group.get_by_test_id("cond-rule").nth(0)
    inner.get_by_label("Field").select_option("channel")
    inner.get_by_label("Value").select_option("voice")
    group.get_by_role("button", name="+ Rule in this group").click()
    second = group.get_by_test_id("cond-rule").nth(1)
    second.get_by_label("Field").select_option("duration")
    second.get_by_label("Operator").select_option("gt")
    second.get_by_label("Number").fill("3600")
    screenshot(page, "goal-builder")
    page.get_by_test_id("save-goal").click()

    page.wait_for_url(re.compile(r"/goals/[0-9a-f-]{36}/$"))
    goal = Goal.objects.get(name="Billing calls, daily")
    assert goal.condition == {
        "all": [
            {"field": "queue", "op": "in", "value": ["billing", "brand-new-queue"]},
            {
                "any": [
                    {"field": "channel", "op": "is", "value": "voice"},
                    {"field": "duration", "op": "gt", "value": 3600},
                ]
            },
        ]
    }
    expect(page.get_by_test_id("goal-conditions")).to_contain_text("Queue is one of billing, brand-new-queue")
    page.get_by_test_id("draw-now").click()
    expect(page.get_by_test_id("goal-progress")).to_contain_text("0/2 done")
    expect(page.get_by_test_id("progress-agents")).to_contain_text("Andy Agent")
    screenshot(page, "goal-detail")
    drawn = set(Assignment.objects.filter(source="goal").values_list("interaction_id", flat=True))
    assert drawn == {calls[0].pk, calls[1].pk}  # billing voice calls only

    evaluator: Page = new_page()
    login(evaluator, personas.evaluator)
    expect(evaluator.get_by_test_id("goal-panel-mine")).to_contain_text("Billing calls, daily")
    expect(evaluator.get_by_test_id("goal-panel-mine")).to_contain_text("0/2")
    screenshot(evaluator, "goal-evaluator-dashboard")
    evaluator.goto("/tasks/")
    expect(evaluator.get_by_test_id("task-source")).to_have_count(2)
    screenshot(evaluator, "goal-evaluator-tasks")

    # a refused condition comes back with its path, and the builder still shows what was sent
    page.get_by_test_id("edit-goal").click()
    rule = page.get_by_test_id("cond-rule").nth(0)
    rule.get_by_label("Field").select_option("csat")
    rule.get_by_label("Operator").select_option("gt")
    rule.get_by_label("Number").fill("9")
    page.get_by_test_id("save-goal").click()
    expect(page.get_by_test_id("condition-error")).to_contain_text("all[0].value: CSAT is between 1 and 5.")
    expect(page.get_by_test_id("cond-rule").nth(0).get_by_label("Number")).to_have_value("9")
    screenshot(page, "goal-builder-error")
    page.goto("/goals/")
    expect(page.get_by_test_id("goals")).to_contain_text("Billing calls, daily")
    screenshot(page, "goal-list")
