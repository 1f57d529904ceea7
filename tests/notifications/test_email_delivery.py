"""notify() → outbox row in the caller's transaction → one real SMTP message after commit
(docs/architecture.md#outboxes)."""

from __future__ import annotations

from django.db import transaction
from django.test import override_settings

from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import Notification, OutboundEmail
from cxq.notifications.services import notify


def _notify_agent(personas, **overrides):
    kwargs = {
        "recipient": personas.agent_a1,
        "kind": "evaluation.submitted",
        "title": "Your evaluation of call #481 is ready",
        "body": "Score: 92 / 100",
        "url": "/evaluations/3f1c/",
    }
    kwargs.update(overrides)
    return notify(**kwargs)


def test_notify_in_a_transaction_sends_exactly_one_smtp_message_with_text_html_and_a_direct_link(
    smtp, personas, django_capture_on_commit_callbacks
):
    with (
        override_settings(CXQ_BASE_URL="https://qa.example.com"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        with transaction.atomic():
            note = _notify_agent(personas)
        assert smtp.messages == [], "nothing may leave before the transaction commits"

    assert len(callbacks) == 1
    assert len(smtp.messages) == 1
    envelope = smtp.envelopes[0]
    message = envelope.message
    assert envelope.rcpt_tos == ["agent.a1@example.com"]
    assert message["To"] == "agent.a1@example.com"
    assert message["From"] == "CXQ <cxq@localhost>"
    assert message["Subject"] == "Your evaluation of call #481 is ready"
    assert message.get_content_type() == "multipart/alternative"

    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = "https://qa.example.com/evaluations/3f1c/"
    assert f"Open in CXQ: {link}" in text
    assert "Hello Andy Agent," in text
    assert "Score: 92 / 100" in text
    assert f'<a href="{link}"' in html
    assert "Your evaluation of call #481 is ready" in html
    assert "https://qa.example.com" in text.split("account on CXQ")[1]

    mail = OutboundEmail.objects.get(notification=note)
    assert message["Message-ID"] == mail.message_id
    assert mail.status == EmailStatus.SENT
    assert mail.attempts == 1
    assert mail.sent_at is not None
    assert mail.lease_until is None
    assert mail.last_error == ""


def test_a_notification_without_a_url_links_to_the_site_root(smtp, personas, django_capture_on_commit_callbacks):
    with (
        override_settings(CXQ_BASE_URL="https://qa.example.com"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _notify_agent(personas, url="")

    [message] = smtp.messages
    lines = message.get_body(("plain",)).get_content().splitlines()
    assert "Open in CXQ: https://qa.example.com/" in lines


def test_the_outbox_row_and_the_in_app_row_are_written_in_the_callers_transaction(personas):
    before = Notification.objects.count()
    with transaction.atomic():
        note = _notify_agent(personas)
        mail = OutboundEmail.objects.get(notification=note)
        assert mail.status == EmailStatus.PENDING
        assert mail.to == "agent.a1@example.com"
        assert mail.body_text and mail.body_html
        assert Notification.objects.count() == before + 1
    assert note.recipient == personas.agent_a1
    assert note.read_at is None


def test_a_rolled_back_event_leaves_no_notification_no_outbox_row_and_sends_nothing(
    smtp, personas, django_capture_on_commit_callbacks
):
    notes_before, mails_before = Notification.objects.count(), OutboundEmail.objects.count()

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notify_agent(personas)
                raise Boom
        except Boom:
            pass

    assert callbacks == []
    assert Notification.objects.count() == notes_before
    assert OutboundEmail.objects.count() == mails_before
    assert smtp.messages == []


def test_notify_with_email_off_writes_only_the_in_app_notification(smtp, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = _notify_agent(personas, email=False)

    assert Notification.objects.filter(pk=note.pk).exists()
    assert not OutboundEmail.objects.filter(notification=note).exists()
    assert callbacks == []
    assert smtp.messages == []


def test_notify_skips_inactive_and_missing_recipients(personas):
    personas.agent_b1.is_active = False
    personas.agent_b1.save(update_fields=["is_active"])
    notes_before, mails_before = Notification.objects.count(), OutboundEmail.objects.count()

    assert _notify_agent(personas, recipient=personas.agent_b1) is None
    assert _notify_agent(personas, recipient=None) is None

    assert Notification.objects.count() == notes_before
    assert OutboundEmail.objects.count() == mails_before
