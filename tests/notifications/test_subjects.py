"""Mail subjects are made safe in one place: line breaks and control characters from whatever a person
typed become spaces, the length is bounded, and mails stuck on such a subject are delivered."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.utils import timezone

from cxq.accounts.services import team_create, user_update_profile
from cxq.lib.inputs import text_problem
from cxq.lib.text import one_line
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import email_queue, email_sweep, notify

INJECTED = "Team A\r\nBcc: attacker@example.com"


def test_one_line_collapses_control_runs_to_one_space_and_bounds_the_length():
    assert one_line(" Night \r\n\t shift\x00\x85x\u2028y ", max_length=50) == "Night shift x y"
    assert one_line("a" * 20, max_length=10) == "a" * 9 + "…"
    assert one_line("", max_length=10) == ""
    assert text_problem("a\nb") and text_problem("a\x7fb") and text_problem("a\u2028b")
    assert text_problem("Crème brûlée 👍 — “ok”") is None


def test_a_subject_with_a_line_break_is_queued_on_one_line_and_delivered_without_an_extra_header(
    smtp, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(recipient=personas.agent_a1, kind="test.event", title=f"You were added to {INJECTED}")
    mail = OutboundEmail.objects.get(notification=note)
    assert mail.subject == "You were added to Team A Bcc: attacker@example.com"
    assert mail.status == EmailStatus.SENT
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [personas.agent_a1.email]
    assert envelope.message["Subject"] == "You were added to Team A Bcc: attacker@example.com"
    assert envelope.message["Bcc"] is None


def test_a_team_name_typed_with_a_line_break_still_reaches_its_new_member(
    personas, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        team_create(by=personas.admin, name="Night shift\r\nBcc: attacker@example.com", members=[personas.agent_b1])
    mail = OutboundEmail.objects.get(to=personas.agent_b1.email)
    assert mail.status == EmailStatus.SENT
    assert [m.subject for m in mailoutbox] == ["You were added to the team Night shift Bcc: attacker@example.com"]
    assert mailoutbox[0].recipients() == [personas.agent_b1.email]


def test_a_name_with_a_line_break_in_a_title_is_delivered(personas, django_capture_on_commit_callbacks, mailoutbox):
    user_update_profile(user=personas.supervisor_a, full_name="Sam\nSupervisor", time_zone="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=personas.agent_a1, kind="test", title=f"{personas.supervisor_a.full_name} mentioned you")
    assert [m.subject for m in mailoutbox] == ["Sam Supervisor mentioned you"]


def test_a_long_subject_is_cut_to_the_column_with_an_ellipsis(personas):
    mail = email_queue(
        to="x@example.com", subject="word " * 100, template="notifications/email/notification", context={}
    )
    assert len(mail.subject) == 250 and mail.subject.endswith("…")


def test_a_row_queued_with_a_raw_line_break_before_the_fix_is_delivered_by_the_sweep(personas, mailoutbox):
    mail = _stuck_row(status=EmailStatus.PENDING, attempts=3)
    assert email_sweep() == 1
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENT
    assert [m.subject for m in mailoutbox] == ["New API token “nightly import”"]


def test_the_migration_puts_failed_rows_stuck_on_their_subject_back_in_the_queue(personas, mailoutbox):
    stuck = _stuck_row(status=EmailStatus.FAILED, attempts=5)
    other_failure = _stuck_row(status=EmailStatus.FAILED, attempts=5, subject="Refused by the server")
    migration = importlib.import_module("cxq.notifications.migrations.0002_outbox_subjects_on_one_line")
    migration.subjects_on_one_line(apps, None)

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts, stuck.subject) == (EmailStatus.PENDING, 0, "New API token “nightly import”")
    other_failure.refresh_from_db()
    assert other_failure.status == EmailStatus.FAILED  # failed for another reason: left to the admin's retry
    assert email_sweep() == 1
    assert [m.subject for m in mailoutbox] == ["New API token “nightly import”"]


def _stuck_row(*, status: str, attempts: int, subject: str = "New API token “nightly\r\nimport”") -> OutboundEmail:
    """A row as the old code left it: the raw subject, refused by Django on every attempt."""
    return OutboundEmail.objects.create(
        to="agent.a1@example.com",
        subject=subject,
        body_text="A personal API token was created for your account.",
        message_id=f"<{status}-{subject[:5]}-{attempts}@cxq.local>",
        status=status,
        attempts=attempts,
        next_attempt_at=timezone.now(),
        last_error="BadHeaderError: Header values can't contain newlines",
    )
