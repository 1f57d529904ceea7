"""docs/performance.md#lists-and-reports-at-scale for the evaluations table: p50/p95 of the table's queries at scale.

Needs bench data: `cxq seed-bench --interactions 1000000` then this script seeds evaluations on top
(`--seed-evaluations 250000`, once) and times the selector the page uses (first page of 50 rows,
filters, sorts, an agent's own list, a lead's team scope) over repeated runs, then the whole pages through
Django's test client: /evaluations/ in every sort, a deep keyset page (page 100, reached by its cursor),
a band, the API's page, and the disputes queue. The load average and bench_scoring's rate of the same
run are printed before and after (the machine may be shared).
Run by hand: CXQ_VAR_DIR=/tmp/cxq-seed .venv/bin/python bench/bench_evaluations.py [--seed-evaluations N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402
from timing import timed  # noqa: E402 (bench/ is on the path when a bench runs)

django.setup()

from timing import machine_line  # noqa: E402

from cxq.accounts.models import User  # noqa: E402
from cxq.devdata.evaluations import seed_evaluations  # noqa: E402
from cxq.evaluations.filters import SORTS, EvaluationFilter  # noqa: E402
from cxq.evaluations.models import Evaluation  # noqa: E402
from cxq.evaluations.selectors import evaluation_list, evaluation_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-evaluations", type=int, default=0)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    if args.seed_evaluations:
        start = time.perf_counter()
        made = seed_evaluations(args.seed_evaluations)
        print(f"seeded {made} evaluations in {time.perf_counter() - start:.1f} s")
    total = Evaluation.objects.count()
    admin = User.objects.filter(role__key="admin").first()
    evaluator = User.objects.filter(email="bench.evaluator1@cxq.test").first()
    agent = User.objects.filter(evaluations_received__isnull=False).first()
    some = Evaluation.objects.select_related("agent", "scorecard").first()

    def page(viewer, filters=None, sort="-created"):
        return lambda: list(evaluation_list(viewer=viewer, **(filters or {}), sort=sort)[:50])

    deep100 = deep(admin, "-created", 100)  # found by paging, not timed
    cases = [
        ("admin, first page, newest", page(admin)),
        ("admin, status=acknowledged", page(admin, {"status": "acknowledged"})),
        ("admin, failed only", page(admin, {"passed": "no"})),
        ("admin, one agent", page(admin, {"agent": str(some.agent.uuid)})),
        ("admin, sort by score", page(admin, sort="-score")),
        ("lead (all bench teams), first page", page(evaluator)),
        ("agent's own evaluations", page(agent)),
        ("admin, page 100 (keyset cursor)", lambda: page_after(admin, "-created", deep100)),
    ]
    from django.db import connection
    from django.test import Client

    print(f"{total:,} evaluations on {connection.vendor}; {args.runs} runs each")
    print(f"before: {machine_line()}")
    # as a web worker serves (cxq/wsgi.py): what is loaded by now stays out of the collector's walks
    from cxq.lib.gc import freeze_startup

    freeze_startup()
    print("selectors:")
    for name, fn in cases:
        fn()
        p50, p95 = timed(fn, args.runs)
        print(f"  {name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)

    client = Client()
    client.force_login(admin)
    banded = Evaluation.objects.exclude(scorecard__bands=[]).select_related("scorecard").first()

    def get(url, params=None):
        def fn():
            response = client.get(url, params or {})
            if response.status_code != 200:
                raise RuntimeError(f"{url} {params} answered {response.status_code}")

        return fn

    pages = [(f"/evaluations/ sort {sort}", get("/evaluations/", {"sort": sort})) for sort in SORTS]
    score_deep = {"sort": "-score", "cursor": deep(admin, "-score", 100)}
    pages += [
        ("/evaluations/ page 100 (cursor)", get("/evaluations/", {"cursor": deep(admin, "-created", 100)})),
        ("/evaluations/ score, page 100", get("/evaluations/", score_deep)),
        ("/evaluations/ one agent", get("/evaluations/", {"agent": str(some.agent.uuid)})),
        ("/api/v1/evaluations page 100", get("/api/v1/evaluations", {"cursor": deep(admin, "-created", 100)})),
        ("/evaluations/disputes/", get("/evaluations/disputes/")),
    ]
    if banded is not None:
        band = banded.scorecard.bands[0]["key"]
        pages.append(
            ("/evaluations/ band", get("/evaluations/", {"scorecard": str(banded.scorecard.uuid), "band": band}))
        )
    print("whole pages (test client):")
    for name, fn in pages:
        fn()
        p50, p95 = timed(fn, args.runs)
        print(f"  {name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    print(f"after: {machine_line()}")


def deep(viewer, sort: str, page: int) -> str:
    """The cursor of page ``page`` (50 rows each) in ``sort``, found by paging (not timed)."""
    filters = EvaluationFilter.of({"sort": sort})
    cursor = ""
    for _ in range(page - 1):
        cursor = evaluation_page(evaluation_list(viewer=viewer, filters=filters), filters, cursor, 50).next or ""
    return cursor


def page_after(viewer, sort: str, cursor: str) -> list:
    """The rows of the page a cursor opens: one keyset query."""
    filters = EvaluationFilter.of({"sort": sort})
    return evaluation_page(evaluation_list(viewer=viewer, filters=filters), filters, cursor, 50).rows


if __name__ == "__main__":
    main()
