"""docs/performance.md#ingest-throughput: bulk ingest with enrichment — interactions per second through the bulk path.

40-utterance transcripts, 30 distinct phrase sets (3-10 phrases each), batches of 500, on a throw-away
database. Times the two bulk
paths: the import path (`interaction_bulk_upsert(enrichment="inline")`: validation, agent matching,
enrichment from the payloads, inserts of interactions, utterances and hits in one pass) and the API path
(store, then `enrich_ids` as the worker does: re-reads utterances, stores hits and fields).
Also (3): the API bulk path — batches stored with enrichment queued while a `cxq worker` process
enriches them alongside; timed until every interaction is enriched. (5) is the same over HTTP, as a
client sees it: `cxq serve` (gunicorn and the worker), batches POSTed to /api/v1/interactions/bulk.
Each measurement starts from an empty interactions table.
Run by hand: .venv/bin/python bench/bench_ingest.py [--interactions 4000] [--jobs 1 2] [--only import|http]
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

# 30 distinct indicators and topics: the 13 the demo ships (phrases its conversations use) and 17
# more of the kind a contact centre adds, some of which the generated conversations never say.
EXTRA_SETS = (
    (
        "Ownership",
        "indicator",
        "agent",
        ["I'll take care of", "I'll sort this out", "leave it with me", "I'll make sure"],
    ),
    ("Callback promised", "indicator", "agent", ["call you back", "follow up with you", "get back to you"]),
    ("Retention offer", "indicator", "agent", ["lower price", "keep you", "special offer for you", "discount"]),
    (
        "Troubleshooting",
        "indicator",
        "agent",
        ["restart the router", "unplug it", "lights you see", "check the service status"],
    ),
    ("Goodwill credit", "indicator", "agent", ["goodwill gesture", "one-off credit", "credited for the downtime"]),
    (
        "Security check",
        "indicator",
        "agent",
        ["for security", "security question", "last four digits", "one-time code"],
    ),
    (
        "Next steps",
        "indicator",
        "agent",
        ["confirmation email", "you'll get a text", "within 48 hours", "reference number"],
    ),
    (
        "Prohibited language",
        "indicator",
        "agent",
        ["there's nothing I can do", "that's not my department", "you'll have to call back", "calm down"],
    ),
    ("Frustration", "indicator", "customer", ["that's been weeks", "nobody told me", "that's annoying", "third time"]),
    ("Satisfaction", "indicator", "customer", ["that's fair", "thanks for your help", "that's great", "very helpful"]),
    ("Competitor", "indicator", "customer", ["cheaper elsewhere", "switching to", "better deal", "competitor"]),
    ("Payment details", "topic", "any", ["card ending", "expiry date", "bank statement", "Visa ending"]),
    ("Moving house", "topic", "any", ["moving house", "move my service", "new address", "when I move"]),
    ("Contract", "topic", "any", ["contract end date", "contract length", "contract ends", "minimum term"]),
    ("App problems", "topic", "any", ["app crashes", "app closes", "last update", "reinstall the app"]),
    ("Roaming", "topic", "any", ["roaming charges", "trip abroad", "data abroad"]),
    ("Premium content", "topic", "any", ["pay-per-view", "premium channel", "sports package"]),
)


def phrase_sets(admin) -> None:
    from cxq.devdata.demo.interactions import PHRASE_SETS
    from cxq.interactions.phrases import phrase_set_create

    sets = [(name, kind, side, phrases) for name, kind, side, phrases, _ in PHRASE_SETS] + list(EXTRA_SETS)
    assert len(sets) == 30 and len({name for name, *_ in sets}) == 30
    for name, kind, side, phrases in sets:
        phrase_set_create(by=admin, name=name, side=side, phrases=phrases, kind=kind)


def stretch(payload: dict, length: int = 40) -> dict:
    """Repeat the conversation, later in time, until it has ``length`` utterances
    (docs/performance.md#ingest-throughput's size)."""
    # Times are laid end to end (each turn at most a minute, one second apart): an e-mail thread's
    # turns are hours apart, and repeated 40 times they would pass the 7-day cap on an interaction.
    turns, out, clock = payload["transcript"], [], 0.0
    while turns and len(out) < length:
        for u in turns:
            if len(out) == length:
                break
            spoken = min(max(u["end"] - u["start"], 1.0), 60.0)
            out.append({**u, "start": clock, "end": clock + spoken})
            clock += spoken + 1.0
    payload = {**payload, "transcript": out}
    payload.pop("duration_seconds", None)
    payload.pop("ended_at", None)
    return payload


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=4000)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="Import processes to time (4.)")
    parser.add_argument(
        "--only", choices=["import", "http"], default=None, help="Time the file import (4.) or HTTP (5.) only"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from cxq.accounts.models import Role
    from cxq.accounts.services import roles_ensure_builtin, user_create
    from cxq.devdata.generator import AgentSpec, payloads

    roles_ensure_builtin()
    admin = user_create(by=None, email="ingest.admin@cxq.test", full_name="Admin", role=Role.objects.get(key="admin"))
    phrase_sets(admin)
    agents = [AgentSpec(email=f"agent{i}@cxq.test", name=f"Agent {i}") for i in range(50)]
    items = [stretch(p) for p in payloads(args.interactions, agents, seed=5)]
    # A worker or import process loads the language model once; load it before timing.
    from cxq.enrichment.language import detect_language

    detect_language(["warm up the language model please"], hint=None)
    n = len(items)
    print(f"{n} interactions × 40 utterances, 30 phrase sets, batches of 500:")
    # as `cxq interactions import` and the enrichment task run (cxq.lib.gc.bulk_gc)
    from cxq.lib.gc import bulk_gc

    gc_settings = bulk_gc()
    gc_settings.__enter__()

    if args.only is None:
        in_process(items, n)
    if args.only in (None, "http"):
        for worker_type in ("thread", "process"):
            for item in items:
                item["external_id"] = f"{item['external_id'].split('-http', 1)[0]}-http-{worker_type}"
            empty_the_database()
            seconds = over_http(items, admin, worker_type)
            print(
                f"  POST /api/v1/interactions/bulk to `cxq serve` (CXQ_WORKER_TYPE={worker_type}), until enriched: "
                f"{n / seconds:,.0f}/s"
            )
    if args.only == "http":
        return

    # 4. `cxq interactions import FILE --jobs N`: worker processes parse, enrich and write batches side
    #    by side (SQLite queues their write transactions). Timed as a user sees it: process start-up,
    #    Django and the language model in each worker included.
    for jobs in args.jobs:
        for item in items:
            item["external_id"] = f"{item['external_id'].rsplit('@', 1)[0]}@{jobs}"
        empty_the_database()
        seconds = import_file(items, jobs)
        print(f"  cxq interactions import --jobs {jobs} (a {n}-line JSONL file): {n / seconds:,.0f}/s end to end")


def in_process(items: list[dict], n: int) -> None:
    from cxq.interactions.enrich import enrich_ids
    from cxq.interactions.services import AgentResolver, Enrichment, interaction_bulk_upsert

    # 1. The import path: validate, match agents, enrich from the payloads, write — one pass.
    empty_the_database()
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
    empty_the_database()
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
    empty_the_database()
    pipelined = pipeline(items, resolver)
    print(f"  API bulk with a worker enriching alongside (two processes): {n / pipelined:,.0f}/s end to end")
    for item in items:
        item["external_id"] = item["external_id"].replace("-pipelined", "-pipelined2")
    empty_the_database()
    pipelined = pipeline(items, resolver, workers=2)
    print(f"  ... with two worker processes (CXQ_WORKER_TYPE=process): {n / pipelined:,.0f}/s end to end")


def pipeline(items: list[dict], resolver, workers: int = 1) -> float:
    import subprocess

    from cxq.interactions.models import Interaction

    env = {**os.environ, "CXQ_WORKER_THREADS": str(workers), "CXQ_WORKER_TYPE": "process" if workers > 1 else "thread"}
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


def over_http(items: list[dict], admin, worker_type: str, port: int = 8765) -> float:
    """5. As a client sees the bulk path: `cxq serve` (gunicorn, 2 web processes, and `cxq worker` with
    its default two workers, threads or processes) on this database; batches of 500 POSTed one after another with an API
    token; timed from the first request until every interaction is enriched."""
    import signal
    import subprocess
    import urllib.error
    import urllib.request

    import orjson
    from django.db import connection

    from cxq.accounts.services import api_token_create
    from cxq.interactions.models import Interaction

    _, token = api_token_create(user=admin, name=f"bench {time.time()}")
    connection.close()
    env = {**os.environ, "CXQ_WORKER_THREADS": "2", "CXQ_WORKER_TYPE": worker_type, "CXQ_DEBUG": "0"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "cxq.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/interactions/bulk"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for _ in range(600):  # until gunicorn answers (slow to start on a loaded machine)
            if server.poll() is not None:
                raise SystemExit(f"`cxq serve` exited with {server.returncode} (port {port} in use?)")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # the worker's consumer starts
        t0 = time.perf_counter()
        for start in range(0, len(items), 500):
            body = orjson.dumps({"items": items[start : start + 500]})
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                    report = orjson.loads(response.read())
            except urllib.error.HTTPError as exc:
                raise SystemExit(f"HTTP {exc.code}: {exc.read()[:500]!r}") from None
            assert not report["errors"] and report["created"] == len(items[start : start + 500]), report
        while Interaction.objects.filter(enrichment_status="pending").exists():
            time.sleep(0.05)
        return time.perf_counter() - t0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def empty_the_database() -> None:
    """Every measurement starts from no interactions (index depth and page cache hits depend on the
    table's size; a later one would otherwise write into the earlier ones' rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "interactions_phrasemention",
            "interactions_interaction_other_agents",
            "interactions_interaction",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant names)
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO interactions_fts(interactions_fts) VALUES('rebuild')")
            cursor.execute("VACUUM")
    if connection.vendor == "postgresql":  # VACUUM cannot run in a transaction block
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE interactions_interaction, interactions_phrasemention")


def import_file(items: list[dict], jobs: int) -> float:
    import json
    import subprocess

    from django.db import connection

    path = Path(os.environ["CXQ_VAR_DIR"]) / f"bench-import-{jobs}.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    connection.close()
    t0 = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cxq.cli", "interactions", "import", str(path), "--jobs", str(jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    assert done.returncode == 0 and f"{len(items)} created" in done.stdout, (done.stdout, done.stderr[-2000:])
    return seconds


def interaction_bulk_upsert_queued(batch: list[dict], resolver):
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    report = interaction_bulk_upsert(payloads=batch, resolver=resolver, enrichment=Enrichment.QUEUE)
    assert not report.errors, report.errors[:2]
    return report


if __name__ == "__main__":
    main()
