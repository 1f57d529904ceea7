"""docs/performance.md#lists-and-reports-at-scale for the evaluations table: p50/p95 of the table's queries at scale.

Needs bench data: `cxq seed-bench --interactions 1000000` then this script seeds evaluations on top
(`--seed-evaluations 250000`, once) and times the selector the page uses (first page of 50 rows,
filters, sorts, an agent's own list, a lead's team scope) over repeated runs.
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

from cxq.accounts.models import User  # noqa: E402
from cxq.devdata.evaluations import seed_evaluations  # noqa: E402
from cxq.evaluations.models import Evaluation  # noqa: E402
from cxq.evaluations.selectors import evaluation_list  # noqa: E402


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

    cases = [
        ("admin, first page, newest", page(admin)),
        ("admin, status=acknowledged", page(admin, {"status": "acknowledged"})),
        ("admin, failed only", page(admin, {"passed": "no"})),
        ("admin, one agent", page(admin, {"agent": str(some.agent.uuid)})),
        ("admin, sort by score", page(admin, sort="-score")),
        ("lead (all bench teams), first page", page(evaluator)),
        ("agent's own evaluations", page(agent)),
        ("admin, page 100 (offset 4950)", lambda: list(evaluation_list(viewer=admin)[4950:5000])),
        ("admin, count for the pager", lambda: evaluation_list(viewer=admin).count()),
    ]
    from django.db import connection

    print(f"{total:,} evaluations on {connection.vendor}; {args.runs} runs each")
    for name, fn in cases:
        fn()
        p50, p95 = timed(fn, args.runs)
        print(f"  {name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
