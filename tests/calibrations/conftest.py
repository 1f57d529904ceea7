from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cxq.calibrations import services
from cxq.evaluations import services as ev
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from tests.conftest import make_user
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC


def rating_doc(units: int, *, name: str = "Rating card") -> dict:
    """A scorecard of ``units`` rating-scale questions, options 1..5 worth their value in points,
    none required and N/A allowed — the shape of Krippendorff's reliability-data examples."""
    return {
        "name": name,
        "scoring_mode": "points",
        "sections": [
            {
                "key": "main",
                "title": "Ratings",
                "questions": [
                    {
                        "key": f"u{i}",
                        "text": f"Unit {i}",
                        "type": "rating_scale",
                        "scale": {"min": 1, "max": 5},
                        "allow_na": True,
                        "options": [{"key": str(v), "points": v} for v in range(1, 6)],
                    }
                    for i in range(1, units + 1)
                ],
            }
        ],
    }


def yes_no_doc(units: int) -> dict:
    return {
        "name": "Binary card",
        "scoring_mode": "points",
        "sections": [
            {
                "key": "main",
                "title": "Checks",
                "questions": [
                    {
                        "key": f"u{i}",
                        "text": f"Unit {i}",
                        "type": "yes_no",
                        "options": [{"key": "yes", "points": 1}, {"key": "no", "points": 0}],
                    }
                    for i in range(1, units + 1)
                ],
            }
        ],
    }


def publish(by, document):
    return sc.scorecard_publish(by=by, scorecard=sc.scorecard_create(by=by, document=document))


@pytest.fixture
def card(personas):
    return publish(personas.admin, DOC)


@pytest.fixture
def call(personas):
    return interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]


@pytest.fixture
def due():
    return timezone.now() + timedelta(days=3)


@pytest.fixture
def team_a_evaluators(personas):
    """Two more evaluators leading team A, so four people can assess team A's call."""
    extra = [make_user(f"eval{i}@example.com", f"Extra Evaluator {i}", "evaluator") for i in (2, 3)]
    personas.team_a.leads.add(*extra)
    return extra


@pytest.fixture
def session(personas, card, call, due):
    """supervisor_a's session on team A's call: evaluator, supervisor_a and admin assess; admin is benchmark."""
    return services.session_create(
        by=personas.supervisor_a,
        name="November calibration",
        scorecard=card,
        interaction=call,
        assessors=[personas.evaluator, personas.supervisor_a],
        benchmark=personas.admin,
        due_at=due,
    )


def score(session, user, answers: dict, *, comments: dict | None = None, comment: str = "", submit: bool = True):
    """An assessor fills in their calibration evaluation with the ordinary services."""
    evaluation = services.assessor_start(by=user, session=session)
    evaluation = ev.evaluation_save(
        by=user, evaluation=evaluation, answers=answers, question_comments=comments or {}, comment=comment
    )
    if submit:
        evaluation = ev.evaluation_submit(by=user, evaluation=evaluation)
    return evaluation
