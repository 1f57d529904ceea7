from __future__ import annotations

import pytest

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC


@pytest.fixture
def card(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


@pytest.fixture
def call(personas):
    return interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]


@pytest.fixture
def draft(personas, card, call):
    from cxq.evaluations.services import evaluation_start

    return evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)


@pytest.fixture
def completed(personas, draft):
    from cxq.evaluations.services import evaluation_save, evaluation_submit

    evaluation_save(by=personas.evaluator, evaluation=draft, answers={"greet": "no", "tone": 4, "disclosure": "yes"})
    draft.refresh_from_db()
    return evaluation_submit(by=personas.evaluator, evaluation=draft)
