"""What evaluations keep of other apps' data, kept in step through domain events (cxq/wiring.py)."""

from __future__ import annotations

from cxq.evaluations.models import Evaluation
from cxq.events import DomainEvent


def on_user_updated(event: DomainEvent) -> None:
    """A person's name may have changed (by an administrator, SCIM or on their own profile): the evaluations
    of them as agent carry the name the table sorts by (docs/evaluations.md#sorting-by-agent). In the
    writer's transaction, so the sort never shows an old name after the rename commits."""
    user = event.subject
    name = user.full_name
    Evaluation.objects.filter(agent_id=user.pk).exclude(agent_name=name).update(agent_name=name)
