"""Evaluation journeys (docs/evaluations.md, docs/evaluations.md#starting-an-evaluation, docs/evaluations.md#revisions,
docs/evaluations.md#disputes, docs/evaluations.md#acknowledgement, docs/evaluations.md#concurrent-edits): an evaluator
scores a call by mouse and
by keyboard while the running total follows, the agent disputes two answers, the evaluator adjusts one
and re-affirms the other (a second revision, shown side by side), the agent acknowledges; and two tabs
of the same evaluator never silently overwrite each other.

The scorecard is "Support QA" of tests/scorecards (pass mark 80, percentage mode):
Opening, weight 20 — greet (required, default yes): yes 5 / no 0; tone (1–5 → 0…4 points, N/A allowed).
Compliance, weight 10 — disclosure: yes 2 / no 0 and the whole evaluation fails.
Expected scores are worked out by hand from docs/scoring.md#scoring-rules next to each assertion."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from cxq.evaluations.models import Dispute, Evaluation
from cxq.notifications.models import Notification
from tests.evaluations import conftest as evaluation_fixtures

pytestmark = pytest.mark.e2e

# The evaluation tests' fixtures: "Support QA" published, agent_a1's call in Team A, the evaluator's draft.
card = evaluation_fixtures.card
call = evaluation_fixtures.call
draft = evaluation_fixtures.draft

SAVED = re.compile(r"^Draft saved \d\d:\d\d:\d\d$")


@pytest.fixture
def shot(screenshot):
    """A full-page screenshot taken from the top (the sticky header is painted at the scroll position)."""

    def take(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)

    return take


def question(page: Page, key: str) -> Locator:
    return page.locator(f'#evaluation-form [data-question="{key}"]')


def click_answer(page: Page, key: str, label: str) -> None:
    """Click the answer's label, as a person does (not the radio itself)."""
    question(page, key).locator("label.opt", has_text=re.compile(rf"^\s*{re.escape(label)}\b", re.I)).click()


def expect_checked(page: Page, key: str, value: str) -> None:
    expect(question(page, key).locator(f'input[value="{value}"]')).to_be_checked()


def expect_score(page: Page, value: str, verdict: str) -> None:
    panel = page.get_by_test_id("score-panel")
    expect(panel.get_by_test_id("score-value")).to_have_text(value)
    expect(panel.get_by_test_id("score-verdict")).to_have_text(verdict)


def expect_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-state")).to_have_text(SAVED)


def take_refused_saves(browser_errors: list[str], path: str, count: int) -> None:
    """A stale save answers 409 on purpose (its banner is asserted on the page); the conftest's watcher
    counts every 4xx fetch as a browser error, so take exactly those off its list."""
    refused = [e for e in browser_errors if f"{path}: HTTP 409 " in e]
    assert len(refused) == count, browser_errors
    for entry in refused:
        browser_errors.remove(entry)


# --- 1. draft → submitted → disputed → re-evaluated → acknowledged --------------------------------


def test_an_evaluation_goes_from_the_evaluate_button_through_a_dispute_to_the_agents_acknowledgement(
    personas, card, call, new_page, login, shot
):
    # a. The evaluator starts from the interaction.
    page = new_page()
    login(page, personas.evaluator)
    page.goto(f"/interactions/{call.uuid}/")
    page.get_by_test_id("evaluate").click()
    expect(page.locator("h1")).to_have_text("Evaluate this interaction")
    page.get_by_label("Scorecard").select_option(label="Support QA")
    expect(page.get_by_label("Agent evaluated")).to_have_value(str(personas.agent_a1.uuid))
    shot(page, "evaluation-start")
    page.get_by_test_id("start-evaluation").click()
    page.wait_for_url(re.compile(r"/evaluations/[0-9a-f-]{36}/$"))
    evaluation = Evaluation.objects.get()
    assert page.url.endswith(f"/evaluations/{evaluation.uuid}/")
    assert evaluation.status == "draft" and evaluation.revision == 0
    assert (evaluation.evaluator, evaluation.agent, evaluation.scorecard) == (
        personas.evaluator,
        personas.agent_a1,
        card,
    )
    assert evaluation.answers == {"greet": "yes"} and evaluation.lock_version == 1

    # Defaults: greet=yes pre-selected. Opening 5/9 (tone unanswered: 0 of its 4) = 500/9 %;
    # Compliance 0/2 = 0 %. score = (20×500/9 + 10×0) / 30 = 1000/27 = 37.037… → 37.04, Fail (< 80).
    expect(page.get_by_test_id("evaluation-status")).to_have_text("Draft")
    expect_checked(page, "greet", "yes")
    expect_checked(page, "tone", "")
    expect_checked(page, "disclosure", "")
    expect_score(page, "37.04%", "Fail")
    shot(page, "evaluation-form-defaults")

    # By mouse. Disclosure not read fails the whole evaluation: 0.00 whatever else is answered.
    click_answer(page, "disclosure", "No")
    expect_score(page, "0.00%", "Fail")
    expect(page.get_by_test_id("autofail-banner")).to_be_visible()
    expect_saved(page)
    shot(page, "evaluation-form-autofail")
    # Disclosure read: Compliance 2/2 = 100 %; (20×500/9 + 10×100) / 30 = 1900/27 = 70.370… → 70.37 Fail.
    click_answer(page, "disclosure", "Yes")
    expect_score(page, "70.37%", "Fail")
    expect(page.get_by_test_id("autofail-banner")).to_have_count(0)
    expect_saved(page)
    evaluation.refresh_from_db()
    assert evaluation.answers == {"greet": "yes", "disclosure": "yes"}
    assert evaluation.score_percent == Decimal("70.37") and evaluation.passed is False

    # By keyboard: the click left the focus on Disclosure; k k goes up to Greeted, j back down to Tone.
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(question(page, "greet")).to_have_class(re.compile(r"\bfocused\b"))
    page.keyboard.press("j")
    expect(question(page, "tone")).to_have_class(re.compile(r"\bfocused\b"))
    expect(question(page, "greet")).not_to_have_class(re.compile(r"\bfocused\b"))
    # 4 → the 4th option, "4" (3 points): Opening 8/9; (20×800/9 + 1000) / 30 = 2500/27 = 92.59 Pass.
    page.keyboard.press("4")
    expect_checked(page, "tone", "4")
    expect_score(page, "92.59%", "Pass")
    # n → N/A: Opening is greet alone, 5/5 = 100 % → 100.00 Pass (N/A never lowers a score).
    page.keyboard.press("n")
    expect_checked(page, "tone", "na")
    expect_score(page, "100.00%", "Pass")
    # 3 → "3" (2 points): Opening 7/9; (20×700/9 + 1000) / 30 = 2300/27 = 85.185… → 85.19 Pass.
    page.keyboard.press("3")
    expect_checked(page, "tone", "3")
    expect_score(page, "85.19%", "Pass")
    expect_saved(page)
    shot(page, "evaluation-form-keyboard")
    # k → Greeted; 2 → "No" (0 points): Opening 2/9; (20×200/9 + 1000) / 30 = 1300/27 = 48.148… → 48.15 Fail.
    page.keyboard.press("k")
    expect(question(page, "greet")).to_have_class(re.compile(r"\bfocused\b"))
    expect(question(page, "tone")).not_to_have_class(re.compile(r"\bfocused\b"))
    page.keyboard.press("2")
    expect_checked(page, "greet", "no")
    expect_score(page, "48.15%", "Fail")
    # 0 clears it: unanswered counts 0 of 5 like "No" (still 48.15), and it is listed as missing.
    page.keyboard.press("0")
    expect_checked(page, "greet", "")
    expect(page.get_by_test_id("missing-required")).to_contain_text("Greeted by name?")
    expect_score(page, "48.15%", "Fail")
    expect_saved(page)
    evaluation.refresh_from_db()
    assert evaluation.answers == {"tone": "3", "disclosure": "yes"}
    assert evaluation.score_percent == Decimal("48.15")

    # A comment on Greeted and an overall comment, saved as they are typed.
    greet = question(page, "greet")
    greet.locator("summary", has_text="Comment").click()
    greet.get_by_label("Comment on Greeted by name?").press_sequentially("Did not use the customer's name.")
    expect_saved(page)
    page.get_by_label("Overall comment").press_sequentially("Polite and compliant; use the name next time.")
    expect_saved(page)
    evaluation.refresh_from_db()
    assert evaluation.question_comments == {"greet": "Did not use the customer's name."}
    assert evaluation.comment == "Polite and compliant; use the name next time."
    shot(page, "evaluation-form-comments")

    # Submitting without the required answer: refused, and the page names it.
    page.get_by_test_id("submit-evaluation").click()
    expect(page.locator(".flash-error")).to_contain_text("Answer “Greeted by name?” (required).")
    expect(page.get_by_test_id("evaluation-status")).to_have_text("Draft")
    expect(page.get_by_test_id("missing-required")).to_contain_text("Greeted by name?")
    shot(page, "evaluation-submit-refused")
    evaluation.refresh_from_db()
    assert evaluation.status == "draft" and evaluation.revision == 0
    assert not evaluation.revisions.exists()
    # The comments survived the refused submit.
    expect(question(page, "greet").locator("textarea")).to_have_value("Did not use the customer's name.")
    expect(page.get_by_label("Overall comment")).to_have_value("Polite and compliant; use the name next time.")

    click_answer(page, "greet", "No")
    expect_score(page, "48.15%", "Fail")
    expect(page.get_by_test_id("missing-required")).to_have_count(0)
    expect_saved(page)
    # A last word typed and submitted at once: leaving the field autosaves it, and the submit waits
    # for that save (which brings the new lock version) instead of being refused as stale by it.
    overall = page.get_by_label("Overall comment")
    overall.focus()
    overall.press("Control+End")
    overall.press_sequentially(" Thanks!")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes…")
    page.get_by_test_id("submit-evaluation").click()
    # no task is left: the evaluator lands on their task list, told so, with a link back to what they sent
    page.wait_for_url("**/tasks/")
    expect(page.locator(".flash-success")).to_contain_text("Evaluation submitted; the agent has been told.")
    expect(page.locator(".flash-success")).to_contain_text("You have no open tasks left.")
    page.get_by_test_id("just-submitted").get_by_role("link").click()
    expect(page.get_by_test_id("evaluation-status")).to_have_text("Awaiting acknowledgement")
    expect(page.locator("#answer-greet")).to_contain_text("No")
    expect(page.locator("#answer-greet")).to_contain_text("Did not use the customer's name.")
    expect(page.locator("#answer-tone")).to_contain_text("2 / 4")
    expect_score(page, "48.15%", "Fail")
    shot(page, "evaluation-submitted")
    evaluation.refresh_from_db()
    assert evaluation.status == "awaiting_ack" and evaluation.revision == 1
    assert evaluation.answers == {"greet": "no", "tone": "3", "disclosure": "yes"}
    assert evaluation.score_percent == Decimal("48.15") and evaluation.passed is False
    assert evaluation.completed_at is not None and evaluation.ack_due_at is not None
    assert evaluation.comment == "Polite and compliant; use the name next time. Thanks!"
    assert evaluation.question_comments == {"greet": "Did not use the customer's name."}
    assert [r.number for r in evaluation.revisions.all()] == [1]

    # b. The agent sees the notification, the deadline, and disputes two answers.
    agent = new_page()
    login(agent, personas.agent_a1)
    expect(agent.get_by_test_id("unread-count")).to_have_text("1")
    agent.click("#bell")
    note = agent.locator("tr.unread", has_text="New evaluation: 48.15% on Support QA")
    expect(note).to_be_visible()
    deadline = timezone.localtime(evaluation.ack_due_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    expect(note).to_contain_text(f"Please acknowledge it or dispute specific answers by {deadline}")
    shot(agent, "evaluation-agent-notification")
    note.get_by_role("button", name="New evaluation").click()  # opens it and marks it read
    agent.wait_for_url(f"**/evaluations/{evaluation.uuid}/")
    expect(agent.get_by_test_id("unread-count")).to_have_count(0)
    expect(agent.get_by_test_id("evaluation-status")).to_have_text("Awaiting acknowledgement")
    expect(agent.get_by_test_id("ack-deadline")).to_have_text(deadline)
    expect(agent.locator("#evaluation-form")).to_have_count(0)
    shot(agent, "evaluation-agent-view")

    form = agent.get_by_test_id("dispute-form")
    agent.get_by_text("Dispute specific answers").click()
    expect(form.locator("textarea[name=reason_greet]")).to_be_hidden()
    form.locator("input[name=dispute][value=greet]").check()
    form.locator("textarea[name=reason_greet]").fill("I greeted her by name at 0:02, listen again.")
    form.locator("input[name=dispute][value=tone]").check()
    form.locator("textarea[name=reason_tone]").fill("The customer thanked me for staying calm.")
    expect(form.locator("textarea[name=reason_disclosure]")).to_be_hidden()
    form.get_by_label("Overall note (optional)").fill("Please listen to the start of the call.")
    shot(agent, "evaluation-agent-dispute-form")
    form.get_by_test_id("send-dispute").click()
    expect(agent.locator(".flash-success")).to_contain_text("Dispute sent to the evaluator.")
    expect(agent.get_by_test_id("evaluation-status")).to_have_text("Disputed")
    expect(agent.get_by_test_id("dispute-form")).to_have_count(0)
    expect(agent.locator("#answer-greet")).to_contain_text("disputed")
    expect(agent.locator("#answer-tone")).to_contain_text("disputed")
    expect(agent.locator("#answer-disclosure")).not_to_contain_text("disputed")
    mine = agent.get_by_test_id("open-dispute")
    expect(mine.locator("h2")).to_contain_text("Your dispute of")
    expect(mine).to_contain_text("Waiting for Eve Evaluator to adjust or re-affirm each answer.")
    expect(mine.locator("li")).to_have_text(
        [
            "Greeted by name? — “I greeted her by name at 0:02, listen again.”",
            "Tone — “The customer thanked me for staying calm.”",
        ]
    )
    shot(agent, "evaluation-agent-disputed")
    evaluation.refresh_from_db()
    assert evaluation.status == "disputed" and evaluation.ack_due_at is None
    dispute = Dispute.objects.get(evaluation=evaluation)
    assert dispute.raised_by == personas.agent_a1 and dispute.resolved_at is None
    assert dispute.note == "Please listen to the start of the call."
    assert dict(dispute.items.values_list("question_key", "reason")) == {
        "greet": "I greeted her by name at 0:02, listen again.",
        "tone": "The customer thanked me for staying calm.",
    }

    # c. The evaluator adjusts Greeted and re-affirms Tone.
    page.goto("/notifications/")
    row = page.locator("tr.unread", has_text="Andy Agent disputed 2 answers of your evaluation")
    expect(row).to_contain_text("Please listen to the start of the call.")
    row.get_by_role("button", name="disputed").click()
    page.wait_for_url(f"**/evaluations/{evaluation.uuid}/")
    respond = page.get_by_test_id("respond-form")
    greet_item = respond.locator('.dispute-item[data-key="greet"]')
    tone_item = respond.locator('.dispute-item[data-key="tone"]')
    expect(greet_item).to_contain_text("I greeted her by name at 0:02, listen again.")
    expect(tone_item).to_contain_text("The customer thanked me for staying calm.")
    expect(greet_item.get_by_label("Corrected answer")).to_be_hidden()
    greet_item.get_by_label("Adjust").check()
    greet_item.get_by_label("Corrected answer").select_option("yes")
    greet_item.get_by_label("Note to the agent on Greeted by name?").fill("You did, at 0:02. Corrected.")
    tone_item.get_by_label("Re-affirm").check()
    expect(tone_item.get_by_label("Corrected answer")).to_be_hidden()
    tone_item.get_by_label("Note to the agent on Tone").fill("Calm, but flat in the middle of the call.")
    shot(page, "evaluation-respond-form")
    respond.get_by_test_id("send-response").click()
    expect(page.locator(".flash-success")).to_contain_text("Dispute answered; the agent has been told.")
    expect(page.get_by_test_id("evaluation-status")).to_have_text("Awaiting acknowledgement")
    expect(page.get_by_test_id("respond-form")).to_have_count(0)

    # Greeted yes again: Opening 7/9, back to 2300/27 = 85.19 Pass (tone 3 and disclosure unchanged).
    expect_score(page, "85.19%", "Pass")
    revisions = page.get_by_test_id("revisions")
    expect(revisions.locator("thead th")).to_have_text(
        [re.compile("Question"), re.compile(r"Rev\. 1"), re.compile(r"Rev\. 2")]
    )
    changed = revisions.locator("tbody tr.row-changed")
    expect(changed).to_have_count(1)
    expect(changed.locator("td")).to_have_text(["Greeted by name?", "No", "Yes"])
    expect(revisions.locator("tbody tr", has_text="Tone").locator("td")).to_have_text(["Tone", "3", "3"])
    expect(revisions.locator("tbody tr", has_text="Score").locator("td")).to_have_text(
        ["Score", "48.15% fail", "85.19% pass"]
    )
    shot(page, "evaluation-revisions")
    evaluation.refresh_from_db()
    assert evaluation.status == "awaiting_ack" and evaluation.revision == 2
    assert evaluation.answers == {"greet": "yes", "tone": "3", "disclosure": "yes"}
    assert evaluation.score_percent == Decimal("85.19") and evaluation.passed is True
    first, second = evaluation.revisions.order_by("number")
    assert first.answers["greet"] == "no" and first.result["score_percent"] == 48.15
    assert second.answers["greet"] == "yes" and second.result["score_percent"] == 85.19
    assert second.created_by == personas.evaluator and second.reason == "Adjusted after dispute: greet"
    dispute.refresh_from_db()
    assert dispute.resolved_by == personas.evaluator and dispute.resolved_at is not None
    responses = {i.question_key: (i.response, i.response_note, i.new_answer) for i in dispute.items.all()}
    assert responses == {
        "greet": ("adjust", "You did, at 0:02. Corrected.", "yes"),
        "tone": ("reaffirm", "Calm, but flat in the middle of the call.", ""),
    }

    # d. The agent is told, reads the answer and acknowledges.
    agent.goto("/notifications/")
    expect(agent.locator("tr.unread", has_text="Your dispute was answered: 1 adjusted, 1 re-affirmed")).to_be_visible()
    agent.goto(f"/evaluations/{evaluation.uuid}/")
    expect(agent.get_by_test_id("evaluation-status")).to_have_text("Awaiting acknowledgement")
    expect(agent.get_by_test_id("revisions")).to_be_visible()
    expect(agent.locator("section", has_text="Dispute of")).to_contain_text("Calm, but flat in the middle of the call.")
    shot(agent, "evaluation-agent-answered")
    agent.get_by_test_id("acknowledge").click()
    expect(agent.locator(".flash-success")).to_contain_text("Acknowledged. Thank you.")
    expect(agent.get_by_test_id("evaluation-status")).to_have_text("Acknowledged")
    expect(agent.get_by_test_id("agent-actions")).to_have_count(0)
    expect(agent.locator(".card", has_text="History").locator("li")).to_have_text(
        [
            re.compile(r"Started by Eve Evaluator$"),
            re.compile(r"Completed by Eve Evaluator$"),
            re.compile(r"Disputed by Andy Agent$"),
            re.compile(r"Dispute answered by Eve Evaluator$"),
            re.compile(r"Acknowledged by Andy Agent$"),
        ]
    )
    shot(agent, "evaluation-acknowledged")
    evaluation.refresh_from_db()
    assert evaluation.status == "acknowledged" and evaluation.acknowledged_at is not None
    assert evaluation.auto_acknowledged is False
    assert evaluation.revision == 2 and evaluation.score_percent == Decimal("85.19")
    assert list(evaluation.events.values_list("kind", flat=True)) == [
        "evaluation.started",
        "evaluation.completed",
        "evaluation.disputed",
        "evaluation.dispute_answered",
        "evaluation.acknowledged",
    ]
    assert Notification.objects.filter(recipient=personas.evaluator, kind="evaluation.disputed").count() == 1


# --- 2. two tabs, one draft (docs/evaluations.md#concurrent-edits)
# -----------------------------------------------------------------


def test_a_second_tab_on_the_same_draft_is_told_its_copy_is_stale_and_overwrites_nothing(
    personas, draft, new_page, login, shot, browser_errors
):
    first, second = new_page(), new_page()
    for page in (first, second):
        login(page, personas.evaluator)
        page.goto(f"/evaluations/{draft.uuid}/")
        expect_score(page, "37.04%", "Fail")

    # The first tab saves: tone 4 (3 points) → Opening 8/9; (20×800/9 + 0) / 30 = 1600/27 = 59.26 Fail.
    click_answer(first, "tone", "4")
    expect_score(first, "59.26%", "Fail")
    expect_saved(first)
    draft.refresh_from_db()
    assert draft.answers == {"greet": "yes", "tone": "4"} and draft.lock_version == 2

    # The second tab still holds save 1: its change is refused with a banner, and nothing is written.
    click_answer(second, "disclosure", "No")
    stale = second.get_by_test_id("stale")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("This evaluation was saved again since you loaded it")
    expect(stale).to_contain_text("now at save 2")
    expect(second.get_by_test_id("save-state")).to_have_text("Not saved")
    expect_score(second, "37.04%", "Fail")
    expect(second.get_by_test_id("autofail-banner")).to_have_count(0)
    shot(second, "evaluation-stale")
    draft.refresh_from_db()
    assert draft.answers == {"greet": "yes", "tone": "4"} and draft.lock_version == 2
    assert draft.score_percent == Decimal("59.26")

    # Loading the newer version shows the first tab's answer, and saving works again from there.
    stale.get_by_role("link", name="Load the newer version").click()
    expect_checked(second, "tone", "4")
    expect(second.get_by_test_id("stale")).to_have_count(0)
    # Disclosure read: (20×800/9 + 10×100) / 30 = 2500/27 = 92.59 Pass.
    click_answer(second, "disclosure", "Yes")
    expect_score(second, "92.59%", "Pass")
    expect_saved(second)
    draft.refresh_from_db()
    assert draft.answers == {"greet": "yes", "tone": "4", "disclosure": "yes"} and draft.lock_version == 3
    take_refused_saves(browser_errors, f"/evaluations/{draft.uuid}/save/", 1)
