"""The pages no journey passes through still render cleanly (no script errors, no missing assets)
and get a screenshot for the visual review."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ADMIN_PAGES = [
    ("/admin/roles/", "Roles", "admin-roles"),
    ("/account/", "Profile", "admin-profile"),
    ("/account/password/", "Change password", "admin-password-change"),
    ("/notifications/outbox/", "Email outbox", "admin-outbox"),
    ("/no-such-page/", "Not found", "not-found"),
]


def test_the_admin_pages_outside_the_journeys_render_without_browser_errors(personas, page, login, screenshot):
    login(page, personas.admin)
    for path, heading, name in ADMIN_PAGES:
        page.goto(path)
        expect(page.locator("#content")).to_contain_text(heading)
        screenshot(page, name)

    page.goto("/admin/roles/")
    page.get_by_role("link", name="Supervisor").click()
    expect(page.locator("h1")).to_contain_text("Role: Supervisor")
    expect(page.locator("input[name=permissions][value='scorecards.edit']")).to_be_checked()
    expect(page.locator("input[name=permissions][value='roles.manage']")).not_to_be_checked()
    screenshot(page, "admin-role-form")

    page.goto(f"/teams/{personas.team_a.uuid}/")
    expect(page.locator("h1")).to_have_text("Team A")
    screenshot(page, "admin-team-a")


def test_an_agent_sees_a_plain_refusal_on_an_admin_page_and_only_their_own_team(personas, page, login, screenshot):
    login(page, personas.agent_a1)
    response = page.goto("/admin/roles/")
    assert response.status == 403
    expect(page.locator(".error-page")).to_contain_text("No access")
    screenshot(page, "agent-forbidden")

    page.click('[data-nav="accounts:team_list"]')
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Team A").click()
    expect(page.locator("h1")).to_have_text("Team A")
    screenshot(page, "agent-team-a")
