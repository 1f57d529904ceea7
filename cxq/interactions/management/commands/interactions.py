"""``cxq interactions import FILE`` (JSONL or CSV) and ``cxq interactions enrich``."""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cxq.interactions.enrich import enrich_pending
from cxq.interactions.importing import (
    BatchResult,
    ImportOptions,
    ImportStopped,
    import_batch,
    import_started,
    jsonl_lines,
    read_records,
    worker_init,
    worker_prepare_batch,
    worker_warm_up,
    write_prepared,
)
from cxq.interactions.services import AgentResolver, interactions_mark_for_enrichment
from cxq.lib.gc import bulk_gc

BATCH = 500
# Workers are forked where forking a Python process is safe (Linux): they start at once and share the
# importing process's loaded pages. macOS and Windows spawn them: each sets Django up and loads the
# language model itself (a few seconds), worth it for bigger files only.
# Below PARALLEL_FROM_LINES an import runs in this process. Forked workers win from two batches per
# worker (measured: 2,500 lines 2.6 → 2.3 s, 5,000 lines 4.0 → 3.2 s, 1,000 lines no gain).
START_METHOD = "fork" if sys.platform == "linux" else "spawn"
PARALLEL_FROM_LINES = 2_000 if START_METHOD == "fork" else 20_000


class Command(BaseCommand):
    help = "Import interactions from a file, or re-run enrichment."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a .jsonl or .csv file (upsert by external_id)")
        imp.add_argument("path")
        imp.add_argument("--agent", default=None, help="Email of the agent for records that name none")
        imp.add_argument("--rejects", default=None, help="Where to write rejected lines (default ./FILE.rejects.jsonl)")
        imp.add_argument("--no-enrich", action="store_true", help="Leave enrichment to the worker")
        imp.add_argument(
            "--jobs",
            type=int,
            default=None,
            help=f"Processes that parse and enrich while this one writes (default: one per core, at most 4, from "
            f"{PARALLEL_FROM_LINES:,} lines; 1 for smaller files)",
        )
        enrich = sub.add_parser("enrich", help="Enrich pending interactions now (with --all: every interaction)")
        enrich.add_argument("--all", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "import":
            self.do_import(**opts)
        else:
            if opts["all"]:
                interactions_mark_for_enrichment()
            total = 0
            while done := enrich_pending(limit=5000):
                total += done
            self.stdout.write(f"Enriched {total} interactions.")

    def do_import(self, **opts):
        with bulk_gc():
            self._import(**opts)

    def _import(self, *, path, agent, rejects, no_enrich, jobs, **opts):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        try:
            lines = sum(1 for _ in file.open(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text", returncode=2)
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs: give 1 or more processes", returncode=2)
        rejects_path = Path(rejects) if rejects else Path.cwd() / (file.name + ".rejects.jsonl")
        options = ImportOptions(started=import_started(), default_agent=agent, enrich=not no_enrich)
        workers = self._workers(jobs, lines)
        totals = {"created": 0, "updated": 0, "rejected": 0}
        rejected: list[dict] = []
        stopped: ImportStopped | None = None

        def add(result: BatchResult) -> None:
            totals["created"] += result.created
            totals["updated"] += result.updated
            rejected.extend(result.rejected)

        try:
            batches = self._batches(file, options)
            with ExitStack() as stack:
                # the workers start before the progress bar's refresh thread: nothing is forked mid-write
                pool = stack.enter_context(self._pool(workers)) if workers > 1 else None
                if pool is not None:
                    self.stdout.write(f"Preparing batches in {workers} worker processes ({START_METHOD}).")
                progress = stack.enter_context(
                    Progress(
                        TextColumn("[bold]Importing"),
                        BarColumn(),
                        MofNCompleteColumn(),
                        TimeRemainingColumn(),
                        disable=not self.stdout.isatty(),
                    )
                )
                task = progress.add_task("import", total=lines)
                if pool is not None:
                    self._in_workers(pool, workers, batches, options, add, lambda n: progress.update(task, completed=n))
                else:
                    resolver = AgentResolver.from_settings()
                    for items, raw in batches:
                        add(self._in_process(items, options, raw, resolver))
                        progress.update(task, completed=items[-1][0])
                progress.update(task, completed=lines)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2)
        except ImportStopped as exc:
            add(exc.done)
            stopped = exc
        totals["rejected"] = len(rejected)
        if rejected:
            with rejects_path.open("w", encoding="utf-8") as out:
                for item in sorted(rejected, key=lambda r: r["line"]):
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.stdout.write(
            f"{totals['created']} created, {totals['updated']} updated, {totals['rejected']} rejected"
            + (f" (see {rejects_path})" if rejected else "")
        )
        if stopped is not None:
            raise CommandError(
                f"{stopped}. The lines before it were imported or rejected, the others not: run the import "
                "again to finish (interactions with an external_id are updated, not imported twice).",
                returncode=1,
            )

    @staticmethod
    def _in_process(items: list[tuple[int, Any]], options: ImportOptions, raw: bool, resolver) -> BatchResult:
        """One batch in this process. A line's failure is that line's reject; a failure of the batch
        itself (the database, the phrase sets cannot be read) stops the import at the batch."""
        try:
            return import_batch(items, options, raw=raw, resolver=resolver)
        except ImportStopped:
            raise
        except Exception as exc:
            raise ImportStopped(items[0][0], exc) from exc

    @staticmethod
    def _workers(jobs: int | None, lines: int) -> int:
        """Processes to import with: as asked, else one per core (at most 4) for files big enough to
        pay for starting them. Never for an in-memory SQLite database (other processes cannot see it)
        or inside a transaction."""
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            return 1
        if connection.in_atomic_block:  # called inside a transaction: workers could not see its rows
            return 1
        if jobs is not None:
            return jobs
        return min(os.cpu_count() or 1, 4) if lines >= PARALLEL_FROM_LINES else 1

    @staticmethod
    def _batches(file: Path, options: ImportOptions) -> Iterator[tuple[list[tuple[int, Any]], bool]]:
        """Batches of (line number, item): raw JSONL lines (parsed where they are written) or CSV records."""
        raw = file.suffix.lower() in (".jsonl", ".ndjson")
        source = jsonl_lines(file) if raw else read_records(file, default_agent=options.default_agent)
        batch: list[tuple[int, Any]] = []
        for item in source:
            batch.append(item)
            if len(batch) >= BATCH:
                yield batch, raw
                batch = []
        if batch:
            yield batch, raw

    @staticmethod
    def _pool(workers: int) -> ProcessPoolExecutor:
        """``workers`` processes, started. On Linux they are forked once this process has loaded what
        they need (see ``worker_warm_up``); elsewhere spawned."""
        name = connection.settings_dict["NAME"]
        forked = START_METHOD == "fork"
        if forked:
            worker_warm_up()
            # no connection may be shared with a child: each opens its own (this one reopens on write)
            connections.close_all()
        pool = ProcessPoolExecutor(
            workers,
            mp_context=get_context(START_METHOD),
            initializer=worker_init,
            initargs=(str(name), forked),
        )
        pool.submit(os.getpid).result()
        return pool

    @staticmethod
    def _in_workers(pool, workers, batches, options, add, progress) -> None:
        """The pool's processes parse, validate and enrich the batches; this process writes each one
        as it comes back, in file order (one writer: nobody waits for a write lock). At most two
        batches per worker are in flight, so memory stays flat whatever the file's size (docs/performance.md#memory)."""
        resolver = AgentResolver.from_settings()
        in_flight: deque[tuple[Future, int, int]] = deque()

        def write_oldest() -> None:
            future, first, last = in_flight.popleft()
            try:
                prepared = future.result()
            except Exception as exc:  # not a line's failure (those are rejects): the worker's, or it died
                raise ImportStopped(first, exc) from exc
            add(write_prepared(prepared, options, resolver))
            progress(last)

        for items, raw in batches:
            try:
                future = pool.submit(worker_prepare_batch, items, options, raw)
            except Exception as exc:  # the pool is broken (a worker died): write what is prepared, stop
                while in_flight:
                    write_oldest()
                raise ImportStopped(items[0][0], exc) from exc
            in_flight.append((future, items[0][0], items[-1][0]))
            if len(in_flight) >= 2 * workers:
                write_oldest()
        while in_flight:
            write_oldest()
