"""Each persona logs in through the form and sees exactly the navigation its role allows.

The expected sets are written out by hand on purpose (from ``cxq.context_processors.nav_for``): a
link that appears or disappears must be a deliberate change to this file too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

YOU = {"dashboard", "notifications:list", "schedules:week", "accounts:profile", "accounts:tokens"}
# staff (scorecards.view, evaluations.create, calibrations.participate): scorecards, interactions,
# evaluations, tasks, disputes, calibrations, moments
QUALITY = {
    "scorecards:list",
    "interactions:list",
    "evaluations:list",
    "evaluations:tasks",
    "evaluations:disputes",
    "calibrations:list",
    "moments:list",
}
# interactions.view: agents see their own interactions, evaluations and the moments of them
INTERACTIONS = {"interactions:list", "evaluations:list", "moments:list"}
LEAD = YOU | QUALITY | {"accounts:user_list", "accounts:team_list"}  # leads see the people of their teams

EXPECTED_NAV = {
    "admin": YOU
    | QUALITY
    | {
        "accounts:user_list",
        "accounts:team_list",
        "accounts:role_list",
        "accounts:org_settings",
        "sso:settings",
        "notifications:outbox",
        "interactions:phrase_sets",
        "audit:list",
        "analytics:breakdown",
        "goals:list",
        "automations:list",
        "scim:tokens",
        "webhooks:list",
        "coaching:home",
    },
    # analytics, goals, automations, coaching
    "supervisor_a": LEAD | {"analytics:breakdown", "goals:list", "automations:list", "coaching:home"},
    "manager_b": LEAD | {"analytics:breakdown", "goals:list", "coaching:home"},
    "evaluator": LEAD | {"analytics:my_work"},  # evaluates: analytics of their own evaluations
    # analytics.own; coaching (their own sessions)
    "agent_a1": YOU | INTERACTIONS | {"accounts:team_list", "analytics:me", "coaching:home"},
    "agent_b1": YOU | INTERACTIONS | {"accounts:team_list", "analytics:me", "coaching:home"},
    "norole": YOU,
}


@pytest.mark.parametrize("persona", list(EXPECTED_NAV))
def test_each_persona_lands_on_the_dashboard_and_sees_exactly_its_navigation(
    persona, personas, page, login, screenshot
):
    user = personas.get(persona)
    login(page, user)

    nav = page.locator(".sidebar [data-nav]")
    expect(nav.first).to_be_visible()
    visible = {link.get_attribute("data-nav") for link in nav.all() if link.is_visible()}
    assert visible == EXPECTED_NAV[persona]
    assert nav.count() == len(EXPECTED_NAV[persona]), "a nav link is in the page but hidden"
    expect(page.locator('[data-nav="dashboard"]')).to_have_attribute("aria-current", "page")
    expect(page.locator(".role-pill")).to_have_text(user.role.name if user.role else "No role")
    if persona == "norole":
        expect(page.get_by_test_id("no-role")).to_be_visible()
    screenshot(page, f"{persona}-dashboard")
