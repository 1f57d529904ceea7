"""docs/analytics.md#dashboards at scale: p50/p95 of each role's dashboard (`/`) rendered through the
Django test client (middleware, every panel's selectors and the template), on the bench data.

Needs bench data: `cxq seed-bench --interactions 1000000`, then `bench/bench_evaluations.py
--seed-evaluations 250000` (which also runs the analytics rebuild). The bench database has no team lead,
so the first run adds a supervisor (`bench.supervisor@cxq.test`) leading the first three bench teams and
a manager (`bench.manager@cxq.test`, Manager role) leading every bench team. Evaluations are spread over
the seed's days, so the 30-day windows hold about a twelfth of them.

Three figures per role: "warm" is the page as most views get it — the figures read from the analytics facts
come from the cache, stored per piece under the versions of the months they read; "cold" is the first view
after an evaluation was completed, adjusted or voided today (this month's version moved before every
request: the pieces of this month are read again, earlier months stay cached); "all cold" is the first
view after every version moved (a rebuild; also a bound for the first view of a new day, whose window
edges are new pieces): every panel reads the rollups. Each with the wall-clock p50/p95 and the median
CPU time of this process (Python: view, selectors, template), which the machine's load disturbs less.
Run by hand: CXQ_VAR_DIR=/tmp/cxq-bench .venv/bin/python bench/bench_dashboards.py [--runs 30]
(DATABASE_URL=postgres://… for PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402
from timing import machine_line, timed  # noqa: E402 (bench/ is on the path when a bench runs)

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from cxq.accounts.models import Role, Team, User  # noqa: E402
from cxq.accounts.services import roles_ensure_builtin, user_create  # noqa: E402
from cxq.analytics.dashboards import org_today  # noqa: E402
from cxq.analytics.models import EvaluationFact  # noqa: E402
from cxq.analytics.services import _new_facts_version, month_version_key  # noqa: E402
from cxq.devdata.evaluations import bench_admin  # noqa: E402


def cpu_median(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def _lead(email: str, name: str, teams, role: str = "supervisor") -> User:
    user = User.objects.filter(email=email).first() or user_create(
        by=None, email=email, full_name=name, role=Role.objects.get(key=role)
    )
    for team in teams:
        team.leads.add(user)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    roles_ensure_builtin()
    bench_teams = list(Team.objects.filter(name__startswith="Bench team").order_by("name"))
    if not bench_teams or not EvaluationFact.objects.exists():
        sys.exit("No bench data: run `cxq seed-bench` and bench/bench_evaluations.py --seed-evaluations N first.")
    personas = {
        "admin": bench_admin(),
        "lead of 3 teams": _lead("bench.supervisor@cxq.test", "Bench Supervisor", bench_teams[:3]),
        "manager of every team": _lead("bench.manager@cxq.test", "Bench Manager", bench_teams, "manager"),
        "evaluator": User.objects.get(email="bench.evaluator1@cxq.test"),
        "agent": User.objects.get(pk=EvaluationFact.objects.order_by("-day").values("agent_id")[:1]),
    }
    print(f"{connection.vendor}: {EvaluationFact.objects.count():,} evaluation facts; {args.runs} runs each")
    print(f"before: {machine_line()}", flush=True)
    # as a web worker serves (cxq/wsgi.py): what is loaded by now stays out of the collector's walks
    from cxq.lib.gc import freeze_startup

    freeze_startup()
    settings.ALLOWED_HOSTS = ["*"]
    worst = {"warm": 0.0, "cold": 0.0, "all cold": 0.0}
    this_month = [month_version_key(org_today().replace(day=1))]
    for name, user in personas.items():
        client = Client()
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, (name, response.status_code)
        views = {
            "warm": lambda client=client: client.get("/"),
            "cold": lambda client=client: (_new_facts_version(this_month), client.get("/")),
            "all cold": lambda client=client: (_new_facts_version(), client.get("/")),
        }
        line = f"  dashboard: {name:<22}"
        for label, view in views.items():
            p50, p95 = timed(view, args.runs)
            cpu = cpu_median(view, args.runs)
            worst[label] = max(worst[label], p95)
            line += f"  {label} p50 {p50:6.1f} p95 {p95:6.1f} cpu {cpu:5.1f} ms"
        print(line, flush=True)
    print("worst p95: " + ", ".join(f"{label} {ms:.1f} ms" for label, ms in worst.items()))
    print(f"after: {machine_line()}")


if __name__ == "__main__":
    main()
