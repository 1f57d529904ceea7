"""Score bands and applicability in the browser (docs/scoring.md#score-bands, docs/scoring.md#applicability): the
builder edits both (with a band error shown on its row), a new scorecard greets nobody with an error, switching a
question to single choice leaves its answers blank, and "Evaluate" on a voice call preselects the only scorecard
that applies to it — not the alphabetically first chat scorecard — and shows the band as the score moves."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services
from cxq.scorecards.models import Scorecard
from tests.e2e.test_scorecards import add_question, section, set_option, take_refused_saves
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

pytestmark = pytest.mark.e2e


@pytest.fixture
def shot(screenshot):
    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)

    return take


def band_row(page: Page, index: int):
    return page.get_by_test_id(f"band-{index}")


def test_the_builder_edits_bands_and_applicability(personas, page, login, shot, browser_errors):
    login(page, personas.supervisor_a)
    page.goto("/scorecards/new/")
    expect(page.locator("h1")).to_contain_text("New scorecard")
    # nothing typed yet: no "name: must not be empty", no verdict either way
    page.wait_for_timeout(800)
    expect(page.get_by_test_id("builder-error")).to_be_hidden()
    expect(page.locator(".builder")).not_to_contain_text("must not be empty")
    expect(page.get_by_test_id("validity")).to_have_text("")
    shot(page, "bands-builder-new-untouched")

    page.fill("#sc-name", "Voice QA")
    page.fill("#sc-pass", "70")
    page.get_by_test_id("add-section").click()
    section(page, 0).get_by_label("Section 1 title").fill("Call")
    greet = add_question(page, 0, key="greet", text="Greeted the customer?")
    set_option(greet, 0, points=5)
    # a yes/no question switched to single choice starts from blank answers, not Yes/No
    reason = add_question(page, 0, key="resolved", text="Resolved?")
    reason.get_by_label("Question type").select_option("single_choice")
    labels = reason.locator(".options-table tbody tr").get_by_label("Answer label")
    expect(labels).to_have_count(2)
    expect(labels.nth(0)).to_have_value("")
    expect(labels.nth(1)).to_have_value("")
    set_option(reason, 0, label="Fully", key="full", points=5)
    set_option(reason, 1, label="Not at all", key="none", points=0)
    expect(page.get_by_test_id("validity")).to_have_text("Valid")

    # three bands; a start below the previous one is named on its row
    for label in ("Needs improvement", "Meets", "Exceeds"):
        page.get_by_test_id("add-band").click()
        index = page.locator("[data-testid^=band-]:not([data-testid^=band-error])").count() - 1
        band_row(page, index).get_by_label(f"Band {index + 1} name").fill(label)
    band_row(page, 0).get_by_label("Band 1 colour").select_option("red")
    band_row(page, 1).get_by_label("Band 2 starts at").fill("90")
    band_row(page, 2).get_by_label("Band 3 starts at").fill("80")
    expect(page.get_by_test_id("band-error-2")).to_have_text(
        "Band 3: must be above where the band before it starts (90); list bands from the lowest score up"
    )
    expect(page.get_by_test_id("validity")).to_have_text("Needs attention")
    shot(page, "bands-builder-band-error")
    band_row(page, 1).get_by_label("Band 2 starts at").fill("70")
    band_row(page, 1).get_by_label("Band 2 colour").select_option("yellow")
    band_row(page, 2).get_by_label("Band 3 starts at").fill("90")
    band_row(page, 2).get_by_label("Band 3 colour").select_option("green")
    expect(page.get_by_test_id("band-error-2")).to_be_hidden()
    expect(page.get_by_test_id("validity")).to_have_text("Valid")
    expect(band_row(page, 2).locator(".band-green")).to_have_text("Exceeds")

    # applies to voice calls of team A
    applies = page.get_by_test_id("applicability")
    applies.get_by_test_id("channel-voice").check()
    applies.get_by_test_id("team-team-a").check()

    # the live preview's score panel shows the band: greet yes (5) + resolved unanswered (0 of 5) = 50 %
    preview = page.get_by_test_id("builder-preview")
    expect(preview.get_by_test_id("score-value")).to_have_text("0.00%")
    preview.locator('[data-question="greet"] input[value="yes"]').check()
    preview.locator('[data-question="resolved"] input[value="full"]').check()
    expect(preview.get_by_test_id("score-value")).to_have_text("100.00%")
    expect(preview.get_by_test_id("band")).to_have_text("Exceeds")
    page.get_by_test_id("bands").scroll_into_view_if_needed()
    shot(page, "bands-builder-filled")

    page.get_by_test_id("save").click()
    page.wait_for_url("**/scorecards/*-*/")
    card = Scorecard.objects.get(name="Voice QA")
    assert card.channels == ["voice"]
    assert list(card.teams.all()) == [personas.team_a]
    assert [(b["label"], b["from"], b["colour"]) for b in card.bands] == [
        ("Needs improvement", 0, "red"),
        ("Meets", 70, "yellow"),
        ("Exceeds", 90, "green"),
    ]
    # the builder opens again with what was saved
    page.goto(f"/scorecards/{card.uuid}/edit/")
    expect(page.get_by_test_id("channel-voice")).to_be_checked()
    expect(page.get_by_test_id("channel-chat")).not_to_be_checked()
    expect(page.get_by_test_id("team-team-a")).to_be_checked()
    expect(band_row(page, 1).get_by_label("Band 2 name")).to_have_value("Meets")
    take_refused_saves(browser_errors, "/scorecards/validate/", 0)


def test_evaluate_preselects_the_scorecard_that_applies_and_shows_the_band(personas, page, login, shot):
    admin = personas.admin
    chat_doc = {**copy.deepcopy(DOC), "name": "A chat QA"}
    services.scorecard_publish(
        by=admin, scorecard=services.scorecard_create(by=admin, document=chat_doc, channels=["chat"])
    )
    voice_doc = {
        **copy.deepcopy(DOC),
        "name": "Voice QA",
        "bands": [
            {"key": "low", "label": "Needs improvement", "from": 0, "colour": "red"},
            {"key": "mid", "label": "Meets", "from": 70, "colour": "yellow"},
            {"key": "high", "label": "Exceeds", "from": 90, "colour": "green"},
        ],
    }
    voice = services.scorecard_publish(
        by=admin, scorecard=services.scorecard_create(by=admin, document=voice_doc, channels=["voice"])
    )
    call = interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]

    login(page, personas.evaluator)
    page.goto(reverse("evaluations:start", args=[call.uuid]))
    scorecard = page.get_by_label("Scorecard")
    expect(scorecard).to_have_value(str(voice.uuid))
    expect(scorecard.locator("optgroup").first).to_have_attribute("label", "Applies to this interaction")
    shot(page, "bands-evaluate-preselected")
    page.get_by_test_id("start-evaluation").click()
    page.wait_for_url("**/evaluations/*-*/")
    form = page.locator("#evaluation-form")
    # DOC's defaults: greet yes (5/5); tone and disclosure unanswered → Opening 5/9, Compliance 0/2:
    # (20 × 55.56 + 10 × 0) / 30 = 37.04 → the first band
    panel = page.get_by_test_id("score-panel")
    expect(panel.get_by_test_id("band")).to_have_text("Needs improvement")
    form.locator('[data-question="tone"] input[value="5"]').check()
    form.locator('[data-question="disclosure"] input[value="yes"]').check()
    expect(panel.get_by_test_id("score-value")).to_have_text("100.00%")
    expect(panel.get_by_test_id("band")).to_have_text("Exceeds")
    expect(panel.locator(".band-green")).to_be_visible()
    shot(page, "bands-evaluation-form")
