"""docs/automations.md#speed: bulk ingest with enrichment and automation matching, with 50 enabled cards
beside the same run with none.

The data and phrase sets are bench_ingest.py's (40-utterance transcripts, 30 phrase sets, batches of 500).
The 50 cards mix every kind of rule (queues, dispositions, channels, languages, indicators mentioned or
absent by side, topics, durations, CSAT, metrics, nested any/all groups); 49 of them name values the data
rarely or never has, so — as in production — most interactions are tried against many cards, and the
last card catches about one voice call in four in the Retention queue and assigns it round-robin to
three evaluators (tasks, notifications and e-mails written as usual).

Measured, each from an empty interactions table:
1. matching alone: ``automations_apply`` over stored, enriched interactions (the conditions in Python);
2. the import path in one process (``interaction_bulk_upsert(enrichment="inline")``), no cards / 50 cards;
3. (--http) the bulk API through ``cxq serve`` (gunicorn + worker) until enriched and matched, no cards /
   50 cards.
Every figure is printed with the load average, and bench_scoring.py's rate is measured in the same run as
a reference for comparing machines.

Run by hand: .venv/bin/python bench/bench_automations.py [--interactions 4000] [--http] [--no-inline]
(SQLite in a throw-away directory; with DATABASE_URL, on that PostgreSQL database: give it an empty one, the
bench creates its users and deletes every interaction in it.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ingest  # noqa: E402  (sets up Django on a throw-away database)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f}"


def scoring_rate() -> float:
    """bench_scoring.py's score() rate (percentage mode, 50 questions), as a reference for this machine."""
    import random

    from bench_scoring import fifty_question_scorecard, random_answers

    from cxq.scoring import compile_scorecard, normalize_answers, parse_document, score

    card = parse_document(fifty_question_scorecard("percentage"))
    compiled = compile_scorecard(card)
    rng = random.Random(1)
    answers = [normalize_answers(compiled, random_answers(card, rng)) for _ in range(2000)]
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for i in range(40_000):
            score(compiled, answers[i % 2000])
        best = max(best, 40_000 / (time.perf_counter() - start))
    return best


def cards(admin, evaluators) -> None:
    """50 enabled cards; only the last one matches a real share of the generated data."""
    from cxq.automations.services import rule_create
    from cxq.interactions.models import PhraseSet
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    card = sc.scorecard_publish(by=admin, scorecard=sc.scorecard_create(by=admin, document=DOC))
    sets = {s.name: str(s.uuid) for s in PhraseSet.objects.all()}
    indicator = next(iter(sets.values()))
    kinds = [
        lambda i: {"all": [{"field": "queue", "op": "is", "value": f"Queue {i}"}]},
        lambda i: {"all": [{"field": "disposition", "op": "in", "value": [f"Outcome {i}", f"Outcome {i + 1}"]}]},
        lambda i: {
            "all": [
                {"field": "channel", "op": "is", "value": "sms"},
                {"field": "language", "op": "is", "value": "fi"},
            ]
        },
        lambda i: {
            "all": [
                {"field": "indicator", "op": "is", "value": indicator, "side": "customer"},
                {"field": "queue", "op": "is", "value": f"Queue {i}"},
            ]
        },
        lambda i: {"all": [{"field": "duration", "op": "gt", "value": 100_000 + i}]},
        lambda i: {"all": [{"field": "csat", "op": "is", "value": 1}, {"field": "queue", "op": "is", "value": "X"}]},
        lambda i: {"all": [{"field": "metric.silence_count", "op": "gt", "value": 500 + i}]},
        lambda i: {
            "any": [
                {"field": "topic", "op": "is", "value": f"Topic {i}"},
                {
                    "all": [
                        {"field": "channel", "op": "is", "value": "email"},
                        {"field": "csat", "op": "lt", "value": 1},
                    ]
                },
            ]
        },
        lambda i: {
            "all": [
                {"field": "without_indicator", "op": "is", "value": indicator, "side": "agent"},
                {"field": "disposition", "op": "is", "value": f"Outcome {i}"},
            ]
        },
    ]
    for i in range(49):
        rule_create(by=admin, name=f"Card {i}", condition=kinds[i % len(kinds)](i), scorecard=card, pool=evaluators)
    rule_create(
        by=admin,
        name="Retention voice calls",
        condition={
            "all": [
                {"field": "channel", "op": "is", "value": "voice"},
                {"field": "queue", "op": "is", "value": "Retention"},
            ]
        },
        scorecard=card,
        pool=evaluators,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=4000)
    parser.add_argument("--http", action="store_true", help="Also time the bulk API through `cxq serve`")
    parser.add_argument("--repeat", type=int, default=1, help="HTTP runs of each kind, alternating")
    parser.add_argument("--no-inline", action="store_true", help="Skip the in-process measurements (1., 2.)")
    args = parser.parse_args()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from cxq.accounts.models import Role
    from cxq.accounts.services import roles_ensure_builtin, user_create
    from cxq.automations.models import Match, Rule
    from cxq.devdata.generator import AgentSpec, payloads
    from cxq.enrichment.language import detect_language
    from cxq.evaluations.models import Assignment
    from cxq.interactions.services import AgentResolver, Enrichment, interaction_bulk_upsert
    from cxq.lib.gc import bulk_gc

    roles_ensure_builtin()
    admin = user_create(by=None, email="auto.admin@cxq.test", full_name="Admin", role=Role.objects.get(key="admin"))
    # the bench's agents belong to no team: evaluators who see every team may take their calls
    evaluator = Role.objects.get(key="admin")
    evaluators = [
        user_create(by=None, email=f"eval{i}@cxq.test", full_name=f"Evaluator {i}", role=evaluator) for i in range(3)
    ]
    bench_ingest.phrase_sets(admin)
    agents = [AgentSpec(email=f"agent{i}@cxq.test", name=f"Agent {i}") for i in range(50)]
    # a stretched email thread can run past the week an utterance's time may reach: leave those out
    stretched = (bench_ingest.stretch(p) for p in payloads(args.interactions * 2, agents, seed=5))
    fits = (p for p in stretched if all(u["end"] <= 604_800 for u in p["transcript"]))
    items = [p for _, p in zip(range(args.interactions), fits, strict=False)]
    detect_language(["warm up the language model please"], hint=None)
    bulk_gc().__enter__()
    n = len(items)
    print(f"{n} interactions × 40 utterances, 30 phrase sets, batches of 500; {load()}")
    print(f"  reference: bench_scoring score() {scoring_rate():,.0f} evaluations/s; {load()}")

    def clear() -> None:
        from cxq.notifications.models import Notification, OutboundEmail

        Match.objects.all().delete()
        Assignment.objects.all().delete()
        OutboundEmail.objects.all().delete()
        Notification.objects.all().delete()
        bench_ingest.empty_the_database()

    def inline(tag: str) -> float:
        for item in items:
            item["external_id"] = f"{item['external_id'].split('~', 1)[0]}~{tag}"
        clear()
        resolver = AgentResolver.from_settings()
        t0 = time.perf_counter()
        for start in range(0, n, 500):
            report = interaction_bulk_upsert(
                payloads=items[start : start + 500], resolver=resolver, enrichment=Enrichment.INLINE
            )
            assert not report.errors, report.errors[:2]
        return time.perf_counter() - t0

    if args.no_inline:
        cards(admin, evaluators)
    else:
        seconds = inline("none")
        print(f"  import path, no cards: {n / seconds:,.0f}/s; {load()}")
        cards(admin, evaluators)
        assert Rule.objects.filter(enabled=True).count() == 50
        seconds = inline("cards")
        fired = Match.objects.count()
        print(
            f"  import path, 50 enabled cards: {n / seconds:,.0f}/s ({fired} fired, "
            f"{Assignment.objects.count()} tasks); {load()}"
        )

        # matching alone, over what was just stored and enriched
        from cxq.automations.services import automations_apply
        from cxq.interactions.models import Interaction

        ids = list(Interaction.objects.values_list("pk", flat=True))
        from cxq.automations.services import enabled_rules, first_match

        rows = list(Interaction.objects.filter(pk__in=ids).defer("transcript_text"))
        rules = enabled_rules()
        t0 = time.perf_counter()
        for row in rows:
            first_match(row, rules)
        seconds = time.perf_counter() - t0
        print(f"  conditions only (50 cards, interactions already loaded): {n / seconds:,.0f}/s; {load()}")
        Match.objects.all().delete()
        # no writes: the conditions only (updated_at moves so the compiled cards are rebuilt)
        Rule.objects.filter(name="Retention voice calls").update(enabled=False, updated_at=timezone.now())
        t0 = time.perf_counter()
        for start in range(0, len(ids), 500):
            with transaction.atomic():  # as on the ingest path: inside its transaction
                automations_apply(interaction_ids=ids[start : start + 500])
        seconds = time.perf_counter() - t0
        print(
            f"  matching a stored batch (49 cards; the batch read again from the database): {n / seconds:,.0f}/s; "
            f"{load()}"
        )
        Rule.objects.filter(name="Retention voice calls").update(enabled=True, updated_at=timezone.now())

    if args.http:
        runs = [run for r in range(args.repeat) for run in ((f"http-none{r}", False), (f"http-cards{r}", True))]
        for tag, enabled in runs:
            Rule.objects.update(enabled=enabled, updated_at=timezone.now())
            for item in items:
                item["external_id"] = f"{item['external_id'].split('~', 1)[0]}~{tag}"
            clear()
            seconds = bench_ingest.over_http(items, admin, "process")  # `cxq serve`'s default on Linux
            label = "50 enabled cards" if enabled else "no cards"
            print(
                f"  POST /api/v1/interactions/bulk to `cxq serve`, until enriched and matched, {label}: "
                f"{n / seconds:,.0f}/s ({Match.objects.count()} fired); {load()}"
            )
    print(f"  reference again: bench_scoring score() {scoring_rate():,.0f} evaluations/s; {load()}")


if __name__ == "__main__":
    main()
