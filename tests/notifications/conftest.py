"""Fixtures for the notification tests: a real SMTP server on loopback, a refused port, a clock.

``smtp`` starts aiosmtpd on 127.0.0.1 (a free port) and points Django's SMTP backend at it for the
test; ``smtp_down`` points it at a port nobody listens on (connection refused).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cxq.notifications.models import Notification, OutboundEmail
from cxq.notifications.services import notify


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_settings(port: int) -> override_settings:
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    )


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class CollectingHandler:
    """aiosmtpd handler that keeps every accepted message; mail to ``reject_to`` gets a 554."""

    received: list[Received] = field(default_factory=list)
    reject_to: set[str] = field(default_factory=set)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        if self.reject_to.intersection(envelope.rcpt_tos):
            return "554 5.7.1 Rejected by the test server"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Accepted"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: CollectingHandler

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.handler.received]

    @property
    def envelopes(self) -> list[Received]:
        return list(self.handler.received)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; Django sends to it for the duration of the test."""
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_down() -> Iterator[int]:
    """Django's SMTP backend pointed at a loopback port with no server: every send is refused."""
    port = free_port()
    with smtp_settings(port):
        yield port


class Clock:
    """Freezes ``django.utils.timezone.now`` (services and auto_now fields) and moves it on demand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    clk = Clock(timezone.now().replace(microsecond=0))
    with mock.patch("django.utils.timezone.now", clk):
        yield clk


def notify_committed(recipient, **kwargs) -> Notification:
    """Call ``notify`` inside a transaction that really commits (needs ``transactional_db``)."""
    with transaction.atomic():
        note = notify(
            recipient=recipient,
            kind=kwargs.pop("kind", "test.event"),
            title=kwargs.pop("title", "Your evaluation is ready"),
            body=kwargs.pop("body", "Score: 92 / 100"),
            url=kwargs.pop("url", "/evaluations/1/"),
            **kwargs,
        )
    assert note is not None
    return note


def outbox_row_for(note: Notification) -> OutboundEmail:
    return OutboundEmail.objects.get(notification=note)
