"""The background queue (docs/architecture.md#outboxes): the configured Huey storage really round-trips tasks, and the
outbox sweep is scheduled every minute.

Tests run Huey in immediate (in-memory) mode; here a Huey instance is built from ``settings.HUEY``
with immediate mode off, so tasks go through the real storage: SqliteHuey on a temporary file when
REDIS_URL is unset, RedisHuey on REDIS_URL when it is set (CI runs both).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from huey import RedisHuey, SqliteHuey
from huey.contrib import djhuey
from huey.storage import RedisStorage, SqliteStorage

from cxq.notifications import tasks
from cxq.notifications.choices import EmailStatus
from cxq.notifications.models import OutboundEmail
from cxq.notifications.services import notify


def huey_from_settings(tmp_path) -> RedisHuey | SqliteHuey:
    """Build Huey the way huey.contrib.djhuey does from settings.HUEY, but not immediate, with a
    queue name of its own (and, for SQLite, a temporary file) so nothing real is touched."""
    config = dict(settings.HUEY)
    huey_class = import_string(config.pop("huey_class"))
    config.pop("consumer", None)
    config.pop("immediate", None)
    config.update(config.pop("connection", {}))
    config["name"] = f"cxq-test-{uuid.uuid4().hex[:12]}"
    if "filename" in config:
        config["filename"] = str(tmp_path / "queue.sqlite3")
    return huey_class(immediate=False, **config)


@pytest.fixture
def real_huey(tmp_path) -> Iterator[RedisHuey | SqliteHuey]:
    huey = huey_from_settings(tmp_path)
    try:
        yield huey
    finally:
        huey.flush()


def test_the_configured_storage_is_redis_with_redis_url_and_sqlite_without(real_huey):
    assert real_huey.immediate is False
    if settings.REDIS_URL:
        assert isinstance(real_huey, RedisHuey)
        assert isinstance(real_huey.storage, RedisStorage)
        real_huey.storage.conn.ping()
    else:
        assert isinstance(real_huey, SqliteHuey)
        assert isinstance(real_huey.storage, SqliteStorage)
        assert real_huey.storage.filename.endswith("queue.sqlite3")


def test_a_task_enqueued_on_the_configured_storage_is_dequeued_and_executed(real_huey):
    ran: list[tuple[int, str]] = []

    @real_huey.task()
    def record(number: int, word: str) -> str:
        ran.append((number, word))
        return f"{word}-{number}"

    record(7, "seven")

    assert ran == [], "not immediate: the call only enqueues"
    assert real_huey.pending_count() == 1
    task = real_huey.dequeue()
    assert task is not None
    assert task.args == (7, "seven")
    assert real_huey.pending_count() == 0

    assert real_huey.execute(task) == "seven-7"
    assert ran == [(7, "seven")]
    assert real_huey.pending_count() == 0


def test_an_outbox_delivery_survives_the_round_trip_through_the_configured_storage(
    real_huey, personas, mailoutbox, django_capture_on_commit_callbacks
):
    """What the web process enqueues after commit is what the worker runs: the serialised
    deliver_email message goes through the real storage and sends the mail."""
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        note = notify(recipient=personas.agent_a1, kind="test.event", title="Queued via storage")
    mail = OutboundEmail.objects.get(notification=note)

    real_huey.storage.enqueue(djhuey.HUEY.serialize_task(tasks.deliver_email.s(mail.pk)))
    assert real_huey.pending_count() == 1
    message = djhuey.HUEY.deserialize_task(real_huey.storage.dequeue())

    assert djhuey.HUEY.execute(message) is True
    mail.refresh_from_db()
    assert mail.status == EmailStatus.SENT
    assert [m.subject for m in mailoutbox] == ["Queued via storage"]


def test_sweep_outbox_is_a_periodic_task_that_runs_every_minute():
    huey = djhuey.HUEY
    periodic = [type(task) for task in huey._registry.periodic_tasks]
    assert tasks.sweep_outbox.task_class in periodic

    day = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    minutes = [day + dt.timedelta(minutes=m) for m in range(24 * 60)]
    due = [ts for ts in minutes if any(isinstance(t, tasks.sweep_outbox.task_class) for t in huey.read_periodic(ts))]
    assert due == minutes


def test_deliver_email_is_a_registered_task_with_retries():
    registry = djhuey.HUEY._registry
    assert registry.string_to_task(registry.task_to_string(tasks.deliver_email.task_class))
    assert tasks.deliver_email.retries == 2
    assert tasks.deliver_email.retry_delay == 10


def test_the_periodic_sweep_task_delivers_pending_mail(personas, mailoutbox):
    note = notify(recipient=personas.agent_a1, kind="test.event", title="Swept")

    assert tasks.sweep_outbox.call_local() == 1
    assert [m.subject for m in mailoutbox] == ["Swept"]
    assert OutboundEmail.objects.get(notification=note).status == EmailStatus.SENT
