"""Scorecard journeys (docs/scoring.md, docs/scoring.md#scorecard-versions, docs/scoring.md#the-builder): the builder
with its live preview and running total,
validation as you type, drag to reorder, editing a published scorecard into a new version, CSV
import, and the preview page an evaluator uses to try a scorecard out.

Expected scores are worked out by hand from docs/scoring.md#scoring-rules next to each assertion."""

from __future__ import annotations

import copy
import csv
import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from cxq.scorecards import services
from cxq.scorecards.csvio import csv_to_document, document_to_csv
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scoring import parse_document
from tests.e2e.conftest import SCREENSHOTS
from tests.scorecards.conftest import DOC

pytestmark = pytest.mark.e2e


@pytest.fixture
def shot(screenshot):
    """A full-page screenshot taken from the top: Chromium paints the sticky header and sidebar at
    the scroll position otherwise, right across the middle of the picture."""

    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)

    return take


@pytest.fixture
def draft(personas):
    """The "Support QA" draft of tests/scorecards (Opening: greet, tone; Compliance: disclosure)."""
    return services.scorecard_create(by=personas.supervisor_a, document=copy.deepcopy(DOC))


@pytest.fixture
def published(personas, draft):
    return services.scorecard_publish(by=personas.supervisor_a, scorecard=draft)


# --- builder helpers ------------------------------------------------------------------------------


def section(page: Page, index: int) -> Locator:
    return page.locator(f"[data-testid=section-{index}]")


def option_row(q: Locator, index: int) -> Locator:
    return q.locator(".options-table tbody tr").nth(index)


def set_option(q: Locator, index: int, *, label=None, key=None, points=None, auto_fail=None) -> None:
    row = option_row(q, index)
    if label is not None:
        row.get_by_label("Answer label").fill(label)
    if key is not None:
        row.get_by_label("Answer key").fill(key)
    if points is not None:
        row.get_by_label("Points").fill(str(points))
    if auto_fail is not None:
        row.get_by_label("Auto-fail").select_option(auto_fail)


def add_question(page: Page, section_index: int, *, key: str, text: str, qtype: str = "yes_no") -> Locator:
    s = section(page, section_index)
    before = s.locator(".question").count()
    s.get_by_test_id("add-question").click()
    q = s.locator(".question").nth(before)
    q.get_by_label("Key", exact=True).fill(key)
    q.get_by_label(f"Question {before + 1}", exact=True).fill(text)
    if qtype != "yes_no":
        q.get_by_label("Question type").select_option(qtype)
    return q


def preview_answer(page: Page, key: str, value: str) -> None:
    page.get_by_test_id("builder-preview").locator(f'[data-question="{key}"] input[value="{value}"]').check()


def take_refused_saves(browser_errors: list[str], path: str, count: int) -> None:
    """A refused save answers 400 on purpose (its message is asserted on the page). The conftest's
    watcher counts every 4xx fetch as a browser error, so take exactly those off its list."""
    refused = [e for e in browser_errors if e.endswith(f"{path}: HTTP 400 for a fetch")]
    assert len(refused) == count, browser_errors
    for entry in refused:
        browser_errors.remove(entry)


def expect_score(scope: Page | Locator, value: str, verdict: str) -> None:
    expect(scope.get_by_test_id("score-value")).to_have_text(value)
    expect(scope.get_by_test_id("score-verdict")).to_have_text(verdict)


# --- 1. building a scorecard from scratch ---------------------------------------------------------


def test_a_supervisor_builds_a_scorecard_from_scratch_watches_the_running_total_and_publishes_it(
    personas, page, login, shot
):
    login(page, personas.supervisor_a)
    page.goto("/scorecards/new/")
    expect(page.locator("h1")).to_contain_text("New scorecard")

    page.fill("#sc-name", "Phone QA")
    page.fill("#sc-desc", "Inbound phone calls")
    page.select_option("#sc-mode", "percentage")
    page.fill("#sc-pass", "70")

    # Two sections; the share next to each weight is its weight over the total.
    page.get_by_test_id("add-section").click()
    section(page, 0).get_by_label("Section 1 title").fill("Opening")
    section(page, 0).locator(".key-input").first.fill("opening")
    expect(section(page, 0).locator(".section-head")).to_contain_text("100.0 %")
    page.get_by_test_id("add-section").click()
    section(page, 1).get_by_label("Section 2 title").fill("Resolution")
    section(page, 1).locator(".key-input").first.fill("resolution")
    expect(section(page, 0).locator(".section-head")).to_contain_text("50.0 %")
    expect(section(page, 1).locator(".section-head")).to_contain_text("50.0 %")
    section(page, 1).get_by_label("Weight of Resolution").fill("3")
    expect(section(page, 0).locator(".section-head")).to_contain_text("25.0 %")
    expect(section(page, 1).locator(".section-head")).to_contain_text("75.0 %")

    # Yes/no, required, answered "yes" by default.
    greet = add_question(page, 0, key="greet", text="Greeted the customer?")
    greet.get_by_label("Required").check()
    set_option(greet, 0, points=5)
    greet.get_by_label("Default answer").select_option("yes")

    # A conditional question: only asked when the greeting was missed.
    reason = add_question(page, 0, key="reason", text="Gave a reason for the delay?")
    set_option(reason, 0, points=2)
    reason.get_by_label("Only show when…").check()
    expect(reason.get_by_label("Condition question")).to_have_value("greet")
    reason.locator(".condition").get_by_label("No", exact=True).check()

    # Single choice with an answer that fails the whole evaluation.
    resolution = add_question(page, 1, key="resolved", text="Was the issue resolved?", qtype="single_choice")
    set_option(resolution, 0, label="Solved", key="solved", points=10)
    set_option(resolution, 1, label="Partly", key="partly", points=5)
    resolution.get_by_role("button", name="+ Answer").click()
    set_option(resolution, 2, label="Misled the customer", key="misled", points=0, auto_fail="evaluation")

    # A 1–5 rating scale: one option per step, points 0…4 by default.
    tone = add_question(page, 1, key="tone", text="Tone of voice", qtype="rating_scale")
    expect(tone.get_by_label("Scale from")).to_have_value("1")
    expect(tone.get_by_label("Scale to")).to_have_value("5")
    expect(tone.locator(".options-table tbody tr")).to_have_count(5)

    expect(page.get_by_test_id("validity")).to_have_text("Valid")
    expect(page.get_by_test_id("builder-error")).to_be_hidden()
    preview = page.get_by_test_id("builder-preview")
    expect(preview.locator('[data-question="tone"]')).to_be_visible()
    expect(preview.locator('[data-question="resolved"]')).to_contain_text("Misled the customer")
    shot(page, "scorecard-builder-filled")

    # Defaults only: greet=yes → Opening 5/5 = 100 %; Resolution 0/14 (10 + 4 possible) = 0 %;
    # score = (1×100 + 3×0) / 4 = 25.00 → Fail (pass mark 70). "reason" is hidden (greet is not "no").
    expect(preview.locator('[data-question="greet"] input[value="yes"]')).to_be_checked()
    expect(preview.locator('[data-question="reason"]')).to_be_hidden()
    expect_score(preview, "25.00%", "Fail")

    # Solved: Resolution 10/14 = 500/7 %; score = (100 + 3×500/7) / 4 = 550/7 = 78.571… → 78.57 Pass.
    preview_answer(page, "resolved", "solved")
    expect_score(preview, "78.57%", "Pass")
    # Tone 3 (2 points): Resolution 12/14 = 600/7 %; score = (100 + 1800/7) / 4 = 625/7 → 89.29.
    preview_answer(page, "tone", "3")
    expect_score(preview, "89.29%", "Pass")
    # Greeting missed: "reason" appears (unanswered: 0 of 2); Opening 0/7 = 0 %;
    # score = (0 + 1800/7) / 4 = 450/7 = 64.285… → 64.29 Fail.
    preview_answer(page, "greet", "no")
    expect(preview.locator('[data-question="reason"]')).to_be_visible()
    expect_score(preview, "64.29%", "Fail")
    # Reason given: Opening 2/7 = 200/7 %; score = (200/7 + 1800/7) / 4 = 500/7 = 71.428… → 71.43 Pass.
    preview_answer(page, "reason", "yes")
    expect_score(preview, "71.43%", "Pass")
    shot(page, "scorecard-builder-preview-conditional")
    # Greeting given again: the conditional question hides and no longer counts → back to 89.29.
    preview_answer(page, "greet", "yes")
    expect(preview.locator('[data-question="reason"]')).to_be_hidden()
    expect_score(preview, "89.29%", "Pass")
    # Misled the customer fails the whole evaluation: 0.00 whatever else was answered.
    preview_answer(page, "resolved", "misled")
    expect(preview.get_by_test_id("autofail-banner")).to_be_visible()
    expect_score(preview, "0.00%", "Fail")
    shot(page, "scorecard-builder-preview-autofail")

    assert not Scorecard.objects.exists()
    page.get_by_test_id("save").click()
    page.wait_for_url("**/scorecards/*-*/")
    expect(page.locator(".flash-success")).to_contain_text("Draft “Phone QA” created.")
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    content = page.locator(".card:has(h2:text('Content'))")
    expect(content.locator("tr:has-text('Tone of voice')")).to_contain_text("Rating 1–5")
    expect(content.locator("tr:has-text('Gave a reason')")).to_contain_text("shown when greet is no")
    shot(page, "scorecard-detail-draft")

    scorecard = Scorecard.objects.get()
    assert scorecard.status == "draft"
    assert scorecard.created_by == personas.supervisor_a
    expected = {
        "name": "Phone QA",
        "description": "Inbound phone calls",
        "scoring_mode": "percentage",
        "pass_mark": 70,
        "sections": [
            {
                "key": "opening",
                "title": "Opening",
                "weight": 1,
                "questions": [
                    {
                        "key": "greet",
                        "text": "Greeted the customer?",
                        "type": "yes_no",
                        "required": True,
                        "default": "yes",
                        "options": [
                            {"key": "yes", "label": "Yes", "points": 5},
                            {"key": "no", "label": "No", "points": 0},
                        ],
                    },
                    {
                        "key": "reason",
                        "text": "Gave a reason for the delay?",
                        "type": "yes_no",
                        "show_if": {"question": "greet", "answers": ["no"]},
                        "options": [
                            {"key": "yes", "label": "Yes", "points": 2},
                            {"key": "no", "label": "No", "points": 0},
                        ],
                    },
                ],
            },
            {
                "key": "resolution",
                "title": "Resolution",
                "weight": 3,
                "questions": [
                    {
                        "key": "resolved",
                        "text": "Was the issue resolved?",
                        "type": "single_choice",
                        "options": [
                            {"key": "solved", "label": "Solved", "points": 10},
                            {"key": "partly", "label": "Partly", "points": 5},
                            {
                                "key": "misled",
                                "label": "Misled the customer",
                                "points": 0,
                                "auto_fail": "evaluation",
                            },
                        ],
                    },
                    {
                        "key": "tone",
                        "text": "Tone of voice",
                        "type": "rating_scale",
                        "scale": {"min": 1, "max": 5},
                        "options": [{"key": str(v), "label": str(v), "points": v - 1} for v in range(1, 6)],
                    },
                ],
            },
        ],
    }
    assert scorecard.current_version.number == 1
    assert scorecard.current_version.document == parse_document(expected).to_document()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_have_text("Published")
    expect(page.locator(".flash-success")).to_contain_text("“Phone QA” is published")
    shot(page, "scorecard-detail-published")
    scorecard.refresh_from_db()
    assert scorecard.status == "published"
    assert scorecard.published_at is not None
    assert ScorecardVersion.objects.filter(scorecard=scorecard).count() == 1


# --- 2. validation as you type --------------------------------------------------------------------


def test_the_builder_names_a_duplicate_key_or_negative_points_as_you_type_and_refuses_to_save_them(
    personas, page, login, shot, browser_errors
):
    login(page, personas.supervisor_a)
    page.goto("/scorecards/new/")
    page.fill("#sc-name", "Chat QA")
    page.get_by_test_id("add-section").click()
    first = add_question(page, 0, key="greet", text="Greeted the customer?")
    second = add_question(page, 0, key="empathy", text="Showed empathy?")
    expect(page.get_by_test_id("validity")).to_have_text("Valid")

    # A duplicate question key: the message names where it is, at the top and on the question.
    second.get_by_label("Key", exact=True).fill("greet")
    error = page.get_by_test_id("builder-error")
    expect(error).to_have_text("sections[0].questions[1].key: duplicate question key 'greet'")
    expect(second.locator(".error:visible")).to_have_text("duplicate question key 'greet'")
    expect(second).to_have_class("question sortable-item card-error")
    expect(page.get_by_test_id("validity")).to_have_text("Needs attention")
    shot(page, "scorecard-builder-duplicate-key")

    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-errors")).to_contain_text("duplicate question key 'greet'")
    expect(page).to_have_url(re.compile(r"/scorecards/new/$"))
    assert not Scorecard.objects.exists()

    # Fixing it clears the message (and the refused save's message with it).
    second.get_by_label("Key", exact=True).fill("empathy")
    expect(error).to_be_hidden()
    expect(page.get_by_test_id("save-errors")).to_have_count(0)
    expect(page.get_by_test_id("validity")).to_have_text("Valid")

    # Negative points, typed into the number field.
    set_option(first, 0, points=-1)
    expect(error).to_have_text("sections[0].questions[0].options[0].points: must not be negative")
    expect(option_row(first, 0)).to_have_class("sortable-item row-bad")
    expect(option_row(first, 0).locator(".error")).to_have_text("must not be negative")
    shot(page, "scorecard-builder-negative-points")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-errors")).to_contain_text("must not be negative")
    assert not Scorecard.objects.exists()

    set_option(first, 0, points=3)
    expect(error).to_be_hidden()
    expect(page.get_by_test_id("save-errors")).to_have_count(0)
    expect(page.get_by_test_id("builder-preview").get_by_test_id("score-value")).to_be_visible()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    document = Scorecard.objects.get().current_version.document
    questions = document["sections"][0]["questions"]
    assert [q["key"] for q in questions] == ["greet", "empathy"]
    assert [o["points"] for o in questions[0]["options"]] == [3, 0]
    take_refused_saves(browser_errors, "/scorecards/new/", 2)


# --- 3. drag to reorder ---------------------------------------------------------------------------


def drag(page: Page, handle: Locator, target: Locator) -> None:
    """Press on a drag handle and move, in small steps, to the top edge of the target (SortableJS
    listens to the browser's native drag events, which Chromium derives from these mouse moves)."""
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    end = target.bounding_box()
    assert start and end
    x = start["x"] + start["width"] / 2
    page.mouse.move(x, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, start["y"] + start["height"] / 2 - 10, steps=5)
    page.mouse.move(x, end["y"] + 8, steps=25)
    page.mouse.up()


def preview_order(page: Page) -> list[list[str]]:
    preview = page.get_by_test_id("builder-preview")
    return preview.locator(".eval-section").evaluate_all(
        "els => els.map(s => [s.dataset.section, ...[...s.querySelectorAll('.eval-question')]"
        ".map(q => q.dataset.question)])"
    )


def test_sections_and_questions_are_reordered_by_dragging_and_by_the_arrow_buttons(personas, draft, page, login, shot):
    page.set_viewport_size({"width": 1280, "height": 1400})  # both sections on screen while dragging
    login(page, personas.supervisor_a)
    page.goto(f"/scorecards/{draft.uuid}/edit/")
    preview = page.get_by_test_id("builder-preview")
    expect(preview.get_by_test_id("score-value")).to_be_visible()
    assert preview_order(page) == [["opening", "greet", "tone"], ["compliance", "disclosure"]]

    # Drag the Compliance section above Opening.
    drag(page, section(page, 1).locator(".section-head .drag"), section(page, 0))
    expect(section(page, 0).get_by_label("Section 1 title")).to_have_value("Compliance")
    expect(section(page, 1).get_by_label("Section 2 title")).to_have_value("Opening")
    expect(preview.locator(".eval-section").first).to_have_attribute("data-section", "compliance")

    # Drag "Tone" above "Greeted by name?" within Opening.
    tone = page.get_by_test_id("question-tone")
    drag(page, tone.locator(".question-head .drag"), page.get_by_test_id("question-greet"))
    expect(section(page, 1).locator(".question").first).to_have_attribute("data-testid", "question-tone")
    expect(preview.locator('[data-section="opening"] .eval-question').first).to_have_attribute("data-question", "tone")
    assert preview_order(page) == [["compliance", "disclosure"], ["opening", "tone", "greet"]]
    shot(page, "scorecard-builder-dragged")

    page.get_by_test_id("save").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft saved.")
    document = Scorecard.objects.get(pk=draft.pk).current_version.document
    assert [s["key"] for s in document["sections"]] == ["compliance", "opening"]
    assert [q["key"] for q in document["sections"][1]["questions"]] == ["tone", "greet"]

    # The ↑/↓ buttons do the same without a mouse: Opening back down… up, Greeted back on top.
    page.goto(f"/scorecards/{draft.uuid}/edit/")
    expect(preview.get_by_test_id("score-value")).to_be_visible()
    section(page, 1).locator(".section-head").get_by_title("Move up").click()
    expect(section(page, 0).get_by_label("Section 1 title")).to_have_value("Opening")
    page.get_by_test_id("question-greet").get_by_title("Move up").click()
    expect(section(page, 0).locator(".question").first).to_have_attribute("data-testid", "question-greet")
    expect(preview.locator(".eval-section").first).to_have_attribute("data-section", "opening")
    expect(preview.locator('[data-section="opening"] .eval-question').first).to_have_attribute("data-question", "greet")
    assert preview_order(page) == [["opening", "greet", "tone"], ["compliance", "disclosure"]]
    page.get_by_test_id("save").click()
    expect(page.locator(".flash-success")).to_contain_text("Draft saved.")
    document = Scorecard.objects.get(pk=draft.pk).current_version.document
    assert [s["key"] for s in document["sections"]] == ["opening", "compliance"]
    assert [q["key"] for q in document["sections"][0]["questions"]] == ["greet", "tone"]


# --- 4. editing a published scorecard -------------------------------------------------------------


def test_editing_a_published_scorecard_updates_wording_in_place_and_makes_a_new_version_for_points(
    personas, published, page, login, shot, browser_errors
):
    login(page, personas.supervisor_a)

    # Wording only: version 1 is updated in place.
    page.goto(f"/scorecards/{published.uuid}/edit/")
    expect(page.locator("h1")).to_contain_text("Published · v1")
    expect(page.locator(".page-head")).to_contain_text("Wording changes update version 1")
    shot(page, "scorecard-builder-published")
    greet = page.get_by_test_id("question-greet")
    greet.get_by_label("Question 1").fill("Greeted the customer by name?")
    expect(page.get_by_test_id("builder-preview").locator('[data-question="greet"]')).to_contain_text(
        "Greeted the customer by name?"
    )
    page.get_by_test_id("save").click()
    expect(page.locator(".flash-success")).to_have_text(
        re.compile(r"Wording updated in version 1 \(no effect on scores\)\.")
    )
    expect(page.get_by_test_id("status")).to_have_text("Published")
    shot(page, "scorecard-published-cosmetic")
    published.refresh_from_db()
    assert published.versions.count() == 1
    assert published.current_version.number == 1
    assert published.current_version.document["sections"][0]["questions"][0]["text"] == (
        "Greeted the customer by name?"
    )

    # Points: a new version, and the builder insists on a reason.
    page.goto(f"/scorecards/{published.uuid}/edit/")
    greet = page.get_by_test_id("question-greet")
    set_option(greet, 0, points=10)
    expect(page.get_by_test_id("builder-preview").locator('[data-question="greet"] .pts').first).to_have_text("10")
    page.get_by_test_id("save").click()
    note = page.locator("#change-note")
    note_field = page.locator(".field:has(#change-note)")
    expect(note_field.locator(".error")).to_have_text(
        "This change can alter scores, so it makes a new version: say why."
    )
    expect(note_field).to_contain_text("Why are you changing it?")
    expect(note).to_be_focused()
    expect(note).to_be_in_viewport()
    expect(page.get_by_test_id("save-errors")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "scorecard-published-needs-reason.png"))  # as scrolled to
    assert published.versions.count() == 1
    published.current_version.refresh_from_db()
    assert published.current_version.document["sections"][0]["questions"][0]["options"][0]["points"] == 5

    note.fill("Greeting by name matters more")
    expect(note_field.locator(".error")).to_have_count(0)
    page.get_by_test_id("save").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Saved as version 2: earlier evaluations keep their version."
    )
    expect(page.locator("h1")).to_contain_text("v2")
    published.refresh_from_db()
    v1, v2 = published.versions.order_by("number")
    assert published.current_version == v2
    assert v1.document["sections"][0]["questions"][0]["options"][0]["points"] == 5
    assert v2.document["sections"][0]["questions"][0]["options"][0]["points"] == 10
    assert v2.change_note == "Greeting by name matters more"
    assert v2.created_by == personas.supervisor_a

    page.goto(f"/scorecards/{published.uuid}/versions/?a=1&b=2")
    diff = page.get_by_test_id("diff")
    expect(diff.locator("h2")).to_contain_text("v1 → v2")
    expect(diff.locator("h2")).to_contain_text("changes scoring")
    expect(diff.locator("li")).to_have_count(1)
    expect(diff.locator("li")).to_contain_text("points 5 → 10")
    expect(page.locator("table.data")).to_contain_text("Greeting by name matters more")
    shot(page, "scorecard-versions-diff")
    take_refused_saves(browser_errors, f"/scorecards/{published.uuid}/edit/", 1)


# --- 5. CSV import --------------------------------------------------------------------------------


def test_a_csv_from_the_template_imports_as_a_draft_and_a_csv_with_an_error_names_its_row_and_column(
    personas, page, login, shot, tmp_path
):
    login(page, personas.supervisor_a)
    page.goto("/scorecards/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV template").click()
    template = tmp_path / "template.csv"
    download.value.save_as(template)
    assert download.value.suggested_filename == "cxq-scorecard-template.csv"

    page.set_input_files("input[name=file]", str(template))
    page.get_by_role("button", name="Check file").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("h1")).to_have_text("Import “Customer service QA (example)” as a new draft")
    expect(preview).to_contain_text("3 sections, 7 questions, percentage mode, pass mark 80.")
    shot(page, "scorecard-import-preview")
    assert not Scorecard.objects.exists()

    preview.get_by_role("button", name="Create draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Imported “Customer service QA (example)” as a draft.")
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    scorecard = Scorecard.objects.get()
    assert f"/scorecards/{scorecard.uuid}/" in page.url
    assert scorecard.current_version.document == csv_to_document(template.read_text(encoding="utf-8-sig"))
    assert scorecard.current_version.change_note == "Imported"

    # The same layout with negative points on the "yes" option of "greet".
    text = document_to_csv(DOC)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0]
    row = next(i for i, r in enumerate(rows) if r[:4] == ["option", "opening", "greet", "yes"])
    rows[row][header.index("points")] = "-5"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)

    page.goto("/scorecards/import/")
    page.set_input_files("input[name=file]", str(broken))
    page.get_by_role("button", name="Check file").click()
    field = page.locator(".field.has-error")
    expect(field.locator(".error")).to_have_text(f"row {row + 1}, column points: must not be negative")
    expect(page.get_by_test_id("import-preview")).to_have_count(0)
    shot(page, "scorecard-import-error")
    assert Scorecard.objects.count() == 1


# --- 6. preview page ------------------------------------------------------------------------------


def test_an_evaluator_tries_a_published_scorecard_on_its_preview_page(personas, published, page, login, shot):
    login(page, personas.evaluator)
    page.goto(f"/scorecards/{published.uuid}/preview/")
    expect(page.locator("h1")).to_contain_text("Support QA")
    form = page.locator("#eval-form")

    def answer(key: str, value: str) -> None:
        form.locator(f'[data-question="{key}"] input[value="{value}"]').check()

    # Defaults: greet=yes. Opening 5/9 (tone's max 4 counts, unanswered) = 500/9 %; Compliance 0/2.
    # score = (20×500/9 + 10×0) / 30 = 1000/27 = 37.037… → 37.04 Fail (pass mark 80).
    expect(form.locator('[data-question="greet"] input[value="yes"]')).to_be_checked()
    expect(form.locator('[data-question="tone"] input[value=""]')).to_be_checked()
    expect_score(form, "37.04%", "Fail")
    expect(form.get_by_test_id("missing-required")).to_have_count(0)
    shot(page, "scorecard-preview-defaults")

    # Disclosure read: Compliance 100 %; (20×500/9 + 10×100) / 30 = 1900/27 = 70.370… → 70.37 Fail.
    answer("disclosure", "yes")
    expect_score(form, "70.37%", "Fail")
    # Tone 4 (3 points): Opening 8/9 = 800/9 %; (20×800/9 + 1000) / 30 = 2500/27 = 92.592… → 92.59 Pass.
    answer("tone", "4")
    expect_score(form, "92.59%", "Pass")
    # Tone N/A: Opening is greet alone, 5/5 → 100.00 (N/A never lowers a score).
    answer("tone", "na")
    expect_score(form, "100.00%", "Pass")
    shot(page, "scorecard-preview-answered")
    # Clearing the required greeting: 0/5 → (0 + 1000) / 30 = 33.33, and it is listed as missing.
    answer("greet", "")
    expect_score(form, "33.33%", "Fail")
    expect(form.get_by_test_id("missing-required")).to_contain_text("Greeted by name?")
    shot(page, "scorecard-preview-missing-required")
    # Disclosure not read fails the evaluation.
    answer("greet", "yes")
    answer("disclosure", "no")
    expect(form.get_by_test_id("autofail-banner")).to_be_visible()
    expect_score(form, "0.00%", "Fail")
    shot(page, "scorecard-preview-autofail")
