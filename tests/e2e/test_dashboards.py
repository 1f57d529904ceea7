"""Dashboards per role (docs/analytics.md#dashboards): each role logs in, sees its figures, and a figure's
link opens the filtered list behind it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxq.analytics.services import analytics_rebuild
from cxq.evaluations import services as ev
from cxq.evaluations.models import Assignment, Evaluation
from tests.analytics.conftest import card, evaluate, new_call  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

GOOD = {"greet": "yes", "tone": 5, "disclosure": "yes"}
MIXED = {"greet": "no", "tone": 3, "disclosure": "yes"}


@pytest.fixture
def history(personas, card):  # noqa: F811
    """Agent A1 fell from perfect scores 40 days ago to mixed ones now; one of them is disputed; the
    evaluator holds an overdue task and one due later."""
    old = [evaluate(personas.evaluator, personas.agent_a1, card, GOOD) for _ in range(3)]
    new = [evaluate(personas.evaluator, personas.agent_a1, card, MIXED) for _ in range(5)]
    Evaluation.objects.filter(pk__in=[e.pk for e in old]).update(completed_at=timezone.now() - timedelta(days=40))
    analytics_rebuild()
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=new[0], items=[("greet", "I did greet")])
    for due in (timedelta(days=-2), timedelta(days=3)):
        Assignment.objects.create(
            interaction=new_call(personas.agent_a1.email),
            scorecard=card,
            assignee=personas.evaluator,
            assigned_by=personas.supervisor_a,
            due_at=timezone.now() + due,
        )
    return new


def test_a_supervisor_sees_their_teams_figures_and_follows_one(page, login, personas, history, screenshot):
    login(page, personas.supervisor_a)
    expect(page.get_by_test_id("dash-disputes")).to_contain_text("1 open dispute")
    expect(page.get_by_test_id("dash-overdue")).to_contain_text("1 overdue task")
    expect(page.get_by_test_id("dash-agents-attention")).to_contain_text(personas.agent_a1.full_name)
    expect(page.get_by_test_id("dash-worst-questions")).to_contain_text("%")
    expect(page.get_by_test_id("dash-average")).to_contain_text("pts")
    screenshot(page, "dashboard-supervisor")
    page.get_by_test_id("dash-disputes").click()
    expect(page).to_have_url(re.compile(r"/evaluations/disputes/$"))
    expect(page.get_by_test_id("disputes-table")).to_contain_text(personas.agent_a1.full_name)


def test_an_evaluator_sees_their_work(page, login, personas, history, screenshot):
    login(page, personas.evaluator)
    work = page.get_by_test_id("dash-my-tasks")
    expect(work).to_contain_text("2 open tasks")
    expect(work).to_contain_text("1 overdue")
    expect(page.get_by_test_id("dash-my-week")).to_contain_text("evaluations completed this week")
    expect(page.get_by_test_id("dash-lead")).to_have_count(0)  # no analytics.view
    screenshot(page, "dashboard-evaluator")


def test_an_agent_sees_scores_and_what_to_acknowledge(page, login, personas, history, screenshot):
    login(page, personas.agent_a1)
    expect(page.get_by_test_id("dash-latest-scores").locator("tbody tr")).to_have_count(5)
    expect(page.get_by_test_id("dash-ack-list")).to_contain_text("acknowledge by")
    expect(page.get_by_test_id("dash-my-average")).to_contain_text("team")
    expect(page.get_by_test_id("dash-lead")).to_have_count(0)
    screenshot(page, "dashboard-agent")
    page.get_by_test_id("dash-latest-scores").locator("tbody a").first.click()
    expect(page).to_have_url(re.compile(rf"/evaluations/{history[-1].uuid}/$"))


def test_an_admin_sees_every_section(page, login, personas, history, screenshot):
    login(page, personas.admin)
    for name in ("dash-lead", "dash-my-work"):
        expect(page.get_by_test_id(name)).to_have_count(1)
    expect(page.get_by_test_id("dash-agent")).to_have_count(0)  # nobody's agent, though allowed
    screenshot(page, "dashboard-admin")
