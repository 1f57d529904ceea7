"""The bell: an admin adds an agent to a team in the UI; the agent sees the unread badge, marks the
notification read in place (htmx, no page load) and the badge goes away."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cxq.notifications.models import Notification

pytestmark = pytest.mark.e2e


def test_an_agent_added_to_a_team_sees_the_badge_and_clears_it_by_marking_the_notification_read(
    personas, new_page, login, screenshot
):
    admin_page = new_page()
    login(admin_page, personas.admin)
    admin_page.goto("/teams/")
    admin_page.get_by_role("link", name="Team B").click()
    admin_page.get_by_role("link", name="Edit").click()
    admin_page.get_by_role("checkbox", name="Andy Agent").check()  # Bea Agent is already a member
    admin_page.get_by_role("button", name="Save").click()
    expect(admin_page.locator(".flash-success")).to_contain_text("Team B saved.")
    assert set(personas.team_b.members.values_list("email", flat=True)) == {
        personas.agent_a1.email,
        personas.agent_b1.email,
    }

    page = new_page()
    login(page, personas.agent_a1)
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text("1")
    expect(page.get_by_test_id("my-teams")).to_contain_text("Team B")
    screenshot(page, "agent-bell-unread")

    page.click("#bell")
    expect(page.locator("h1")).to_have_text("Notifications")
    row = page.locator("tr.unread", has_text="You were added to the team Team B")
    expect(row).to_be_visible()
    screenshot(page, "notifications-unread")

    page.evaluate("window.__sameDocument = true")  # lost if the click reloaded the page
    row.get_by_role("button", name="Mark read").click()

    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    read_row = page.locator("tr", has_text="You were added to the team Team B")
    expect(read_row).not_to_have_class("unread")
    expect(read_row).to_contain_text("read")
    expect(read_row.get_by_role("button", name="Mark read")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "notifications-read")
    note = Notification.objects.get(recipient=personas.agent_a1)
    assert note.read_at is not None
