"""Automated evaluations in a real browser (docs/evaluations.md#automated-evaluations,
docs/scoring.md#questions-answered-from-indicators): a supervisor links a question to an indicator in the
builder, runs an automated evaluation on a call, sees the evidence beside the answer and plays that
moment from it; then takes the evaluation over and completes it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from cxq.devdata.demo.audio import tone_wav
from cxq.evaluations.models import Evaluation
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.recordings import recording_attach
from cxq.interactions.services import interaction_upsert, parse_payload
from cxq.scorecards import services as sc
from tests.scorecards.conftest import DOC

pytestmark = pytest.mark.e2e

LINES = [
    ("customer", "Hello, is this billing?"),
    ("agent", "Thank you for calling, this is Andy."),
    ("customer", "I was charged twice this month."),
    ("agent", "Let me look at your invoice."),
]
STEP = 2.0


@pytest.fixture
def world(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    greeting = phrase_set_create(by=personas.admin, name="Greeting", phrases=["thank you for calling"])
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    payload = {
        "external_id": "automated-call",
        "channel": "voice",
        "started_at": "2026-11-02T09:30:00Z",
        "agent": {"email": personas.agent_a1.email},
        "transcript": [
            {"speaker": speaker, "start": i * STEP, "end": (i + 1) * STEP, "text": text}
            for i, (speaker, text) in enumerate(LINES)
        ],
    }
    call, _ = interaction_upsert(data=parse_payload(payload))
    upload = SimpleUploadedFile("call.wav", tone_wav(call.utterances, STEP * len(LINES)), content_type="audio/wav")
    recording_attach(interaction=call, upload=upload, by=personas.admin)
    return greeting, card, call


def media_time(page: Page) -> float:
    return page.evaluate("() => document.querySelector('[data-player] [data-media]').currentTime")


def test_a_linked_question_is_answered_with_evidence_that_plays_its_moment(
    personas, world, new_page, login, screenshot
):
    greeting, card, call = world
    page = new_page()
    login(page, personas.supervisor_a)

    # 1. The builder: "Greeted by name?" is answered from Greeting, said by the agent.
    page.goto(f"/scorecards/{card.uuid}/edit/")
    question = page.get_by_test_id("question-greet")
    question.get_by_test_id("link-toggle").check()
    question.get_by_test_id("link-indicator").select_option(label="Greeting")
    question.get_by_test_id("link-side").select_option("agent")
    question.get_by_test_id("link-mentioned").select_option("yes")
    question.get_by_test_id("link-absent").select_option("no")
    screenshot(page, "automated-builder-link")
    page.get_by_test_id("save").click()
    expect(page.locator(".flash")).to_contain_text("Answers from indicators updated in version 1")
    card.refresh_from_db()
    assert card.current_version.number == 1
    assert card.current_version.indicator_links == {
        "greet": {"indicator": str(greeting.uuid), "side": "agent", "mentioned": "yes", "absent": "no"}
    }

    # 2. The interaction: run it from the Performance tab.
    page.goto(f"/interactions/{call.uuid}/")
    page.get_by_test_id("tab-performance").click()
    page.get_by_test_id("automated-run-button").click()
    expect(page.get_by_test_id("automated")).to_be_visible()
    evaluation = Evaluation.objects.get(interaction=call)
    assert evaluation.source == "automated" and evaluation.answers == {"greet": "yes"}

    # 3. The evidence beside the answer, and the link that plays that moment.
    evidence = page.get_by_test_id("evidence-greet")
    expect(evidence).to_contain_text("Thank you for calling, this is Andy.")
    expect(evidence).to_contain_text("Greeting said by the agent at")
    screenshot(page, "automated-evaluation-evidence")
    evidence.get_by_test_id("evidence-play").click()
    page.wait_for_url(re.compile(r"#t=2\.0+$"))
    expect(page.locator("#u1")).to_have_class(re.compile(r"\bcued\b"))
    expect(page.locator(".utt.cued")).to_have_count(1)
    expect(page.locator("#u1")).to_have_class(re.compile(r"\bplaying\b"), timeout=8_000)
    assert media_time(page) >= 2.0
    screenshot(page, "automated-evidence-moment")

    # 4. The Performance tab marks it automated.
    page.get_by_test_id("tab-performance").click()
    expect(page.get_by_test_id("performance-row")).to_contain_text("Automated")

    # 5. The evaluator takes it over and completes it.
    other = new_page()
    login(other, personas.evaluator)
    other.goto(f"/evaluations/{evaluation.uuid}/")
    other.get_by_test_id("adopt-button").click()
    expect(other.get_by_test_id("evidence-greet")).to_be_visible()  # still beside the system's answer
    other.locator("input[name=qa_disclosure][value=yes]").check()
    expect(other.get_by_test_id("save-state")).to_contain_text("Draft saved")
    screenshot(other, "automated-evaluation-adopted")
    other.get_by_test_id("submit-evaluation").click()
    # after a submit the evaluator lands on their next task or their task list (docs/evaluations.md)
    expect(other).to_have_url(re.compile(r"/tasks/"))
    other.goto(f"/evaluations/{evaluation.uuid}/")
    expect(other.get_by_test_id("evaluation-status")).to_have_text("Awaiting acknowledgement")
    evaluation.refresh_from_db()
    assert (evaluation.source, evaluation.revision, evaluation.evaluator) == ("manual", 2, personas.evaluator)
