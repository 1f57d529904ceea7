"""An evaluation's history (its ``Event`` rows) is a projection of the domain events about it."""

from __future__ import annotations

from cxq.evaluations.models import Event
from cxq.events import DomainEvent, Name

# The events shown in an evaluation's history, in the order they can happen.
HISTORY_EVENTS = (
    Name.EVALUATION_STARTED,
    Name.EVALUATION_COMPLETED,
    Name.EVALUATION_ACKNOWLEDGED,
    Name.EVALUATION_AUTO_ACKNOWLEDGED,
    Name.EVALUATION_DISPUTED,
    Name.EVALUATION_DISPUTE_ANSWERED,
    Name.EVALUATION_VOIDED,
    Name.EVALUATION_RESTORED,
    Name.EVALUATION_ADOPTED,
)


def record(event: DomainEvent) -> None:
    actor = event.actor if getattr(event.actor, "pk", None) else None
    data = {k: v for k, v in event.data.items() if k not in ("note",)}
    Event.objects.create(evaluation=event.subject, actor=actor, kind=event.name.value, data=data)
