"""Coaching's reactions to other apps' events (subscribed in cxq/wiring.py; docs/coaching.md#withdrawn-focus).

An evaluation voided, deleted or discarded after a coach chose it as focus would leave the session
pointing at nothing (or, deleted, lose the item with it). In the writer's transaction (PROJECTION: a
deletion must detach the items before the row goes), every focus item about it is marked withdrawn and
keeps what it was; restoring a voided evaluation puts its items back. The coach is told by an OUTBOX
subscriber (``notices.on_focus_withdrawn``).
"""

from __future__ import annotations

from django.utils import timezone

from cxq.coaching.choices import Withdrawal
from cxq.coaching.models import FocusItem
from cxq.events import DomainEvent, Name


def evaluation_label(evaluation) -> str:
    """What a focus item's evaluation was, as the session page lists it: scorecard · agent · score."""
    parts = [evaluation.scorecard.name, evaluation.agent.full_name]
    if evaluation.score_percent is not None:
        parts.append(f"{evaluation.score_percent}%")
    return " · ".join(parts)[:300]


def withdrawal_of(event: DomainEvent) -> str:
    return Withdrawal.VOIDED if event.name == Name.EVALUATION_VOIDED else Withdrawal.DELETED


def on_evaluation_withdrawn(event: DomainEvent) -> None:
    """Mark withdrawn the focus items about the voided or deleted evaluation. A deleted one is detached
    (its id kept as ``withdrawn_evaluation``), so the items outlive it; one already withdrawn as voided
    and then deleted becomes ``deleted``."""
    evaluation = event.subject
    items = FocusItem.objects.filter(evaluation=evaluation)
    if not items.exists():
        return
    changes = {
        "withdrawn_at": timezone.now(),
        "withdrawn_reason": withdrawal_of(event),
        "withdrawn_evaluation": evaluation.uuid,
        "withdrawn_label": evaluation_label(evaluation),
    }
    if changes["withdrawn_reason"] == Withdrawal.DELETED:
        changes["evaluation"] = None
    items.update(**changes)


def on_evaluation_restored(event: DomainEvent) -> None:
    """A voided evaluation restored: its focus items are live again."""
    FocusItem.objects.filter(evaluation=event.subject, withdrawn_reason=Withdrawal.VOIDED).update(
        withdrawn_at=None, withdrawn_reason="", withdrawn_evaluation=None, withdrawn_label=""
    )
