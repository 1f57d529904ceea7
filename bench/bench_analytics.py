"""docs/performance.md#lists-and-reports-at-scale for analytics: p50/p95 of every report over many filter combinations,
on the bench data.

Needs bench data: `cxq seed-bench --interactions 1000000`, then `bench/bench_evaluations.py
--seed-evaluations 250000` (which also runs the analytics rebuild), or `cxq analytics rebuild` after
loading evaluations another way. Times the selectors the pages and the API call (and a few whole pages
through the test client, form and template included).
Run by hand: CXQ_VAR_DIR=/tmp/cxq-bench .venv/bin/python bench/bench_analytics.py [--runs 30] [--rebuild]
(DATABASE_URL=postgres://… for PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402
from timing import timed  # noqa: E402 (bench/ is on the path when a bench runs)

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from cxq.accounts.models import Team, User  # noqa: E402
from cxq.analytics import selectors  # noqa: E402
from cxq.analytics.filters import org_today  # noqa: E402
from cxq.analytics.models import AnswerFact, AnswerRollup, EvaluationFact, EvaluationRollup  # noqa: E402
from cxq.analytics.services import analytics_rebuild  # noqa: E402
from cxq.devdata.evaluations import BENCH_SCORECARD  # noqa: E402
from cxq.scorecards.models import Scorecard  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="run `analytics rebuild` first and time it")
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = parser.parse_args()
    if args.rebuild:
        start = time.perf_counter()
        total = analytics_rebuild()
        print(f"rebuild: {total:,} evaluations in {time.perf_counter() - start:.1f} s")
    print(
        f"{connection.vendor}: {EvaluationFact.objects.count():,} evaluation facts, "
        f"{AnswerFact.objects.count():,} answer facts, {EvaluationRollup.objects.count():,} evaluation rollup rows, "
        f"{AnswerRollup.objects.count():,} answer rollup rows; {args.runs} runs each"
    )
    admin = User.objects.filter(role__key="admin").first()
    lead = User.objects.get(email="bench.evaluator1@cxq.test")
    agent = User.objects.filter(pk=EvaluationFact.objects.values("agent_id")[:1]).first()
    team = Team.objects.filter(name="Bench team 03").first()
    card = Scorecard.objects.get(name=BENCH_SCORECARD)
    last = EvaluationFact.objects.order_by("-day").values_list("day", flat=True).first() or org_today()
    year = {"date_from": last - timedelta(days=364), "date_to": last}
    quarter = {"date_from": last - timedelta(days=89), "date_to": last}
    odd = {"date_from": last - timedelta(days=300), "date_to": last - timedelta(days=17)}  # two ragged edges
    everyone = selectors.Scope(team_ids=None)
    bench_teams = Team.objects.filter(name__startswith="Bench team").values_list("pk", flat=True)
    led = selectors.Scope(team_ids=tuple(bench_teams))  # a manager leading every bench team

    def F(**kw):
        return selectors.Filters(**kw)

    filter_sets = [
        ("90 days, no filter", F(**quarter)),
        ("year, no filter", F(**year)),
        ("year, ragged edges", F(**odd)),
        ("year, team", F(**year, team_ids=[team.pk])),
        ("year, evaluator", F(**year, evaluator_id=lead.pk)),
        ("year, agent", F(**year, agent_id=agent.pk)),
        ("year, agent+evaluator", F(**year, agent_id=agent.pk, evaluator_id=lead.pk)),
        ("year, scorecard+channel+source", F(**year, scorecard_ids=[card.pk], channel="voice", source="manual")),
        ("year, team+evaluator+channel", F(**year, team_ids=[team.pk], evaluator_id=lead.pk, channel="chat")),
    ]
    cases = []
    for name, f in filter_sets:
        cases.append((f"breakdown: {name}", lambda f=f: selectors.breakdown(f, everyone)))
    cases.append(("breakdown: lead of all teams, year", lambda: selectors.breakdown(F(**year), led)))
    for name, f in filter_sets[1:7]:
        for period in ("week", "month"):
            f2 = selectors.Filters(**{**f.__dict__, "period": period})
            cases.append((f"trends by {period}: {name}", lambda f2=f2: selectors.trends(f2, everyone)))
    cases.append(("trends by day: 90 days", lambda: selectors.trends(F(**quarter, period="day"), everyone)))
    cases.append(
        ("trends by month per team: year", lambda: selectors.trends(F(**year, period="month", split="team"), everyone))
    )
    cases.append(
        (
            "trends by week per scorecard: year",
            lambda: selectors.trends(F(**year, period="week", split="scorecard"), everyone),
        )
    )
    for name, f in filter_sets[1:8]:
        cases.append((f"agents board: {name}", lambda f=f: selectors.leaderboard(f, everyone, of="agents")))
        cases.append((f"evaluators board: {name}", lambda f=f: selectors.leaderboard(f, everyone, of="evaluators")))
    cases.append(("agent view: year by week", lambda: selectors.agent_view(F(**year), agent)))
    cases.append(("agent view: year by month", lambda: selectors.agent_view(F(**year, period="month"), agent)))

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(admin)
    q = f"date_from={year['date_from']}&date_to={year['date_to']}"
    for path in ("/analytics/", "/analytics/trends/", "/analytics/leaderboards/", "/api/v1/analytics/breakdown"):
        cases.append((f"page {path} (year)", lambda path=path: client.get(f"{path}?{q}")))
    agent_client = Client()
    agent_client.force_login(agent)
    cases.append(("page /analytics/me/ (year)", lambda: agent_client.get(f"/analytics/me/?{q}")))

    worst = 0.0
    for name, fn in cases:
        if args.only and args.only not in name:
            continue
        fn()
        p50, p95 = timed(fn, args.runs)
        worst = max(worst, p95)
        print(f"  {name:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    print(f"worst p95: {worst:.1f} ms")


if __name__ == "__main__":
    main()
