from __future__ import annotations

from decimal import Decimal

from cxq.accounts.models import Team
from cxq.devdata.evaluations import seed_evaluations
from cxq.evaluations.models import Evaluation
from cxq.evaluations.selectors import evaluation_list
from cxq.evaluations.views import _result
from cxq.interactions.services import interaction_bulk_upsert
from tests.interactions.conftest import PAYLOAD


def test_bench_evaluations_are_scored_like_the_engine_scores_them(personas):
    Team.objects.create(name="Bench team 01")
    items = [{**PAYLOAD, "external_id": f"bench-1-{i}"} for i in range(20)]
    interaction_bulk_upsert(payloads=items, enrichment="later")
    assert seed_evaluations(60, seed=3, batch=25) == 60
    assert Evaluation.objects.count() == 60
    for evaluation in Evaluation.objects.select_related("version")[:20]:
        expected = _result(evaluation)["score_percent"]
        assert evaluation.score_percent == (
            None if expected is None else Decimal(str(expected)).quantize(Decimal("0.01"))
        )
    assert len(list(evaluation_list(viewer=personas.admin, status="acknowledged")[:50])) > 0
