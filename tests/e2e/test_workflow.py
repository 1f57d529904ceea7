"""The evaluator's day in the browser (docs/evaluations.md#submitting, docs/evaluations.md#discarding-a-draft,
docs/evaluations.md#the-disputes-queue) and a forgotten password from the login page to the new password
(docs/passwords-and-tokens.md#forgotten-passwords), reading the link from the mail in the outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxq.evaluations import services
from cxq.evaluations.models import Evaluation
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.notifications.models import OutboundEmail
from tests.evaluations import conftest as evaluation_fixtures
from tests.interactions.conftest import PAYLOAD

pytestmark = pytest.mark.e2e

card = evaluation_fixtures.card
call = evaluation_fixtures.call
NEW = "a-brand-new-passphrase"


def _task(personas, card, interaction, days: int):
    return services.assignment_create(
        by=personas.supervisor_a,
        interaction=interaction,
        scorecard=card,
        assignee=personas.evaluator,
        due_at=timezone.now() + timedelta(days=days),
    )


def _answer(page: Page, key: str, label: str) -> None:
    page.locator(f'#evaluation-form [data-question="{key}"]').locator(
        "label.opt", has_text=re.compile(rf"^\s*{re.escape(label)}\b", re.I)
    ).click()


def test_the_evaluator_submits_lands_on_the_next_task_and_discards_a_draft(
    personas, card, call, new_page, login, screenshot
):
    other = interaction_upsert(data=InteractionIn.model_validate({**PAYLOAD, "external_id": "call-next"}))[0]
    first = _task(personas, card, call, days=1)
    second = _task(personas, card, other, days=4)

    page = new_page()
    login(page, personas.evaluator)
    page.goto("/tasks/")
    page.get_by_role("link", name="Open").first.click()
    page.wait_for_url(f"**/tasks/{first.uuid}/")
    page.get_by_test_id("start-task").click()
    page.wait_for_url(re.compile(r"/evaluations/[0-9a-f-]{36}/$"))
    _answer(page, "greet", "Yes")
    _answer(page, "disclosure", "Yes")
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile(r"^Draft saved"))
    page.get_by_test_id("submit-evaluation").click()

    # the next task, due first, with a way back to what was just sent
    page.wait_for_url(f"**/tasks/{second.uuid}/")
    expect(page.locator(".flash-success")).to_contain_text("Here is your next task, due first")
    expect(page.get_by_test_id("just-submitted")).to_contain_text("Andy Agent")
    screenshot(page, "workflow-next-task")
    done = Evaluation.objects.get(assignment=first)
    assert done.status == "awaiting_ack"

    # start it, then think better of it: the draft is discarded after a confirmation
    page.get_by_test_id("start-task").click()
    page.wait_for_url(re.compile(r"/evaluations/[0-9a-f-]{36}/$"))
    screenshot(page, "workflow-draft-with-discard")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("discard-draft").click()
    expect(page.get_by_test_id("evaluation-status")).to_have_text("Draft")  # dismissed: nothing happened
    assert Evaluation.objects.filter(assignment=second).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("discard-draft").click()
    page.wait_for_url(f"**/tasks/{second.uuid}/")
    expect(page.locator(".flash-success")).to_contain_text("Draft discarded.")
    expect(page.get_by_test_id("start-task")).to_be_visible()  # the task is open again
    assert not Evaluation.objects.filter(assignment=second).exists()

    # the agent disputes the submitted one; the supervisor finds it in the queue, filtered to the agent
    services.evaluation_dispute(by=personas.agent_a1, evaluation=done, items=[("greet", "I did greet")])
    lead = new_page()
    login(lead, personas.supervisor_a)
    lead.goto("/evaluations/disputes/")
    picker = lead.get_by_role("combobox", name="Agent")  # an autocomplete (docs/interactions.md#pickers)
    lead.locator(".ts-control", has=picker).click()
    picker.fill("Andy")  # one input event (keystrokes were lost on a loaded CI machine, tests/e2e/test_pickers.py)
    lead.get_by_role("option", name="Andy Agent").click()
    lead.get_by_role("button", name="Filter").click()
    table = lead.get_by_test_id("disputes-table")
    expect(table).to_contain_text("Andy Agent")
    expect(table.get_by_test_id("dispute-age")).to_have_text("less than a minute")
    expect(table).to_contain_text(re.compile(r"in (6\s+days|1\s+week)"))
    screenshot(lead, "workflow-disputes-queue")
    lead.get_by_label("Overdue only").check()
    lead.get_by_role("button", name="Filter").click()
    expect(lead.get_by_text("No open disputes")).to_be_visible()


def test_the_disputes_queue_pages_oldest_first_with_next_and_previous(
    personas, new_page, login, screenshot, monkeypatch
):
    """docs/evaluations.md#the-disputes-queue: keyset pages (2 a page here), no page numbers."""
    from cxq.evaluations import selectors
    from cxq.evaluations.models import Dispute
    from tests.coaching.conftest import completed_evaluation

    real = selectors.dispute_page
    monkeypatch.setattr(selectors, "dispute_page", lambda qs, f, cursor: real(qs, f, cursor, size=2))
    base = timezone.now() - timedelta(days=6, hours=1)
    for n in range(3):
        evaluation = completed_evaluation(personas.evaluator, personas.agent_a1, external_id=f"queue-{n}")
        d = services.evaluation_dispute(by=personas.agent_a1, evaluation=evaluation, items=[("greet", f"r{n}")])
        Dispute.objects.filter(pk=d.pk).update(created_at=base + timedelta(days=2 * n))
    page = new_page()
    login(page, personas.supervisor_a)
    page.goto("/evaluations/disputes/")
    rows = page.get_by_test_id("disputes-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_test_id("dispute-age")).to_have_text("6\xa0days")
    screenshot(page, "disputes-queue-first-page")
    page.get_by_test_id("next-page").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("dispute-age")).to_have_text("2\xa0days")
    page.get_by_test_id("previous-page").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("previous-page")).to_have_count(0)


def test_a_forgotten_password_is_replaced_through_the_link_in_the_mail(personas, new_page, screenshot):
    cache.clear()
    page = new_page()
    page.goto("/login/")
    page.get_by_test_id("forgot-password").click()
    page.wait_for_url("**/login/forgot/")
    screenshot(page, "password-reset-request")
    page.get_by_label("Email").fill(personas.agent_a1.email)
    page.get_by_test_id("reset-request").click()
    expect(page.get_by_test_id("reset-sent")).to_contain_text("a link to choose a new password is on its way")
    screenshot(page, "password-reset-sent")

    mail = OutboundEmail.objects.get(to=personas.agent_a1.email, subject="Reset your CXQ password")
    link = re.search(r"https?://\S+/login/reset/\S+/", mail.body_text).group(0)
    page.goto(urlsplit(link).path)
    page.wait_for_url("**/set-password/")
    page.locator("input[name=new_password1]").fill("short")
    page.locator("input[name=new_password2]").fill("short")
    page.get_by_test_id("reset-save").click()
    expect(page.locator(".field .error").first).to_contain_text("too short")
    screenshot(page, "password-reset-refused")
    page.locator("input[name=new_password1]").fill(NEW)
    page.locator("input[name=new_password2]").fill(NEW)
    page.get_by_test_id("reset-save").click()
    page.wait_for_url("**/login/")
    expect(page.locator(".flash-success")).to_contain_text("Log in with your new password.")

    page.fill("input[name=username]", personas.agent_a1.email)
    page.fill("input[name=password]", NEW)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")

    # the link worked once
    again = new_page()
    again.goto(urlsplit(link).path)
    expect(again.get_by_test_id("reset-invalid")).to_be_visible()
    screenshot(again, "password-reset-link-spent")
    cache.clear()
