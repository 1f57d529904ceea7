"""``cxq interactions import FILE`` (JSONL or CSV) and ``cxq interactions enrich``."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cxq.interactions.choices import Source
from cxq.interactions.enrich import enrich_pending
from cxq.interactions.importing import LineError, read_records
from cxq.interactions.services import (
    AgentResolver,
    Enrichment,
    interaction_bulk_upsert,
    interactions_mark_for_enrichment,
)
from cxq.lib.gc import bulk_gc

BATCH = 500


class Command(BaseCommand):
    help = "Import interactions from a file, or re-run enrichment."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a .jsonl or .csv file (upsert by external_id)")
        imp.add_argument("path")
        imp.add_argument("--agent", default=None, help="Email of the agent for records that name none")
        imp.add_argument("--rejects", default=None, help="Where to write rejected lines (default ./FILE.rejects.jsonl)")
        imp.add_argument("--no-enrich", action="store_true", help="Leave enrichment to the worker")
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

    def _import(self, *, path, agent, rejects, no_enrich, **opts):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        try:
            lines = sum(1 for _ in file.open(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text", returncode=2)
        rejects_path = Path(rejects) if rejects else Path.cwd() / (file.name + ".rejects.jsonl")
        totals = {"created": 0, "updated": 0, "rejected": 0}
        rejected: list[dict] = []
        resolver = AgentResolver.from_settings()
        try:
            records = read_records(file, default_agent=agent)
            batch: list[tuple[int, object]] = []
            with Progress(
                TextColumn("[bold]Importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                disable=not self.stdout.isatty(),
            ) as progress:
                task = progress.add_task("import", total=lines)
                for number, payload in records:
                    if isinstance(payload, LineError):
                        rejected.append({"line": number, "errors": [str(payload)]})
                        continue
                    batch.append((number, payload))
                    if len(batch) >= BATCH:
                        self._flush(batch, totals, rejected, resolver, no_enrich)
                        progress.update(task, completed=number)
                        batch = []
                if batch:
                    self._flush(batch, totals, rejected, resolver, no_enrich)
                progress.update(task, completed=lines)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2)
        totals["rejected"] = len(rejected)
        if rejected:
            with rejects_path.open("w", encoding="utf-8") as out:
                for item in sorted(rejected, key=lambda r: r["line"]):
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.stdout.write(
            f"{totals['created']} created, {totals['updated']} updated, {totals['rejected']} rejected"
            + (f" (see {rejects_path})" if rejected else "")
        )

    def _flush(self, batch, totals, rejected, resolver, no_enrich):
        numbers = [n for n, _ in batch]
        report = interaction_bulk_upsert(
            payloads=[p for _, p in batch],
            source=Source.IMPORT,
            resolver=resolver,
            enrichment=Enrichment.QUEUE if no_enrich else Enrichment.INLINE,
        )
        totals["created"] += report.created
        totals["updated"] += report.updated
        for error in report.errors:
            rejected.append({"line": numbers[error["index"]], "errors": error["errors"]})
