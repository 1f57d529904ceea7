"""Calibration journey (docs/calibrations.md, docs/calibrations.md#the-session, docs/calibrations.md#statistics,
docs/calibrations.md#active-calibration-marker): a supervisor opens a session on a call from its page,
three assessors score it blind with the ordinary evaluation form, and the session view then shows the
completion, the average and where they disagree.

Scorecard "Support QA" (tests/scorecards; percentage mode): Opening weight 20 — greet yes 5 / no 0, tone
1–5 → 0…4 points; Compliance weight 10 — disclosure yes 2 / no 0 (auto-fail). Scores worked out by hand:
  Eve (greet yes, tone 5, disclosure yes): Opening 9/9, Compliance 2/2 → 100.00 %
  Extra Evaluator 2 (yes, 4, yes): Opening 8/9 → (20×800/9 + 1000)/30 = 2500/27 = 92.59 %
  Sam (no, 3, yes): Opening 2/9 → (20×200/9 + 1000)/30 = 1300/27 = 48.15 %
  average (100 + 92.59 + 48.15)/3 = 240.74/3 = 80.2466… → 80.25 %; greet and tone differ, disclosure agrees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cxq.calibrations.models import Session
from cxq.evaluations.models import Evaluation
from cxq.notifications.models import OutboundEmail
from tests.calibrations import conftest as calibration_fixtures
from tests.e2e.test_evaluations import click_answer, expect_saved

pytestmark = pytest.mark.e2e

card = calibration_fixtures.card
call = calibration_fixtures.call
team_a_evaluators = calibration_fixtures.team_a_evaluators


@pytest.fixture
def shot(screenshot):
    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)

    return take


def score_from_my_tasks(page: Page, session: Session, answers: list[tuple[str, str]]) -> None:
    """The assessor opens the task from "My tasks", starts, answers by mouse and submits."""
    page.goto("/tasks/")
    tasks = page.get_by_test_id("calibration-tasks")
    expect(tasks).to_contain_text(session.name)
    tasks.get_by_role("link", name="Open").click()
    page.wait_for_url(f"**/calibrations/{session.uuid}/")
    page.get_by_test_id("start-evaluation").click()
    page.wait_for_url(re.compile(r"/evaluations/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("calibration-evaluation")).to_be_visible()
    for key, label in answers:
        click_answer(page, key, label)
    expect_saved(page)
    page.get_by_test_id("submit-evaluation").click()
    page.wait_for_url(f"**/calibrations/{session.uuid}/")


def test_three_assessors_score_the_same_call_and_the_session_shows_completion_average_and_disagreement(
    personas, card, call, team_a_evaluators, new_page, login, shot
):
    extra = team_a_evaluators[0]
    # a. The supervisor opens a session from the call's page.
    sup = new_page()
    login(sup, personas.supervisor_a)
    sup.goto(f"/interactions/{call.uuid}/")
    sup.get_by_role("link", name="Calibrate").click()
    sup.get_by_label("Name").fill("Billing calibration")
    sup.get_by_label("Scorecard").select_option(label="Support QA")
    expect(sup.get_by_label("Interaction")).to_have_value(str(call.uuid))
    for person in (personas.evaluator, extra):
        sup.get_by_label(person.full_name, exact=True).check()
    sup.get_by_label("Benchmark (expert) assessor").select_option(label=personas.supervisor_a.full_name)
    sup.get_by_label("Due").fill("2030-01-15T17:00")
    shot(sup, "calibration-new")
    sup.get_by_test_id("create-session").click()
    session = Session.objects.get(name="Billing calibration")
    sup.wait_for_url(f"**/calibrations/{session.uuid}/")
    expect(sup.get_by_test_id("stat-completion")).to_have_text("0%")
    assert session.assessors.count() == 3
    assert OutboundEmail.objects.filter(subject__contains="Billing calibration").count() == 3
    # the call's page now says it is in an active calibration, with a link to the session
    sup.goto(f"/interactions/{call.uuid}/")
    expect(sup.get_by_test_id("calibration-marker")).to_contain_text("Billing calibration")
    shot(sup, "calibration-marker-interaction")

    # b. Eve scores first; afterwards she sees her own answers, nobody else's yet.
    eve = new_page()
    login(eve, personas.evaluator)
    score_from_my_tasks(eve, session, [("tone", "5"), ("disclosure", "Yes")])
    expect(eve.get_by_test_id("stat-completion")).to_have_text("33%")
    expect(eve.get_by_test_id("side-by-side")).to_be_visible()

    # c. The second assessor is blind until they submit.
    second = new_page()
    login(second, extra)
    second.goto(f"/calibrations/{session.uuid}/")
    expect(second.get_by_test_id("blind-note")).to_be_visible()
    expect(second.get_by_test_id("side-by-side")).to_have_count(0)
    expect(second.get_by_test_id("export-csv")).to_have_count(0)
    shot(second, "calibration-blind")
    score_from_my_tasks(second, session, [("tone", "4"), ("disclosure", "Yes")])

    # d. The supervisor, the benchmark, scores last.
    score_from_my_tasks(sup, session, [("greet", "No"), ("tone", "3"), ("disclosure", "Yes")])
    scores = sorted(str(e.score_percent) for e in Evaluation.objects.filter(source="calibration", status="completed"))
    assert scores == ["100.00", "48.15", "92.59"]

    # e. The session view: everyone done, the average, and the rows where they disagree.
    sup.goto(f"/calibrations/{session.uuid}/")
    expect(sup.get_by_test_id("stat-completion")).to_have_text("100%")
    expect(sup.get_by_test_id("stat-average")).to_have_text("80.25%")
    table = sup.get_by_test_id("side-by-side")
    expect(table.locator('tr[data-question="greet"]')).to_have_class(re.compile(r"\bdisagree\b"))
    expect(table.locator('tr[data-question="tone"]')).to_have_class(re.compile(r"\bdisagree\b"))
    expect(table.locator('tr[data-question="disclosure"]')).not_to_have_class(re.compile(r"\bdisagree\b"))
    expect(table.get_by_test_id("disagreement")).to_have_count(2)
    assessors = sup.get_by_test_id("assessors")
    # Eve: 100 − 80.2466… = +19.75 percentage points from the average, 100 − 48.15 = +51.85 from the benchmark
    eve_row = assessors.locator("tr", has_text="Eve Evaluator")
    expect(eve_row).to_contain_text("+19.75")
    expect(eve_row).to_contain_text("+51.85")
    shot(sup, "calibration-session")

    # f. The list finds it by name with its completion and average; the agreement page charts the trend.
    sup.goto("/calibrations/?q=billing")
    row = sup.get_by_test_id("sessions").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("100% (3/3)")
    expect(row).to_contain_text("80.25%")
    shot(sup, "calibration-list")
    sup.get_by_role("link", name="Agreement & trends").click()
    sup.get_by_label("Scorecard").select_option(label="Support QA")
    sup.get_by_role("button", name="Show").click()
    expect(sup.get_by_test_id("trend-table")).to_contain_text("Eve Evaluator")
    expect(sup.locator('canvas[data-chart="trend-mean"]')).to_have_attribute("data-drawn", "1")
    shot(sup, "calibration-agreement")
