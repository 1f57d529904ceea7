"""The email outbox page and its retry action (admins only)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import email_sweep, notify


def _mail(user, title: str = "Evaluation ready", **state) -> OutboundEmail:
    note = notify(recipient=user, kind="test.event", title=title, url="/evaluations/1/")
    mail = OutboundEmail.objects.get(notification=note)
    if state:
        OutboundEmail.objects.filter(pk=mail.pk).update(**state)
        mail.refresh_from_db()
    return mail


@pytest.fixture
def failed_mail(personas) -> OutboundEmail:
    return _mail(
        personas.agent_a1,
        status=EmailStatus.FAILED,
        attempts=8,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )


def test_the_admin_retry_puts_a_failed_mail_back_to_pending_and_enqueues_it(
    failed_mail, client_for, django_capture_on_commit_callbacks
):
    with (
        mock.patch("cxq.notifications.tasks.deliver_email") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for("admin").post(reverse("notifications:outbox_retry", args=[failed_mail.pk]))

    assert response.status_code == 302
    assert response.url == reverse("notifications:outbox")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Mail to agent.a1@example.com queued again."]
    failed_mail.refresh_from_db()
    assert failed_mail.status == EmailStatus.PENDING
    assert failed_mail.attempts == 0
    assert failed_mail.next_attempt_at <= timezone.now()
    enqueue.assert_called_once_with(failed_mail.pk)


def test_a_retried_mail_reaches_the_smtp_server_once_it_is_back(
    failed_mail, client_for, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for("admin").post(reverse("notifications:outbox_retry", args=[failed_mail.pk]))

    assert [m["Subject"] for m in smtp.messages] == ["Evaluation ready"]
    failed_mail.refresh_from_db()
    assert (failed_mail.status, failed_mail.attempts) == (EmailStatus.SENT, 1)
    assert email_sweep() == 0
    assert len(smtp.messages) == 1


def test_only_failed_mails_can_be_retried(personas, client_for):
    sent = _mail(personas.agent_a1, status=EmailStatus.SENT, attempts=1, sent_at=timezone.now())

    response = client_for("admin").post(reverse("notifications:outbox_retry", args=[sent.pk]))

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Only failed mails can be retried."]
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 1)


def test_retry_is_post_only(failed_mail, client_for):
    response = client_for("admin").get(reverse("notifications:outbox_retry", args=[failed_mail.pk]))

    assert response.status_code == 405
    failed_mail.refresh_from_db()
    assert failed_mail.status == EmailStatus.FAILED


def test_retrying_an_unknown_mail_is_a_404(db, personas, client_for):
    response = client_for("admin").post(reverse("notifications:outbox_retry", args=[999999]))

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["supervisor_a", "manager_b", "evaluator", "agent_a1", "norole"])
def test_people_without_settings_edit_cannot_retry_and_the_mail_stays_failed(failed_mail, client_for, persona):
    response = client_for(persona).post(reverse("notifications:outbox_retry", args=[failed_mail.pk]))

    assert response.status_code == 403
    failed_mail.refresh_from_db()
    assert failed_mail.status == EmailStatus.FAILED
    assert failed_mail.attempts == 8


@pytest.mark.parametrize("persona", ["supervisor_a", "manager_b", "evaluator", "agent_a1", "norole"])
def test_people_without_settings_edit_cannot_see_the_outbox(personas, client_for, persona):
    response = client_for(persona).get(reverse("notifications:outbox"))

    assert response.status_code == 403


def test_the_outbox_lists_mails_and_filters_by_status(failed_mail, personas, client_for):
    _mail(personas.agent_b1, title="Still waiting")

    client = client_for("admin")
    everything = client.get(reverse("notifications:outbox")).content.decode()
    failed_only = client.get(reverse("notifications:outbox"), {"status": "failed"}).content.decode()

    assert "Evaluation ready" in everything and "Still waiting" in everything
    assert "Evaluation ready" in failed_only and "Still waiting" not in failed_only
    assert reverse("notifications:outbox_retry", args=[failed_mail.pk]) in failed_only
    assert "Connection refused" in failed_only
