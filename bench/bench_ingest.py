"""PF-2: bulk ingest with enrichment — interactions per second through the bulk path.

40-utterance transcripts, 30 phrase sets, batches of 500, on a throw-away database. Times the two bulk
paths: the import path (`interaction_bulk_upsert(enrichment="inline")`: validation, agent matching,
enrichment from the payloads, inserts of interactions, utterances and hits in one pass) and the API path
(store, then `enrich_ids` as the worker does: re-reads utterances, stores hits and fields).
Also (3): the API bulk path as deployed — batches stored with enrichment queued while a `cxq worker`
process enriches them alongside; timed until every interaction is enriched.
Run by hand: .venv/bin/python bench/bench_ingest.py [--interactions 4000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CXQ_VAR_DIR", tempfile.mkdtemp(prefix="cxq-ingest-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PHRASES = [
    ("Greeting", "agent", ["thank you for calling", "how can i help", "good morning", "welcome to"]),
    ("Verification", "agent", ["date of birth", "postcode", "security question", "verify your"]),
    ("Empathy", "agent", ["i understand", "i am sorry", "i apologise", "that must be frustrating"]),
    ("Hold", "agent", ["put you on hold", "bear with me", "one moment please"]),
    ("Disclosure", "agent", ["this call is recorded", "recorded for quality"]),
    ("Escalation", "customer", ["speak to a manager", "supervisor", "make a complaint"]),
    ("Cancellation", "customer", ["cancel my", "close my account", "terminate"]),
    ("Refund", "customer", ["refund", "money back", "charged twice"]),
    ("Outage", "customer", ["not working", "internet is down", "no signal"]),
    ("Closing", "agent", ["anything else", "have a great day", "thanks for your patience"]),
]


def phrase_sets(admin) -> None:
    from cxq.interactions.phrases import phrase_set_create

    for n in range(30):
        name, side, phrases = PHRASES[n % len(PHRASES)]
        phrase_set_create(
            by=admin, name=f"{name} {n}", side=side, phrases=phrases, kind="topic" if n % 3 == 0 else "indicator"
        )


def stretch(payload: dict, length: int = 40) -> dict:
    """Repeat the conversation, later in time, until it has ``length`` utterances (PF-2's size)."""
    turns, out, offset = payload["transcript"], [], 0.0
    while turns and len(out) < length:
        for u in turns:
            if len(out) == length:
                break
            out.append({**u, "start": u["start"] + offset, "end": u["end"] + offset})
        offset = out[-1]["end"] + 1.0
    payload = {**payload, "transcript": out}
    payload.pop("duration_seconds", None)
    payload.pop("ended_at", None)
    return payload


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=4000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from cxq.accounts.models import Role
    from cxq.accounts.services import roles_ensure_builtin, user_create
    from cxq.interactions.enrich import enrich_ids
    from cxq.interactions.generator import AgentSpec, payloads
    from cxq.interactions.services import AgentResolver, Enrichment, interaction_bulk_upsert

    roles_ensure_builtin()
    admin = user_create(by=None, email="ingest.admin@cxq.test", full_name="Admin", role=Role.objects.get(key="admin"))
    phrase_sets(admin)
    agents = [AgentSpec(email=f"agent{i}@cxq.test", name=f"Agent {i}") for i in range(50)]
    items = [stretch(p) for p in payloads(args.interactions, agents, seed=5)]
    # A worker or import process loads the language model once; load it before timing.
    from cxq.interactions.enrichment.language import detect_language

    detect_language(["warm up the language model please"], hint=None)
    n = len(items)
    print(f"{n} interactions × 40 utterances, 30 phrase sets, batches of 500:")
    # as `cxq interactions import` and the enrichment task run (cxq.lib.gc.bulk_gc)
    from cxq.lib.gc import bulk_gc

    gc_settings = bulk_gc()
    gc_settings.__enter__()

    # 1. The import path: validate, match agents, enrich from the payloads, write — one pass.
    resolver = AgentResolver.from_settings()
    t0 = time.perf_counter()
    for start in range(0, n, 500):
        report = interaction_bulk_upsert(
            payloads=items[start : start + 500], resolver=resolver, enrichment=Enrichment.INLINE
        )
        assert not report.errors, report.errors[:2]
    inline = time.perf_counter() - t0
    print(f"  inline (import path, enriched in the same pass): {n / inline:,.0f}/s")

    # 2. The API path: store now, enrich afterwards (what the worker does), on fresh external ids.
    for item in items:
        item["external_id"] = f"{item['external_id']}-queued"
    ingest = enrich = 0.0
    for start in range(0, n, 500):
        t0 = time.perf_counter()
        report = interaction_bulk_upsert(
            payloads=items[start : start + 500], resolver=resolver, enrichment=Enrichment.LATER
        )
        t1 = time.perf_counter()
        enrich_ids(report.ids)
        t2 = time.perf_counter()
        ingest += t1 - t0
        enrich += t2 - t1
        assert not report.errors, report.errors[:2]
    print(
        f"  stored then enriched (API bulk + worker): upsert {n / ingest:,.0f}/s; enrichment {n / enrich:,.0f}/s; "
        f"both {n / (ingest + enrich):,.0f}/s (one process doing both in turn)"
    )

    # 3. As deployed: this process stores the batches with enrichment queued (the API's bulk call),
    #    while a `cxq worker` process (Huey, the other core) enriches them; until every one is enriched.
    for item in items:
        item["external_id"] = item["external_id"].replace("-queued", "-pipelined")
    pipelined = pipeline(items, resolver)
    print(f"  API bulk with a worker enriching alongside (two processes): {n / pipelined:,.0f}/s end to end")


def pipeline(items: list[dict], resolver) -> float:
    import subprocess

    from cxq.interactions.models import Interaction

    env = {**os.environ, "CXQ_WORKER_THREADS": "1"}
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "cxq.cli", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(3)  # the consumer starts; its first task still loads the language model (counted)
        t0 = time.perf_counter()
        ids = []
        for start in range(0, len(items), 500):
            report = interaction_bulk_upsert_queued(items[start : start + 500], resolver)
            ids.extend(report.ids)
        while Interaction.objects.filter(pk__in=ids, enrichment_status="pending").exists():
            time.sleep(0.05)
        return time.perf_counter() - t0
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def interaction_bulk_upsert_queued(batch: list[dict], resolver):
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    report = interaction_bulk_upsert(payloads=batch, resolver=resolver, enrichment=Enrichment.QUEUE)
    assert not report.errors, report.errors[:2]
    return report


if __name__ == "__main__":
    main()
