"""docs/goals.md#speed: how long one goal period's draw takes over `cxq seed-bench` data.

Each run creates nothing that stays: the draw (eligible query, fair split, random pick, spread over the
evaluators, the tasks written) runs in a transaction rolled back at the end, so every run draws the same
period afresh. Reported: the interactions in the database, how many were eligible and drawn, p50/p95 of
the whole draw and of its count-and-pick queries alone, the CPU time of this process per draw (on SQLite
that is all of the draw's work, a figure the machine's load barely moves), the load average and
bench_scoring's rate measured in the same run (the machine is shared).

Run by hand (SQLite under CXQ_VAR_DIR, or PostgreSQL with DATABASE_URL):

    CXQ_VAR_DIR=/tmp/cxq-seed .venv/bin/python -m cxq.cli migrate
    CXQ_VAR_DIR=/tmp/cxq-seed .venv/bin/python bench/bench_goals.py --seed-bench 1000000

--seed-bench N first runs `cxq seed-bench --interactions N` (a no-op when they exist). The goal's
evaluators are three bench admins (they see every team), created on first use with a published
scorecard.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402
from timing import machine_line, timed  # noqa: E402 (bench/ is on the path when a bench runs)

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cxq.accounts.models import Role, User  # noqa: E402
from cxq.accounts.services import roles_ensure_builtin  # noqa: E402
from cxq.goals import services  # noqa: E402
from cxq.goals.models import Goal  # noqa: E402
from cxq.interactions.models import Interaction  # noqa: E402
from cxq.scorecards import services as sc  # noqa: E402
from cxq.scorecards.models import Scorecard  # noqa: E402

CARD = {
    "name": "Goal bench card",
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [
        {
            "key": "s",
            "title": "Call",
            "questions": [
                {
                    "key": "greet",
                    "text": "Greeted?",
                    "type": "yes_no",
                    "options": [{"key": "yes", "points": 1}, {"key": "no", "points": 0}],
                }
            ],
        }
    ],
}


class Rollback(Exception):
    pass


def setup() -> tuple[list[User], Scorecard]:
    roles_ensure_builtin()
    admin = Role.objects.get(key="admin")
    people = []
    for i in range(1, 4):
        user = User.objects.filter(email=f"goal.bench{i}@cxq.test").first()
        if user is None:
            user = User.objects.create_user(
                email=f"goal.bench{i}@cxq.test", password=None, full_name=f"Goal Bench {i}", role=admin
            )
        people.append(user)
    card = Scorecard.objects.filter(name=CARD["name"], status="published").first()
    if card is None:
        card = sc.scorecard_publish(by=people[0], scorecard=sc.scorecard_create(by=people[0], document=CARD))
    return people, card


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-bench", type=int, default=0, metavar="N", help="run cxq seed-bench first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--recent-days", type=int, nargs="*", default=[7, 30])
    args = parser.parse_args()
    if args.seed_bench:
        t0 = time.perf_counter()
        out = io.StringIO()
        call_command("seed_bench", interactions=args.seed_bench, stdout=out)
        print(f"seed-bench: {time.perf_counter() - t0:.1f}s — {out.getvalue().strip()}")
    total = Interaction.objects.count()
    if not total:
        sys.exit("No interactions: run `cxq seed-bench --interactions N` first.")
    newest = Interaction.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    now = max(timezone.now(), newest + timedelta(minutes=1))
    evaluators, card = setup()
    print(f"{total:,} interactions on {connection.vendor}; {args.runs} runs each; load {os.getloadavg()}")
    print(f"before: {machine_line()}")
    cases = [
        ("per agent, 2 each", "agent", 2, {"all": []}),
        ("per evaluator, 100 each", "evaluator", 100, {"all": []}),
        (
            "per agent, voice or chat, over 60 s",
            "agent",
            2,
            {
                "all": [
                    {"field": "channel", "op": "in", "value": ["voice", "chat"]},
                    {"field": "duration", "op": "gt", "value": 60},
                ]
            },
        ),
    ]
    for days in args.recent_days:
        for name, per, target, condition in cases:
            data = services.GoalInput(
                name=f"Bench {name}",
                scorecard=card,
                evaluators=evaluators,
                target=target,
                target_per=per,
                recurrence="daily",
                starts_on=(now - timedelta(days=1)).date(),
                ends_on=None,
                recent_days=days,
                condition=condition,
            )
            figures = {}

            def draw(data=data, figures=figures):
                try:
                    with transaction.atomic():
                        goal = services.goal_create(by=evaluators[0], data=data)
                        period = services.period_generate(goal=goal, now=now)
                        figures.update(eligible=period.eligible, drawn=period.drawn)
                        raise Rollback
                except Rollback:
                    pass

            def select_only(data=data):
                with transaction.atomic():
                    goal = services.goal_create(by=evaluators[0], data=data)
                    settings = services._snapshot(goal)
                    services._select(settings, now, evaluators, random.Random())
                    transaction.set_rollback(True)

            draw()
            cpu = time.process_time()
            p50, p95 = timed(draw, args.runs)
            cpu = (time.process_time() - cpu) / args.runs * 1000  # this process only: all of it on SQLite
            e50, e95 = timed(select_only, args.runs)
            print(
                f"  last {days:>3} days, {name:<36} eligible {figures['eligible']:>7,} drawn {figures['drawn']:>5,}"
                f"   draw p50 {p50:7.1f} ms p95 {p95:7.1f} ms, CPU here {cpu:6.1f} ms"
                f"   (count and pick queries p50 {e50:6.1f} ms)"
            )
    print(f"after: {machine_line()}")
    assert not Goal.objects.filter(name__startswith="Bench ").exists()


if __name__ == "__main__":
    main()
