"""Which domain events leave CXQ as webhooks, under which public name and with which payload
(docs/webhooks.md#events). A feature that adds an outbound event adds one ``WebhookEvent`` here:
cxq/wiring.py subscribes every ``sources`` name, the endpoint form and the API list ``EVENTS``.

A builder gets the domain event and returns the payload's ``object`` (plain JSON), or None when this
occurrence is not for the outside (a calibration assessor's evaluation, say). Payload shapes are
versioned: a change that removes or renames a field is a new ``version``; adding a field is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.urls import reverse

from cxq.evaluations.sources import source_policy
from cxq.events import DomainEvent, Name
from cxq.lib.urls import absolute_url

TEST_EVENT = "webhook.test"
VALIDATION_EVENT = "endpoint.url_validation"


@dataclass(frozen=True)
class WebhookEvent:
    name: str  # the public name receivers see
    version: int
    description: str
    sources: tuple[Name, ...]  # the domain events it is sent for
    build: Callable[[DomainEvent], dict | None]


def _id(obj) -> str | None:
    return str(obj.uuid) if obj is not None else None


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def evaluation_object(evaluation) -> dict | None:
    """The widely used evaluation shape (docs/webhooks.md#evaluation-object)."""
    if not source_policy(evaluation.source).listed:  # calibration assessments stay inside
        return None
    ratio = evaluation.score_percent / 100 if evaluation.score_percent is not None else None
    return {
        "evaluation_id": str(evaluation.uuid),
        "interaction_id": str(evaluation.interaction.uuid),
        "interaction_external_id": evaluation.interaction.external_id,
        "agent_user_id": _id(evaluation.agent),
        "agent_email": evaluation.agent.email,
        "evaluator_user_id": _id(evaluation.evaluator),
        "team_id": _id(evaluation.team),
        "scorecard_id": str(evaluation.scorecard.uuid),
        "scorecard_name": evaluation.scorecard.name,
        "scorecard_version": evaluation.version.number,
        "scoring_format": evaluation.version.document.get("scoring_mode", "percentage"),
        "total_possible_score": _number(evaluation.possible),
        "evaluation_score": _number(evaluation.earned),
        "evaluation_score_ratio": _number(ratio),
        "passed": evaluation.passed,
        "auto_failed": evaluation.auto_failed,
        "evaluation_type": evaluation.source,
        "status": evaluation.status,
        "completed_at": _when(evaluation.completed_at),
        "url": absolute_url(reverse("evaluations:detail", args=[evaluation.uuid])),
    }


def _evaluation(event: DomainEvent) -> dict | None:
    return evaluation_object(event.subject)


def _disputed(event: DomainEvent) -> dict | None:
    obj = evaluation_object(event.subject)
    if obj is not None:
        obj["dispute"] = {"questions": list(event.data.get("questions", ())), "raised_by_user_id": _id(event.actor)}
    return obj


def _dispute_answered(event: DomainEvent) -> dict | None:
    obj = evaluation_object(event.subject)
    if obj is not None:
        obj["dispute"] = {
            "adjusted": bool(event.data.get("adjusted")),
            "reaffirmed_questions": list(event.data.get("reaffirmed", ())),
            "answered_by_user_id": _id(event.actor),
        }
    return obj


def _acknowledged(event: DomainEvent) -> dict | None:
    obj = evaluation_object(event.subject)
    if obj is not None:
        obj["acknowledged_at"] = _when(event.subject.acknowledged_at)
        obj["automatic"] = event.name == Name.EVALUATION_AUTO_ACKNOWLEDGED
    return obj


def _enriched(event: DomainEvent) -> dict | None:
    from cxq.interactions.models import Interaction

    ids = event.data.get("interaction_ids") or []
    rows = Interaction.objects.filter(pk__in=ids).select_related("agent").order_by("pk")
    interactions = [
        {
            "interaction_id": str(i.uuid),
            "external_id": i.external_id,
            "channel": i.channel,
            "agent_user_id": _id(i.agent),
            "started_at": _when(i.started_at),
            "enrichment_status": i.enrichment_status,
            "url": absolute_url(reverse("interactions:detail", args=[i.uuid])),
        }
        for i in rows
    ]
    return {"interactions": interactions} if interactions else None


def _calibration(event: DomainEvent) -> dict | None:
    session = event.subject
    from cxq.accounts.models import User

    assessors = User.objects.filter(pk__in=event.data.get("assessors", ())).order_by("pk")
    return {
        "calibration_id": str(session.uuid),
        "name": session.name,
        "interaction_id": str(session.interaction.uuid),
        "agent_user_id": _id(session.agent),
        "scorecard_name": session.scorecard.name,
        "scorecard_version": session.version.number,
        "benchmark_user_id": _id(session.benchmark),
        "assessor_user_ids": [str(u.uuid) for u in assessors],
        "closed_at": _when(session.closed_at),
        "url": absolute_url(reverse("calibrations:detail", args=[session.uuid])),
    }


def _goal_period(event: DomainEvent) -> dict | None:
    from cxq.accounts.models import User

    goal, data = event.subject, event.data
    counts = data.get("per_evaluator") or {}
    people = {str(u.pk): str(u.uuid) for u in User.objects.filter(pk__in=[int(k) for k in counts]).only("uuid")}
    return {
        "goal_id": str(goal.uuid),
        "name": goal.name,
        "scorecard_id": str(goal.scorecard.uuid),
        "period_start": data.get("period_start"),
        "period_end": data.get("period_end"),
        "eligible": data.get("eligible"),
        "tasks_created": data.get("drawn"),
        "tasks_per_evaluator": {people[k]: n for k, n in counts.items() if k in people},
        "url": absolute_url(reverse("goals:detail", args=[goal.uuid])),
    }


EVENTS: tuple[WebhookEvent, ...] = (
    WebhookEvent("evaluation.completed", 1, "An evaluation was submitted.", (Name.EVALUATION_COMPLETED,), _evaluation),
    WebhookEvent("evaluation.disputed", 1, "The agent disputed answers.", (Name.EVALUATION_DISPUTED,), _disputed),
    WebhookEvent(
        "evaluation.dispute_answered",
        1,
        "A dispute was answered (answers reaffirmed or adjusted).",
        (Name.EVALUATION_DISPUTE_ANSWERED,),
        _dispute_answered,
    ),
    WebhookEvent(
        "evaluation.acknowledged",
        1,
        "The agent acknowledged an evaluation, or it was acknowledged automatically when its time ran out.",
        (Name.EVALUATION_ACKNOWLEDGED, Name.EVALUATION_AUTO_ACKNOWLEDGED),
        _acknowledged,
    ),
    WebhookEvent(
        "interaction.enriched",
        1,
        "Interactions were analysed (transcript metrics, indicators, topics); one event per batch.",
        (Name.INTERACTION_ENRICHED,),
        _enriched,
    ),
    WebhookEvent(
        "calibration.completed",
        1,
        "A calibration session was closed.",
        (Name.CALIBRATION_CLOSED,),
        _calibration,
    ),
    WebhookEvent(
        "goal.period_generated",
        1,
        "A goal drew its tasks for a period (none on a re-run of the same period).",
        (Name.GOAL_PERIOD_GENERATED,),
        _goal_period,
    ),
)

BY_NAME: dict[str, WebhookEvent] = {e.name: e for e in EVENTS}
CHOICES: list[tuple[str, str]] = [(e.name, e.name) for e in EVENTS]


def sources() -> tuple[Name, ...]:
    """Every domain event some webhook is sent for (what cxq/wiring.py subscribes)."""
    return tuple(dict.fromkeys(name for e in EVENTS for name in e.sources))


def for_source(name: Name) -> list[WebhookEvent]:
    return [e for e in EVENTS if name in e.sources]
