"""Analytics journeys (docs/analytics.md#breakdown-by-question, docs/analytics.md#csv-exports): a supervisor opens the
breakdown by question, filters it, drills down
from an answer to the evaluations behind it, and looks at trends and leaderboards; an agent sees their own
scores next to their team's average, without anyone else's name."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.analytics.conftest import card, evaluate  # noqa: F401 (fixture)


def wait_drawn(page: Page) -> None:
    """Wait for the first chart to be drawn. A locator assertion, not ``wait_for_function``: a string
    predicate that polls is evaluated with eval(), which the Content-Security-Policy refuses."""
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")


pytestmark = pytest.mark.e2e

GOOD = {"greet": "yes", "tone": 5, "disclosure": "yes"}
MIXED = {"greet": "no", "tone": 3, "disclosure": "yes"}
FAILED = {"greet": "yes", "tone": "na", "disclosure": "no"}


@pytest.fixture
def evaluations(personas, card):  # noqa: F811
    made = [
        evaluate(personas.evaluator, personas.agent_a1, card, GOOD),
        evaluate(personas.evaluator, personas.agent_a1, card, MIXED, channel="chat"),
        evaluate(personas.supervisor_a, personas.agent_a1, card, FAILED),
        evaluate(personas.manager_b, personas.agent_b1, card, MIXED),  # team B: never in team A's numbers
    ]
    return made


def stat(page: Page, label: str):
    return page.get_by_test_id("overall").locator(".an-stat", has_text=label).locator(".an-stat-value")


def test_a_supervisor_filters_the_breakdown_and_drills_down_to_the_evaluations(
    personas, evaluations, page, login, screenshot
):
    login(page, personas.supervisor_a)
    page.click('[data-nav="analytics:breakdown"]')
    expect(page.locator("h1")).to_have_text("Breakdown by question")
    expect(stat(page, "Evaluations")).to_have_text("3")
    expect(stat(page, "Pass rate")).to_have_text("33.33%")
    table = page.get_by_test_id("breakdown-table")
    greet = table.locator("tr", has_text="Greeted by name?")
    expect(greet).to_contain_text("Yes: 2")
    expect(greet).to_contain_text("No: 1")
    expect(page.locator('canvas[data-chart="breakdown-chart"]')).to_be_visible()
    wait_drawn(page)
    screenshot(page, "analytics-breakdown")

    page.select_option("select[name=channel]", "chat")
    page.click("button:has-text('Apply')")
    expect(stat(page, "Evaluations")).to_have_text("1")
    expect(page.get_by_test_id("breakdown-table").locator("tr", has_text="Greeted by name?")).to_contain_text("No: 1")
    screenshot(page, "analytics-breakdown-chat")

    page.select_option("select[name=channel]", "")
    page.click("button:has-text('Apply')")
    page.get_by_test_id("breakdown-table").locator("tr", has_text="Greeted by name?").get_by_role(
        "link", name="No", exact=True
    ).click()
    expect(page.locator("h1")).to_have_text("Evaluations")
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Andy Agent")
    expect(rows.first).to_contain_text("Chat")
    screenshot(page, "analytics-drilldown")

    page.go_back()
    page.click("nav.an-tabs >> text=Trends")
    expect(page.get_by_test_id("trends-table")).to_contain_text("3")
    wait_drawn(page)
    screenshot(page, "analytics-trends")
    page.click("nav.an-tabs >> text=Leaderboards")
    agents = page.get_by_test_id("agents-table")
    expect(agents).to_contain_text("Andy Agent")
    expect(agents).not_to_contain_text("Bea Agent")
    expect(page.get_by_test_id("evaluators-table")).to_contain_text("no data")
    screenshot(page, "analytics-leaderboards")


def test_an_agent_sees_their_own_scores_next_to_the_team_average(personas, evaluations, page, login, screenshot):
    login(page, personas.agent_a1)
    page.click('[data-nav="analytics:me"]')
    expect(page.locator("h1")).to_have_text("My scores")
    overall = page.get_by_test_id("my-overall")
    expect(overall).to_contain_text("3")
    expect(page.get_by_test_id("my-breakdown")).to_contain_text("Greeted by name?")
    expect(page.locator("body")).not_to_contain_text("Bea Agent")
    expect(page.locator("body")).not_to_contain_text("Eve Evaluator")
    wait_drawn(page)
    screenshot(page, "analytics-agent-view")


def test_after_a_time_zone_change_on_a_large_history_the_reports_say_which_zone_their_days_are_in(
    personas, evaluations, page, login, screenshot, monkeypatch
):
    from cxq.accounts.services import org_settings_update
    from cxq.analytics import services as analytics

    monkeypatch.setattr(analytics, "AUTO_REBUILD_MAX", 0)
    org_settings_update(by=personas.admin, default_time_zone="America/New_York")
    login(page, personas.supervisor_a)
    page.click('[data-nav="analytics:breakdown"]')
    notice = page.get_by_test_id("zone-notice")
    expect(notice).to_contain_text("counted in UTC time, the organisation's previous time zone")
    expect(notice).to_contain_text("America/New_York")
    expect(page.get_by_test_id("analytics-filters").locator("xpath=following-sibling::p[1]")).to_contain_text(
        "Days are in UTC time (see above)."
    )
    expect(stat(page, "Evaluations")).to_have_text("3")  # the figures themselves are all there
    screenshot(page, "analytics-zone-notice")

    analytics.analytics_rebuild()  # an administrator runs `cxq analytics rebuild`
    page.reload()
    expect(page.get_by_test_id("zone-notice")).to_have_count(0)


@pytest.fixture
def outcome_population(personas, card):  # noqa: F811
    """40 team A interactions whose CSAT follows "Greeted by name?" (yes: 4–5, no: 2–3); tone is noise."""
    from cxq.interactions.models import Interaction

    for i in range(40):
        greeted = i % 2 == 0
        answers = {"greet": "yes" if greeted else "no", "tone": 1 + i % 5, "disclosure": "yes"}
        e = evaluate(personas.evaluator, personas.agent_a1, card, answers)
        csat = (4 + i % 4 // 2) if greeted else (2 + i % 4 // 2)
        Interaction.objects.filter(pk=e.interaction_id).update(csat=csat, nps=None, resolved=i % 3 != 0)


def test_a_supervisor_reads_which_questions_go_with_customer_satisfaction(
    personas, outcome_population, page, login, screenshot
):
    login(page, personas.supervisor_a)
    page.click('[data-nav="analytics:breakdown"]')
    page.get_by_role("link", name="Customer outcomes").click()
    expect(page.locator("h1")).to_have_text("Customer outcomes")
    table = page.get_by_test_id("outcome-table")
    first = table.locator("tbody tr").first
    expect(first).to_contain_text("Greeted by name?")
    expect(first).to_contain_text("Difference: Yes vs No")
    expect(table.locator("tr", has_text="Read the disclosure")).to_contain_text("not enough data")
    expect(page.get_by_test_id("outcome-explain")).to_contain_text("95 % confidence interval (Welch)")
    wait_drawn(page)
    screenshot(page, "analytics-outcomes-csat")

    page.select_option("select[name=outcome]", "resolved")
    page.click("button:has-text('Apply')")
    expect(page.get_by_test_id("outcome-explain")).to_contain_text("resolution rate")
    expect(table.locator("tr", has_text="Greeted by name?").first).to_contain_text("%")
    screenshot(page, "analytics-outcomes-resolved")

    page.select_option("select[name=outcome]", "nps")
    page.click("button:has-text('Apply')")
    expect(page.get_by_text("No evaluated interaction carries this outcome in the range")).to_be_visible()


def test_an_evaluator_opens_their_own_evaluations_from_the_navigation(personas, evaluations, page, login, screenshot):
    login(page, personas.evaluator)
    page.click('[data-nav="analytics:my_work"]')
    expect(page.locator("h1")).to_have_text("My evaluations")
    overall = page.get_by_test_id("my-work-overall")
    expect(overall.locator(".an-stat", has_text="Evaluations I did").locator(".an-stat-value")).to_have_text("2")
    expect(page.get_by_test_id("my-deviation")).to_contain_text("no data")
    wait_drawn(page)
    screenshot(page, "analytics-my-evaluations")
    overall.locator(".an-stat", has_text="Evaluations I did").click()
    expect(page.locator("table tbody tr")).to_have_count(2)
