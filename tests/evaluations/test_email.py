"""The evaluation workflow's mail, as delivered through the outbox to a real SMTP server on loopback
(docs/architecture.md#outboxes, docs/evaluations.md#assignments, docs/evaluations.md#revisions,
docs/evaluations.md#disputes): what the agent reads when an evaluation is completed, what the evaluator reads
when it is disputed, and what an assignee reads for a new task. Every mail carries a direct link built
from CXQ_BASE_URL.

The clock is fixed so deadlines can be written out: 2026-03-02 09:15 UTC, acknowledgement within the
default 7 days → 2026-03-09 09:15."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from cxq.evaluations import services
from cxq.evaluations.models import Evaluation
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import Notification, OutboundEmail
from tests.notifications import conftest as notification_fixtures

BASE = "https://qa.example.com"
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)

smtp = notification_fixtures.smtp  # a real SMTP server on loopback; Django sends to it during the test


@pytest.fixture
def fixed_now() -> Iterator[datetime]:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def submit(personas, draft) -> Evaluation:
    """greet no (0/5), tone 4 (3/4), disclosure yes (2/2): Opening 3/9 = 100/3 %, Compliance 100 %;
    score = (20×100/3 + 10×100) / 30 = 1000/18 = 55.555… → 55.56, Fail (pass mark 80)."""
    services.evaluation_save(
        by=personas.evaluator, evaluation=draft, answers={"greet": "no", "tone": 4, "disclosure": "yes"}
    )
    return services.evaluation_submit(by=personas.evaluator, evaluation=draft)


def test_the_agent_gets_one_mail_when_an_evaluation_is_completed_with_score_scorecard_deadline_and_link(
    smtp,
    personas,
    draft,
    fixed_now,
    django_capture_on_commit_callbacks,
):
    with override_settings(CXQ_BASE_URL=BASE), django_capture_on_commit_callbacks(execute=True):
        evaluation = submit(personas, draft)
        assert smtp.messages == [], "nothing leaves before the submit commits"

    assert evaluation.status == "awaiting_ack"
    assert evaluation.ack_due_at == datetime(2026, 3, 9, 9, 15, tzinfo=UTC)
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["agent.a1@example.com"]
    message = envelope.message
    assert message["To"] == "agent.a1@example.com"
    assert message["Subject"] == "New evaluation: 55.56% on Support QA"

    link = f"{BASE}/evaluations/{evaluation.uuid}/"
    deadline = (
        "Please acknowledge it or dispute specific answers by 2026-03-09 09:15 (UTC); "
        "after that it is acknowledged automatically."
    )
    text = text_of(message)
    assert "Hello Andy Agent," in text
    assert "New evaluation: 55.56% on Support QA" in text
    assert deadline in text
    assert f"Open in CXQ: {link}" in text
    html = html_of(message)
    assert f'<a href="{link}"' in html
    assert deadline in html

    mail = OutboundEmail.objects.get(to="agent.a1@example.com")
    assert mail.status == EmailStatus.SENT and mail.attempts == 1
    assert mail.notification.kind == "evaluation.completed"
    assert mail.notification.url == f"/evaluations/{evaluation.uuid}/"
    assert OutboundEmail.objects.count() == 1


def test_without_required_acknowledgement_the_mail_names_no_deadline(
    smtp,
    personas,
    draft,
    fixed_now,
    django_capture_on_commit_callbacks,
):
    from cxq.accounts.models import OrgSettings

    org = OrgSettings.get()
    org.acknowledgement_required = False
    org.save()
    with override_settings(CXQ_BASE_URL=BASE), django_capture_on_commit_callbacks(execute=True):
        evaluation = submit(personas, draft)

    assert evaluation.status == "completed" and evaluation.ack_due_at is None
    [message] = smtp.messages
    text = text_of(message)
    assert "Open it to read the evaluator's comments." in text
    assert "acknowledge" not in text.lower()
    assert f"Open in CXQ: {BASE}/evaluations/{evaluation.uuid}/" in text


def test_the_evaluator_gets_a_mail_when_the_agent_disputes_with_the_agents_note_and_a_link(
    smtp,
    personas,
    completed,
    django_capture_on_commit_callbacks,
):
    # The fixture's completion never committed, so its mail never left: only the dispute's goes out.
    with override_settings(CXQ_BASE_URL=BASE), django_capture_on_commit_callbacks(execute=True):
        services.evaluation_dispute(
            by=personas.agent_a1,
            evaluation=completed,
            items=[("greet", "I greeted her by name."), ("tone", "I stayed calm throughout.")],
            note="Please listen to the first ten seconds.",
        )

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["eval@example.com"]
    message = envelope.message
    assert message["Subject"] == "Andy Agent disputed 2 answers of your evaluation"
    link = f"{BASE}/evaluations/{completed.uuid}/"
    text = text_of(message)
    assert "Hello Eve Evaluator," in text
    assert "Please listen to the first ten seconds." in text
    assert f"Open in CXQ: {link}" in text
    assert f'<a href="{link}"' in html_of(message)
    note = Notification.objects.get(recipient=personas.evaluator, kind="evaluation.disputed")
    assert OutboundEmail.objects.get(notification=note).status == EmailStatus.SENT


def test_the_assignee_gets_a_mail_with_the_scorecard_the_due_date_and_a_link_to_the_task(
    smtp,
    personas,
    card,
    call,
    fixed_now,
    django_capture_on_commit_callbacks,
):
    due = NOW + timedelta(days=3, hours=7, minutes=45)  # 2026-03-05 17:00 UTC
    with override_settings(CXQ_BASE_URL=BASE), django_capture_on_commit_callbacks(execute=True):
        assignment = services.assignment_create(
            by=personas.supervisor_a,
            interaction=call,
            scorecard=card,
            assignee=personas.evaluator,
            due_at=due,
            note="A refund call, please check the disclosure.",
        )
        assert smtp.messages == []

    [envelope] = smtp.envelopes  # one mail: the in-app notification does not send its own
    assert envelope.rcpt_tos == ["eval@example.com"]
    message = envelope.message
    assert message["Subject"] == "New evaluation task: Support QA, due 2026-03-05 17:00 (UTC)"
    link = f"{BASE}/tasks/{assignment.uuid}/"
    text = text_of(message)
    assert "Hello Eve Evaluator," in text
    assert "Sam Supervisor asked you to evaluate an interaction." in text
    assert "Scorecard: Support QA" in text
    assert "Due: 2026-03-05 17:00 (UTC)" in text
    assert "Interaction: Voice with Andy Agent, 2026-11-02 09:30" in text
    assert "Note: A refund call, please check the disclosure." in text
    assert f"Start the evaluation: {link}" in text
    html = html_of(message)
    assert f'<a href="{link}"' in html
    assert "<strong>Support QA</strong>" in html and "<strong>2026-03-05 17:00 (UTC)</strong>" in html

    note = Notification.objects.get(recipient=personas.evaluator, kind="assignment.created")
    assert note.url == f"/tasks/{assignment.uuid}/"
    mail = OutboundEmail.objects.get()
    assert mail.notification == note and mail.status == EmailStatus.SENT


def test_the_deadline_in_the_agents_mail_is_in_the_agents_time_zone(
    smtp,
    personas,
    draft,
    fixed_now,
    django_capture_on_commit_callbacks,
):
    personas.agent_a1.time_zone = "Europe/Berlin"
    personas.agent_a1.save(update_fields=["time_zone"])
    # The request is the evaluator's, so the middleware has activated the evaluator's zone.
    with (
        timezone.override(zoneinfo.ZoneInfo("America/New_York")),
        override_settings(CXQ_BASE_URL=BASE),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit(personas, draft)

    [message] = smtp.messages
    # 2026-03-09 09:15 UTC is 10:15 in Berlin (CET, UTC+1); New York would say 05:15 (EDT from 8 March).
    assert "dispute specific answers by 2026-03-09 10:15" in text_of(message)
