"""docs/performance.md#list-pages: p50/p95 of the list pages the interactions and evaluations benches do not
time — the disputes queue, the moments library and the coaching board and sessions — as whole pages through
Django's test client, on bench data (`cxq seed-bench --interactions N`, then `bench_evaluations.py
--seed-evaluations N`).

A bench database has evaluations but no disputes, moments or coaching sessions: ``--seed`` adds them once
(idempotent: rows made by an earlier run are counted, not made again) — a dispute with one item on every
"disputed" bench evaluation, ``--moments`` moments on bench interactions (ready, tagged, with an excerpt)
and ``--sessions`` coaching sessions with two attendees each, coached by the bench evaluators and admin.
``--profile URL`` prints cProfile's top functions and the slowest queries of one request of that page
instead. The load average and bench_scoring's rate of the same run are printed before and after (the
machine may be shared). Run by hand:

    DATABASE_URL=postgresql://…/bench_lists .venv/bin/python bench/bench_lists.py --seed --runs 30
    DATABASE_URL=postgresql://…/bench_lists .venv/bin/python bench/bench_lists.py --profile /moments/
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from timing import machine_line, timed  # noqa: E402

from cxq.accounts.models import Team, User  # noqa: E402
from cxq.coaching.models import Attendee, CoachingSession  # noqa: E402
from cxq.devdata.evaluations import bench_admin  # noqa: E402
from cxq.evaluations.models import Dispute, DisputeItem, Evaluation  # noqa: E402
from cxq.interactions.models import Interaction  # noqa: E402
from cxq.moments.models import Moment  # noqa: E402

TAGS = ("billing", "refund", "empathy", "escalation", "greeting", "hold", "upsell", "compliance")
WORDS = ("refund", "invoice", "router", "password")
MARK = "Bench "  # the title prefix of what this bench seeds


def seed(moments: int, sessions: int) -> None:
    rng = random.Random(7)
    admin = bench_admin()
    now = timezone.now()
    with transaction.atomic():
        disputed = Evaluation.objects.filter(status="disputed").exclude(disputes__isnull=False)
        made = [
            Dispute(evaluation_id=pk, raised_by_id=agent, note="Bench dispute", respond_by=now + timedelta(days=d))
            for pk, agent, d in (
                (pk, agent, rng.randint(-5, 10)) for pk, agent in disputed.values_list("id", "agent_id")
            )
        ]
        made = Dispute.objects.bulk_create(made, batch_size=2000)
        DisputeItem.objects.bulk_create(
            [DisputeItem(dispute=d, question_key="greet", reason="I did greet the customer.") for d in made],
            batch_size=2000,
        )
        print(f"disputes: {len(made)} made, {Dispute.objects.count()} in all")
        have = Moment.objects.filter(title__startswith=MARK).count()
        calls = list(
            Interaction.objects.filter(external_id__startswith="bench-")
            .order_by("-id")
            .values_list("id", flat=True)[: max(0, moments - have)]
        )
        rows = []
        for n, pk in enumerate(calls):
            tags = rng.sample(TAGS, 2)
            excerpt = f"The customer asks about a {rng.choice(WORDS)} and the agent explains."
            rows.append(
                Moment(
                    interaction_id=pk,
                    title=f"{MARK}moment {have + n}",
                    tags=tags,
                    tags_index=f"|{'|'.join(tags)}|",
                    start_seconds=10,
                    end_seconds=40,
                    excerpt_text=excerpt,
                    status=Moment.Status.READY,
                    created_by=admin,
                )
            )
        Moment.objects.bulk_create(rows, batch_size=2000)
        print(f"moments: {len(rows)} made, {have + len(rows)} bench moments")
        have = CoachingSession.objects.filter(title__startswith=MARK).count()
        coaches = list(User.objects.filter(email__startswith="bench.evaluator"))
        agents = list(User.objects.filter(email__endswith="@bench.cxq.test", teams__isnull=False).distinct()[:500])
        made = []
        for n in range(max(0, sessions - have)):
            status = rng.choice(("scheduled", "scheduled", "completed", "cancelled", "missed"))
            made.append(
                CoachingSession(
                    title=f"{MARK}coaching {have + n}",
                    coach=rng.choice([*coaches, admin]),
                    starts_at=now + timedelta(hours=rng.randint(-24 * 60, 24 * 30)),
                    status=status,
                    closed_at=now if status != "scheduled" else None,
                    created_by=admin,
                )
            )
        made = CoachingSession.objects.bulk_create(made, batch_size=2000)
        Attendee.objects.bulk_create(
            [Attendee(session=s, agent=a) for s in made for a in rng.sample(agents, 2)], batch_size=2000
        )
        print(f"coaching sessions: {len(made)} made, {have + len(made)} bench sessions")
    with connection.cursor() as cursor:
        for model in (Dispute, DisputeItem, Moment, CoachingSession, Attendee):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def pages(admin: User) -> list[tuple[str, User, str, dict]]:
    evaluator = User.objects.filter(email="bench.evaluator1@cxq.test").first() or admin
    agent = (
        User.objects.filter(email__endswith="@bench.cxq.test", teams__isnull=False, evaluations_received__isnull=False)
        .distinct()
        .first()
    )
    team = Team.objects.filter(name__startswith="Bench team").order_by("name").first()
    some = Moment.objects.filter(title__startswith=MARK).select_related("interaction__agent").first()
    rows = [
        ("disputes queue (open)", admin, "/evaluations/disputes/", {}),
        ("disputes, answered", admin, "/evaluations/disputes/", {"status": "answered"}),
        ("disputes, overdue", admin, "/evaluations/disputes/", {"overdue": "on"}),
        ("disputes, lead's queue", evaluator, "/evaluations/disputes/", {}),
        ("moments library", admin, "/moments/", {}),
        ("moments, search a word", admin, "/moments/", {"q": "refund"}),
        ("moments, a tag", admin, "/moments/", {"tag": "empathy"}),
        ("moments, lead", evaluator, "/moments/", {}),
        ("coaching board (admin)", admin, "/coaching/", {}),
        ("coaching sessions (admin)", admin, "/coaching/sessions/", {}),
    ]
    if team is not None:
        rows.append(("disputes, a team", admin, "/evaluations/disputes/", {"team": str(team.uuid)}))
        rows.append(("moments, a team", admin, "/moments/", {"team": str(team.uuid)}))
    if some is not None and some.interaction.agent is not None:
        rows.append(("moments, an agent", admin, "/moments/", {"agent": str(some.interaction.agent.uuid)}))
    if agent is not None:
        rows.append(("coaching board (agent)", agent, "/coaching/", {}))
    return rows


_clients: dict[int, Client] = {}


def client_of(user: User) -> Client:
    if user.pk not in _clients:
        _clients[user.pk] = Client()
        _clients[user.pk].force_login(user)
    return _clients[user.pk]


def get(user: User, url: str, params: dict):
    def fn():
        response = client_of(user).get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
        return response

    return fn


def profile(user: User, url: str) -> None:
    fn = get(user, url, {})
    fn()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        fn()
        wall = (time.perf_counter() - start) * 1000
    print(f"{url}: {wall:.1f} ms, {len(queries.captured_queries)} queries")
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:240]}")
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", action="store_true", help="add disputes, moments and coaching sessions first")
    parser.add_argument("--moments", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", metavar="URL", help="cProfile one request of this page (as the bench admin)")
    args = parser.parse_args()
    admin = bench_admin()
    if args.seed:
        seed(args.moments, args.sessions)
    if args.profile:
        profile(admin, args.profile)
        return
    counts = (Dispute.objects.count(), Moment.objects.count(), CoachingSession.objects.count())
    print(f"{connection.vendor}: {counts[0]:,} disputes, {counts[1]:,} moments, {counts[2]:,} coaching sessions")
    print(f"before: {machine_line()}")
    # as a web worker serves (cxq/wsgi.py): what is loaded by now stays out of the collector's walks
    from cxq.lib.gc import freeze_startup

    freeze_startup()
    for name, user, url, params in pages(admin):
        fn = get(user, url, params)
        fn()
        p50, p95 = timed(fn, args.runs)
        print(f"  {name:<32} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    print(f"after: {machine_line()}")


if __name__ == "__main__":
    main()
