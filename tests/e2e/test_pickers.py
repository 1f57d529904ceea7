"""The autocomplete picker in the browser (docs/interactions.md#pickers): on the interactions list an agent is
typed, chosen with the keyboard, the table narrows to their interactions, and a reload keeps the choice with
its name rendered by the server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from tests.interactions.conftest import PAYLOAD

pytestmark = pytest.mark.e2e


def test_the_agent_picker_filters_the_interactions_list(personas, page: Page, login, screenshot, browser_errors):
    for i, agent in enumerate([personas.agent_a1, personas.agent_a1, personas.agent_b1]):
        payload = {**PAYLOAD, "external_id": f"pick-{i}", "agent": {"email": agent.email}}
        interaction_upsert(data=InteractionIn.model_validate(payload))
    login(page, personas.admin)
    page.goto("/interactions/")
    rows = page.locator("#interaction-table tbody tr")
    expect(rows).to_have_count(3)

    picker = page.get_by_role("combobox", name="Agent")
    # Tom Select shows the chosen item ("Any agent") in its control; a click there focuses the combobox
    page.locator(".ts-control", has=picker).click()
    expect(picker).to_be_focused()
    # one input event with the whole word: keystrokes typed while the focus preload is still answering
    # were seen to go missing on a loaded CI machine
    picker.fill("bea")
    expect(picker).to_have_value("bea")
    option = page.get_by_role("option", name=personas.agent_b1.full_name)
    expect(option).to_be_visible()
    expect(page.get_by_role("option", name=personas.agent_a1.full_name)).to_have_count(0)
    page.keyboard.press("ArrowDown")
    # the active option is announced through aria-activedescendant
    active = picker.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").inner_text().strip() == personas.agent_b1.full_name
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(f"/interactions/\\?.*agent={personas.agent_b1.uuid}"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(personas.agent_b1.full_name)
    screenshot(page, "interactions-agent-picker")

    page.reload()
    expect(rows).to_have_count(1)
    # after a reload the server rendered the chosen agent's name
    expect(page.locator(".ts-control", has=page.get_by_role("combobox", name="Agent"))).to_contain_text(
        personas.agent_b1.full_name
    )
    screenshot(page, "interactions-agent-picker-reloaded")
    assert not browser_errors


def _heights(page: Page, picker_name: str) -> tuple[float, float]:
    """The picker's visible control and the plain select of the same filter bar, in CSS pixels."""
    control = page.locator(".ts-control", has=page.get_by_role("combobox", name=picker_name))
    select = page.locator("form.filters select:not(.tomselected):not([multiple])").first
    return control.bounding_box()["height"], select.bounding_box()["height"]


@pytest.mark.parametrize(
    ("path", "picker_name", "shot"),
    [("/interactions/", "Agent", "interactions"), ("/evaluations/", "Agent", "evaluations")],
)
def test_a_focused_picker_is_as_tall_as_the_selects_beside_it(
    personas, page: Page, login, screenshot, browser_errors, path, picker_name, shot
):
    """Tom Select's control once grew when focused (its search input took the app's 32 px text-input height
    inside the control's padding): the filter bar jumped. Blurred, focused and typing, it stays the
    selects' height (docs/interactions.md#pickers)."""
    login(page, personas.admin)
    page.goto(path)
    blurred, select = _heights(page, picker_name)
    picker = page.get_by_role("combobox", name=picker_name)
    page.locator(".ts-control", has=picker).click()
    expect(picker).to_be_focused()
    focused, _ = _heights(page, picker_name)
    page.keyboard.type("a")
    typing, _ = _heights(page, picker_name)
    screenshot(page, f"{shot}-picker-focused")
    assert max(abs(h - select) for h in (blurred, focused, typing)) <= 1, (blurred, focused, typing, select)
    assert not browser_errors
