"""Publishing and subscribing, explicitly (no Django signals). See docs/architecture.md.

A subscriber runs in one of three phases:

1. ``PROJECTION`` — inside the writer's transaction; it must stay consistent with the write (analytics
   facts, the audit log, an object's history). If it fails, the write fails with it.
2. ``OUTBOX`` — inside the writer's transaction, in a savepoint of its own; it only records work for
   later (a notification, a queued mail, later a webhook delivery) that the worker carries out after
   commit. If it fails, its savepoint is rolled back and the failure logged: the write is never lost.
3. ``AFTER_COMMIT`` — after the writer's transaction commits (``transaction.on_commit``, robust): work
   that must only start once the write is visible, such as queueing a background task. A failure is
   logged and never affects the write.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.db import transaction

from cxq.events.names import Name

logger = logging.getLogger("cxq.events")


class Phase(Enum):
    PROJECTION = "projection"
    OUTBOX = "outbox"
    AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class AuditTrail:
    """What the audit log keeps of an event: the object as before and after, or just that it happened."""

    before: dict | None = None
    after: dict | None = None
    object_type: str | None = None
    object_id: str | None = None
    object_repr: str | None = None


@dataclass(frozen=True)
class DomainEvent:
    name: Name
    subject: Any = None  # the model instance the event is about
    actor: Any = None  # the user who did it; None for the system (sweeps, ingest)
    data: dict = field(default_factory=dict)
    audit: AuditTrail | None = None  # None: not an audited event (or nothing worth auditing this time)


Handler = Callable[[DomainEvent], None]


@dataclass(frozen=True)
class Subscription:
    handler: Handler
    phase: Phase

    @property
    def label(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_registry: dict[Name, list[Subscription]] = defaultdict(list)


def subscribe(names: Name | Iterable[Name], handler: Handler, *, phase: Phase) -> None:
    """Register ``handler`` for these events (idempotent: registering the same pair twice is one)."""
    for name in [names] if isinstance(names, Name) else names:
        sub = Subscription(handler, phase)
        if sub not in _registry[name]:
            _registry[name].append(sub)


def subscribers(name: Name) -> list[Subscription]:
    return list(_registry.get(name, ()))


def publish(
    name: Name,
    *,
    subject: Any = None,
    actor: Any = None,
    data: dict | None = None,
    audit: AuditTrail | None = None,
) -> DomainEvent:
    """Tell every subscriber of ``name`` what happened. Call inside the writer's transaction."""
    event = DomainEvent(name=Name(name), subject=subject, actor=actor, data=dict(data or {}), audit=audit)
    subs = _registry.get(event.name, ())
    for sub in subs:
        if sub.phase is Phase.PROJECTION:
            sub.handler(event)
    for sub in subs:
        if sub.phase is Phase.OUTBOX:
            _run_isolated(sub, event)
        elif sub.phase is Phase.AFTER_COMMIT:
            transaction.on_commit(_after_commit(sub, event), robust=True)
    return event


def _run_isolated(sub: Subscription, event: DomainEvent) -> None:
    try:
        with transaction.atomic():
            sub.handler(event)
    except Exception:
        logger.exception("Subscriber %s failed on %s; the write stands, its effect is lost", sub.label, event.name)


def _after_commit(sub: Subscription, event: DomainEvent) -> Callable[[], None]:
    def run() -> None:
        sub.handler(event)

    run.__qualname__ = f"after_commit[{sub.label}]"
    return run
