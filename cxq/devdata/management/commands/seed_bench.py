"""``cxq seed-bench --interactions N``: benchmark data, fast (docs/performance.md#ingest-throughput,
docs/performance.md#lists-and-reports-at-scale are measured on it).

Raw inserts in batches, one transaction per batch, no ORM objects and no validation: rows come
from :class:`cxq.devdata.generator.BenchFactory`. External ids are ``bench-<seed>-<n>``; a re-run
tops the range up to N (``--append`` adds N more), so running it twice never duplicates anything.

SQLite: ``executemany``, ``synchronous=OFF`` for the bulk phase, the FTS triggers dropped and the new rows
indexed in one statement at the end. PostgreSQL: ``COPY``, the GIN index rebuilt at the end when the
load at least doubles the table. ``--search-index live`` keeps triggers/index instead, for comparison.
"""

from __future__ import annotations

import importlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cxq.accounts.models import Role, Team, User
from cxq.accounts.services import roles_ensure_builtin, team_create, user_create
from cxq.devdata.generator import (
    INTERACTION_COLUMNS,
    QUEUES,
    BenchAgent,
    BenchFactory,
)
from cxq.devdata.generator.templates import FIRST_NAMES, LAST_NAMES

# The FTS triggers as migration 0002 creates them (one source of truth for their SQL).
_SEARCH = importlib.import_module("cxq.interactions.migrations.0002_transcript_search")
TRIGGERS = ("interactions_fts_insert", "interactions_fts_delete", "interactions_fts_update")
TRIGGER_SQL = [sql for sql in _SEARCH.SQLITE if sql.lstrip().startswith("CREATE TRIGGER")]
_PLANS = importlib.import_module("cxq.interactions.migrations.0006_search_plans")
GIN_SQL = _PLANS.GIN_SQL
GIN_INDEX = _PLANS.GIN_INDEX
COUNT_COLUMN = INTERACTION_COLUMNS.index("utterance_count")


def bench_agents(*, agents: int, teams: int) -> list[BenchAgent]:
    """The bench teams and agents (role Agent, no login), created where missing.

    Team ``t`` mostly works queue ``QUEUES[t % 5]``, so team and queue filters select realistic slices.
    """
    roles_ensure_builtin()
    role = Role.objects.get(key="agent")
    team_rows = []
    for t in range(teams):
        name = f"Bench team {t + 1:02d}"
        team = Team.objects.filter(name=name).first() or team_create(
            by=None, name=name, description=f"Benchmark data ({QUEUES[t % len(QUEUES)]})"
        )
        team_rows.append(team)
    existing = {u.email: u for u in User.objects.filter(email__endswith="@bench.cxq.test")}
    result = []
    for i in range(agents):
        email = f"bench.agent{i + 1:04d}@bench.cxq.test"
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)]}"
        team = team_rows[i % teams]
        user = existing.get(email) or user_create(
            by=None,
            email=email,
            full_name=name,
            role=role,
            external_id=f"BENCH-{i + 1:04d}",
            member_of=[team],
        )
        result.append(BenchAgent(id=user.pk, team_id=team.pk, name=user.full_name, queue=QUEUES[(i % teams) % 5]))
    return result


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (constant names)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """PostgreSQL: COPY is ~10x faster than executemany (psycopg 3's copy, text format)."""
    quote = connection.ops.quote_name
    with cursor.cursor.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _scalar(sql: str, params: tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] or 0


def existing_range(seed: int) -> int:
    """How many ``bench-<seed>-*`` interactions exist: numbers 0…k-1, since batches commit in order."""
    k = _scalar("SELECT COUNT(*) FROM interactions_interaction WHERE external_id LIKE %s", (f"bench-{seed}-%",))
    probe = "SELECT COUNT(*) FROM interactions_interaction WHERE external_id = %s"
    if (k and not _scalar(probe, (f"bench-{seed}-{k - 1}",))) or _scalar(probe, (f"bench-{seed}-{k}",)):
        raise CommandError(f"The bench-{seed}-* interactions are not a contiguous range; use another --seed.")
    return k


class Command(BaseCommand):
    help = "Insert benchmark interactions with transcripts fast (raw SQL). Idempotent per --seed."

    def add_arguments(self, parser):
        parser.add_argument("--interactions", type=int, required=True, help="How many (in total for this seed)")
        parser.add_argument("--agents", type=int, default=200)
        parser.add_argument("--teams", type=int, default=10)
        parser.add_argument("--utterances", type=int, default=12, help="Average transcript length")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=365, help="Spread start times over this many days")
        parser.add_argument("--append", action="store_true", help="Add N more instead of topping up to N")
        parser.add_argument("--pending", action="store_true", help="Leave enrichment pending (no metrics/topics)")
        parser.add_argument("--batch", type=int, default=5000, help="Interactions per transaction")
        parser.add_argument(
            "--search-index",
            choices=("deferred", "live"),
            default="deferred",
            help="deferred (default): drop the transcript search triggers (SQLite) or GIN index (PostgreSQL) "
            "for the load and index once at the end; live: keep them up to date row by row",
        )

    def handle(self, *args, **opts):
        for name in ("interactions", "agents", "teams", "utterances", "batch", "days"):
            if opts[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if opts["seed"] < 0:
            raise CommandError("--seed must be 0 or more")
        seed = opts["seed"]
        have = existing_range(seed)
        start, count = (have, opts["interactions"]) if opts["append"] else (have, opts["interactions"] - have)
        if count <= 0:
            self.stdout.write(f"Nothing to do: {have} bench-{seed}-* interactions exist (use --append for more).")
            return
        began = time.perf_counter()
        with transaction.atomic():
            agents = bench_agents(agents=opts["agents"], teams=opts["teams"])
        factory = BenchFactory(
            seed=seed,
            agents=agents,
            utterances=opts["utterances"],
            days=opts["days"],
            enriched=not opts["pending"],
            ts_suffix="+00:00" if connection.vendor == "postgresql" else "",
        )
        setup = time.perf_counter() - began
        stats = self.load(factory, start=start, count=count, batch=opts["batch"], search_index=opts["search_index"])
        total = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {count} interactions (bench-{seed}-{start}…{start + count - 1}) with "
                f"{stats['utterances']} utterances in {total:.1f}s: {count / total:,.0f} interactions/s."
            )
        )
        self.stdout.write(
            f"  setup {setup:.1f}s, insert {stats['insert']:.1f}s, search index {stats['index']:.1f}s, "
            f"analyze {stats['analyze']:.1f}s"
        )

    def load(self, factory: BenchFactory, *, start: int, count: int, batch: int, search_index: str) -> dict:
        """Insert rows ``start … start+count-1`` in batches; returns timings and the utterance count.

        1. Note where the new ids start (explicit ids, so a re-run can tell which rows are new).
        2. With a deferred search index: SQLite drops the FTS triggers; PostgreSQL drops the GIN index
           when the new rows outnumber the old (rebuilding it is then cheaper than maintaining it).
        3. Insert in batches, one transaction each.
        4. Always (even after an error): put triggers/index back and index what they missed; move the
           PostgreSQL id sequence past the explicit ids. Then ANALYZE for fresh planner statistics.
        """
        sqlite = connection.vendor == "sqlite"
        stats = {"utterances": 0, "insert": 0.0, "index": 0.0, "analyze": 0.0}
        first_id = _scalar("SELECT MAX(id) FROM interactions_interaction") + 1
        if sqlite:
            plan = self._sqlite_prepare(deferred=search_index == "deferred", empty=first_id == 1)
        else:
            existing = _scalar("SELECT COUNT(*) FROM interactions_interaction")
            plan = self._postgres_prepare(deferred=search_index == "deferred" and count >= existing)
        try:
            t0 = time.perf_counter()
            stats["utterances"] = self._insert(factory, start, count, batch, first_id)
            stats["insert"] = time.perf_counter() - t0
        finally:
            t0 = time.perf_counter()
            if sqlite:
                self._sqlite_finish(plan, first_id=first_id)
            else:
                self._postgres_finish(plan)
            stats["index"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if sqlite:
            self._execute("ANALYZE interactions_interaction")
        else:
            self._execute("ANALYZE interactions_interaction")
        stats["analyze"] = time.perf_counter() - t0
        return stats

    def _sqlite_prepare(self, *, deferred: bool, empty: bool) -> dict:
        pragmas = not connection.in_atomic_block  # PRAGMAs cannot change inside a transaction
        if pragmas:
            self._execute("PRAGMA synchronous=OFF", "PRAGMA cache_size=-131072", "PRAGMA temp_store=MEMORY")
        present = _scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'interactions_fts_%%'"
        )
        if deferred:
            self._execute(*[f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS])
        # Triggers already missing: an earlier run was killed mid-way, so re-index everything. An empty
        # table: one 'rebuild' of the whole index is the same work as indexing the new rows.
        return {
            "pragmas": pragmas,
            "deferred": deferred,
            "rebuild_all": present < len(TRIGGERS) or (deferred and empty),
        }

    def _sqlite_finish(self, plan: dict, *, first_id: int) -> None:
        with transaction.atomic():
            for sql in TRIGGER_SQL:
                self._execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
            if plan["rebuild_all"]:
                self._execute("INSERT INTO interactions_fts(interactions_fts) VALUES('rebuild')")
            elif plan["deferred"]:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO interactions_fts(rowid, transcript_text) "
                        "SELECT id, transcript_text FROM interactions_interaction WHERE id >= %s",
                        [first_id],
                    )
        if plan["pragmas"]:
            self._execute("PRAGMA synchronous=NORMAL")

    def _postgres_prepare(self, *, deferred: bool) -> dict:
        if deferred:
            self._execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
        return {"deferred": deferred}

    def _postgres_finish(self, plan: dict) -> None:
        self._execute(
            "SELECT setval(pg_get_serial_sequence('interactions_interaction', 'id'), "
            "(SELECT MAX(id) FROM interactions_interaction))"
        )
        if plan["deferred"]:
            # Inside an outer transaction the deferred foreign-key checks are still pending, and
            # PostgreSQL will not build an index over a table with pending trigger events: run them first.
            self._execute(
                "SET CONSTRAINTS ALL IMMEDIATE",
                "SET maintenance_work_mem = '512MB'",
                GIN_SQL.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1),
                "RESET maintenance_work_mem",
                "SET CONSTRAINTS ALL DEFERRED",
            )

    def _insert(self, factory: BenchFactory, start: int, count: int, batch: int, first_id: int) -> int:
        interaction_sql = _insert_sql("interactions_interaction", INTERACTION_COLUMNS)
        total_utterances = 0
        columns = (
            TextColumn("[bold]Seeding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=not self.stdout.isatty()) as progress:
            task = progress.add_task("seed", total=count)
            for offset in range(0, count, batch):
                rows = [factory.row(start + k, first_id + k) for k in range(offset, min(count, offset + batch))]
                with transaction.atomic(), connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        _copy(cursor, "interactions_interaction", INTERACTION_COLUMNS, rows)
                    else:
                        cursor.executemany(interaction_sql, rows)
                total_utterances += sum(row[COUNT_COLUMN] for row in rows)
                progress.advance(task, len(rows))
        return total_utterances

    def _finish_sqlite(self, *, deferred: bool, rebuild_all: bool, first_id: int) -> None:
        """Put the triggers back and index what they missed: everything, or only the new rows."""
        with transaction.atomic():
            for sql in TRIGGER_SQL:
                self._execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
            if rebuild_all:
                self._execute("INSERT INTO interactions_fts(interactions_fts) VALUES('rebuild')")
            elif deferred:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO interactions_fts(rowid, transcript_text) "
                        "SELECT id, transcript_text FROM interactions_interaction WHERE id >= %s",
                        [first_id],
                    )

    @staticmethod
    def _execute(*statements: str) -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
