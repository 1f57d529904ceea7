"""PF-2: bulk ingest with enrichment — interactions per second through the bulk path.

40-utterance transcripts, 30 phrase sets. Times `interaction_bulk_upsert` (validation, agent
matching, inserts) and then enrichment of the same batch (`enrich_ids`: matching, metrics,
language, storing hits), in batches of 500, on a throw-away database.
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
    from cxq.interactions.services import AgentResolver, interaction_bulk_upsert

    roles_ensure_builtin()
    admin = user_create(by=None, email="ingest.admin@cxq.test", full_name="Admin", role=Role.objects.get(key="admin"))
    phrase_sets(admin)
    agents = [AgentSpec(email=f"agent{i}@cxq.test", name=f"Agent {i}") for i in range(50)]
    items = [stretch(p) for p in payloads(args.interactions, agents, seed=5)]
    resolver = AgentResolver.from_settings()
    ingest = enrich = 0.0
    for start in range(0, len(items), 500):
        batch = items[start : start + 500]
        t0 = time.perf_counter()
        report = interaction_bulk_upsert(payloads=batch, resolver=resolver, queue_enrichment=False)
        t1 = time.perf_counter()
        enrich_ids(report.ids)
        t2 = time.perf_counter()
        ingest += t1 - t0
        enrich += t2 - t1
        assert not report.errors, report.errors[:2]
    n = len(items)
    print(f"{n} interactions × 40 utterances, 30 phrase sets:")
    print(
        f"  bulk upsert (validate + insert) {n / ingest:,.0f}/s; enrichment {n / enrich:,.0f}/s; "
        f"both {n / (ingest + enrich):,.0f}/s"
    )


if __name__ == "__main__":
    main()
