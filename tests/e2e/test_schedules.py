"""Schedules journey (docs/schedules.md): a supervisor imports a CSV of shifts, opens the agent's week,
and asks for coaching slots for the agent and themselves: the quietest come first, each explained, and
picking one fills the form's start and duration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxq.interactions.models import Interaction
from cxq.schedules.forecast import forecast_rebuild
from cxq.schedules.models import Entry

pytestmark = pytest.mark.e2e


def _next_monday():
    today = timezone.now().date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def busy_mornings(personas):
    """Four weeks of Monday calls at 09:00–10:00 (UTC, the organisation's zone): mornings are busy."""
    monday = _next_monday()
    calls = []
    for week in range(1, 5):
        day = monday - timedelta(days=7 * week)
        start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        calls += [
            Interaction(channel="voice", started_at=start + timedelta(minutes=m), team=personas.team_a)
            for m in range(0, 60, 5)
        ]
    Interaction.objects.bulk_create(calls)
    forecast_rebuild()


def test_a_supervisor_imports_shifts_and_gets_explained_coaching_slots(
    personas, busy_mornings, new_page, login, screenshot
):
    page: Page = new_page()
    login(page, personas.supervisor_a)
    monday = _next_monday()
    day = f"{monday:%Y-%m-%d}"
    csv = (
        "user,kind,starts_at,ends_at,title,external_id\n"
        f"agent.a1@example.com,shift,{day} 09:00,{day} 13:00,Early,e2e-1\n"
        f"agent.a1@example.com,break,{day} 11:00,{day} 11:15,,\n"
        f"sup.a@example.com,shift,{day} 08:00,{day} 16:00,,e2e-2\n"
        f"sup.a@example.com,meeting,{day} 12:00,{day} 13:00,Leads sync,\n"
    )
    page.goto("/schedules/import/")
    page.set_input_files("#id_file", files=[{"name": "shifts.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    screenshot(page, "schedules-import")
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".flash-success")).to_contain_text("Imported: 4 new, 0 updated.")
    assert Entry.objects.count() == 4

    page.goto(f"/schedules/?week={day}")
    expect(page.locator(f'[data-day="{day}"]')).to_contain_text("Leads sync")  # their own week first
    page.get_by_role("button", name="Create a feed URL").click()
    expect(page.get_by_test_id("feed-url")).to_contain_text("/schedules/feed/cxqfeed_")
    screenshot(page, "schedules-own")
    page.select_option("#id_user", label="Andy Agent")
    page.fill("#id_week", day)
    page.locator("#id_week").dispatch_event("change")
    expect(page.locator("h1")).to_have_text("Schedule of Andy Agent")
    monday_column = page.locator(f'[data-day="{day}"]')
    expect(monday_column).to_contain_text("09:00–13:00")
    expect(monday_column).to_contain_text("Shift · Early")
    expect(monday_column).to_contain_text("Break")
    screenshot(page, "schedules-week")

    page.get_by_test_id("suggest-link").click()
    expect(page.locator("h1")).to_have_text("Suggest coaching slots")
    page.select_option("#id_users", label=["Andy Agent", "Sam Supervisor"])
    page.fill("#id_duration_minutes", "30")
    page.get_by_test_id("suggest-slots").click()
    slots = page.get_by_test_id("slot")
    expect(slots.first).to_be_visible()
    # Mornings are busy (3 calls every quarter hour on Mondays): the quiet 10:00–11:00 hour first
    expect(slots.first).to_contain_text("10:00–10:30")
    first_reason = page.locator(".slot-why").first
    expect(first_reason).to_contain_text("Forecast 0.0 interactions over the slot.")
    expect(first_reason).to_contain_text("Andy Agent on shift Mon 09:00–13:00")
    expect(first_reason).to_contain_text("Sam Supervisor on shift Mon 08:00–16:00")
    expect(page.locator(".slot-why").last).to_contain_text("Forecast 6.0 interactions")  # a busy 09:00 slot
    screenshot(page, "schedules-suggest")
    slots.first.click()
    expect(page.locator("#id_starts_at")).to_have_value(f"{day}T10:00")
    expect(slots.first).to_have_class("btn btn-small slot-pick is-chosen")
