from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cxq.coaching import services
from cxq.coaching.services import FocusInput, SessionInput


def completed_evaluation(by, agent, answers=None, external_id="coach-1"):
    from cxq.accounts.models import User
    from cxq.evaluations import services as ev
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from cxq.scorecards import services as sc
    from cxq.scorecards.models import Scorecard
    from tests.interactions.conftest import PAYLOAD
    from tests.scorecards.conftest import DOC

    card = Scorecard.objects.filter(name=DOC["name"]).first()
    if card is None:
        admin = User.objects.get(email__startswith="admin")
        card = sc.scorecard_publish(by=admin, scorecard=sc.scorecard_create(by=admin, document=DOC))
    payload = {**PAYLOAD, "external_id": external_id, "agent": {"email": agent.email}}
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    evaluation = ev.evaluation_start(by=by, interaction=interaction, scorecard=card)
    ev.evaluation_save(by=by, evaluation=evaluation, answers=answers or {"greet": "no", "disclosure": "yes"})
    return ev.evaluation_submit(by=by, evaluation=evaluation)


def session_input(coach, agents, **extra) -> SessionInput:
    values = {
        "title": "Greeting practice",
        "agents": agents,
        "coach": coach,
        "kind": "video",
        "starts_at": timezone.now().replace(microsecond=0) + timedelta(days=2),
        "duration_minutes": 30,
        "meeting_url": "https://meet.example.com/abc",
    }
    values.update(extra)
    return SessionInput(**values)


@pytest.fixture
def evaluation(personas):
    return completed_evaluation(personas.evaluator, personas.agent_a1)


@pytest.fixture
def session(personas, evaluation):
    data = session_input(
        personas.supervisor_a,
        [personas.agent_a1],
        focus=[
            FocusInput(kind="evaluation", evaluation=evaluation),
            FocusInput(kind="question", evaluation=evaluation, question_key="greet"),
            FocusInput(kind="note", note="Use the customer's name"),
        ],
    )
    return services.session_create(by=personas.supervisor_a, data=data, origin="evaluation", evaluation=evaluation)


__all__ = ["FocusInput", "completed_evaluation", "session_input"]
