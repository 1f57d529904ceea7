"""docs/performance.md#lists-and-reports-at-scale (interaction list): p50/p95 latency of the list on data made
by `cxq seed-bench`.

Uses the database of the environment (CXQ_VAR_DIR, or DATABASE_URL for PostgreSQL). Each scenario runs
--requests times through the selectors (interaction_list + page_at, the rows the page shows) and
through the whole page /interactions/ with Django's test client (middleware, filter form with its
autocomplete pickers, template); --no-view skips the page. The agent picker's JSON is timed too. The
machine's load average and bench_scoring's rate, measured in the same run, are printed before and after
(the machine may be shared). Run by hand:

    CXQ_VAR_DIR=/tmp/cxq-seed .venv/bin/python -m cxq.cli migrate
    CXQ_VAR_DIR=/tmp/cxq-seed .venv/bin/python bench/bench_interactions.py --seed-bench 100000 --view

--seed-bench N first runs `cxq seed-bench --interactions N` (a no-op when they exist) and reports its time.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test import Client  # noqa: E402

from cxq.accounts.models import Team, User  # noqa: E402
from cxq.devdata.evaluations import bench_admin  # noqa: E402
from cxq.interactions.models import Interaction  # noqa: E402
from cxq.interactions.selectors import interaction_list, page_at  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from timing import machine_line  # noqa: E402

PAGE = 50  # the view's page size
WORDS = ("router", "refund", "password", "engineer", "invoice", "cancellation", "Rechnung", "bedankt")
CHANNELS = ("voice", "chat", "email", "sms")


@dataclass
class Request:
    viewer: User
    filters: dict  # the list's filter values (cxq/interactions/filters.py)
    cursor: str = ""


def cursor_for_page(request: Request, page: int) -> str:
    """The cursor that opens page ``page`` (1-based), found by paging (not timed)."""
    cursor: str | None = ""
    for _ in range(page - 1):
        cursor = page_at(interaction_list(viewer=request.viewer, **request.filters), cursor or "", PAGE).next
        if not cursor:
            break
    return cursor or ""


def scenarios(admin: User) -> dict[str, Callable[[], Request]]:
    teams = cycle([str(t.uuid) for t in Team.objects.filter(name__startswith="Bench team").order_by("name")])
    # agents are who belong to a team (docs/accounts.md#who-counts-as-an-agent), never a role's key
    bench_agents = User.objects.filter(email__endswith="@bench.cxq.test", teams__isnull=False).distinct()
    agents = cycle(list(bench_agents.order_by("id")[:200]))
    picked = cycle([str(a.uuid) for a in bench_agents.order_by("id")[:50]])
    channels, words = cycle(CHANNELS), cycle(WORDS)
    page5 = cycle(
        [replace(r, cursor=cursor_for_page(r, 5)) for r in (Request(admin, dict(channel=c)) for c in CHANNELS)]
        + [replace(r, cursor=cursor_for_page(r, 5)) for r in [Request(admin, {})]]
    )
    return {
        "(a) first page": lambda: Request(admin, {}),
        "(b) channel + team": lambda: Request(admin, dict(channel=next(channels), team=next(teams))),
        "(c) agent's own list": lambda: Request(next(agents), {}),
        "(d) search a word": lambda: Request(admin, dict(q=next(words))),
        "(e) search + channel": lambda: Request(admin, dict(q=next(words), channel=next(channels))),
        "(f) page 5 (cursor)": lambda: next(page5),
        "(g) agent picked": lambda: Request(admin, dict(agent=next(picked))),
        "(h) word + agent picked": lambda: Request(admin, dict(q=next(words), agent=next(picked))),
    }


def via_selectors(request: Request) -> int:
    rows = page_at(interaction_list(viewer=request.viewer, **request.filters), request.cursor, PAGE).rows
    for row in rows:  # what the table shows
        _ = (row.agent.full_name if row.agent else "", row.team.name if row.team else "")
    return len(rows)


_clients: dict[int, Client] = {}
_handler: list = []  # the one request handler (middleware chain) every client shares


def signed_in(viewer: User) -> Client:
    """A client signed in as ``viewer`` (made before the timing: signing in is not part of a page view).

    All clients share one handler, as a server process has one middleware chain: a test client otherwise
    builds its own on its first request (WhiteNoise's index of the static files alone ~100 ms), and 200
    agents' chains left ~200 copies of that index for every full collection of the garbage collector to
    walk — (c) timed both, once per new agent and in the pauses."""
    client = _clients.get(viewer.pk)
    if client is None:
        client = _clients[viewer.pk] = Client()
        client.force_login(viewer)
        if not _handler:
            client.handler.load_middleware()
            _handler.append(client.handler)
        client.handler = _handler[0]
    return client


def via_view(request: Request) -> int:
    client = signed_in(request.viewer)
    params = {k: v for k, v in {**request.filters, "cursor": request.cursor}.items() if v}
    response = client.get("/interactions/", params)
    if response.status_code != 200:
        raise RuntimeError(f"/interactions/ answered {response.status_code}")
    return 1


def measure(make: Callable[[], Request], run: Callable[[Request], int], n: int) -> tuple[float, float]:
    for _ in range(3):  # warm caches and connections
        run(make())
    times = []
    for _ in range(n):
        request = make()
        signed_in(request.viewer)
        t0 = time.perf_counter()
        run(request)
        times.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(times, n=100)
    return statistics.median(times), q[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-view", action="store_true", help="time the selectors only, not the whole page")
    parser.add_argument("--seed-bench", type=int, default=0, metavar="N", help="run cxq seed-bench first")
    args = parser.parse_args()
    if args.seed_bench:
        out = io.StringIO()
        t0 = time.perf_counter()
        call_command("seed_bench", interactions=args.seed_bench, stdout=out)
        print(f"seed-bench: {time.perf_counter() - t0:.1f}s — {out.getvalue().strip()}")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("The database has unapplied migrations: run `cxq migrate` first.")
    total = Interaction.objects.count()
    if not total:
        sys.exit("No interactions: run `cxq seed-bench --interactions N` first.")
    print(f"{connection.vendor}: {total:,} interactions, page size {PAGE}, {args.requests} requests per row\n")
    admin = bench_admin()
    args.view = not args.no_view
    print(f"before: {machine_line()}")
    # as a web worker serves (cxq/wsgi.py): what is loaded by now stays out of the collector's walks
    from cxq.lib.gc import freeze_startup

    freeze_startup()
    header = f"{'scenario':<24} {'selector p50':>12} {'p95':>8}"
    if args.view:
        header += f" {'view p50':>10} {'p95':>8}"
    print(header + "   (ms)")
    for name, make in scenarios(admin).items():
        p50, p95 = measure(make, via_selectors, args.requests)
        line = f"{name:<24} {p50:>12.1f} {p95:>8.1f}"
        if args.view:
            v50, v95 = measure(make, via_view, args.requests)
            line += f" {v50:>10.1f} {v95:>8.1f}"
        print(line, flush=True)
    if args.view:
        words = cycle(("a", "an", "ma", "jo", "li", "e"))
        p50, p95 = measure(lambda: Request(admin, dict(q=next(words))), via_picker, args.requests)
        print(f"{'agent picker JSON':<24} {'':>12} {'':>8} {p50:>10.1f} {p95:>8.1f}")
    print(f"after: {machine_line()}")


def via_picker(request: Request) -> int:
    client = signed_in(request.viewer)
    response = client.get("/pick/agents/", {"q": request.filters["q"]})
    if response.status_code != 200:
        raise RuntimeError(f"/pick/agents/ answered {response.status_code}")
    return 1


if __name__ == "__main__":
    main()
