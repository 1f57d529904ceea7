"""Evaluations loaded in bulk (the bench seeder, imports) get their facts from the rebuild, and the
``cxq analytics rebuild`` command recomputes the same figures."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command

from cxq.accounts.models import Team
from cxq.analytics import selectors
from cxq.analytics.models import AnswerRollup, EvaluationFact
from cxq.devdata.evaluations import seed_evaluations
from cxq.evaluations.models import Evaluation
from cxq.interactions.services import interaction_bulk_upsert
from tests.analytics.conftest import fast, filters_for, reference
from tests.interactions.conftest import PAYLOAD


def test_seeded_bench_evaluations_get_facts_and_spread_over_the_interactions(personas, today):
    Team.objects.create(name="Bench team 01")
    items = [{**PAYLOAD, "external_id": f"bench-1-{i}"} for i in range(20)]
    interaction_bulk_upsert(payloads=items, enrichment="later")
    assert seed_evaluations(60, seed=3, batch=25) == 60
    assert EvaluationFact.objects.count() == 60
    assert Evaluation.objects.values("interaction_id").distinct().count() == 20  # not one per batch
    f = filters_for(today, date_from=today - timedelta(days=400))
    assert fast(selectors.breakdown(f, selectors.Scope(team_ids=None))) == reference(f)


def test_the_rebuild_command_recomputes_the_same_rollups(personas, today, capsys):
    Team.objects.create(name="Bench team 01")
    items = [{**PAYLOAD, "external_id": f"bench-1-{i}"} for i in range(10)]
    interaction_bulk_upsert(payloads=items, enrichment="later")
    seed_evaluations(30, seed=5, batch=10)
    before = sorted(AnswerRollup.objects.values_list("grain", "kind", "period", "question_key", "answer", "n"))
    AnswerRollup.objects.all().delete()
    call_command("analytics", "rebuild")
    assert "30 counted evaluations" in capsys.readouterr().out
    after = sorted(AnswerRollup.objects.values_list("grain", "kind", "period", "question_key", "answer", "n"))
    assert after == before and after
