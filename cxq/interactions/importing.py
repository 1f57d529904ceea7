"""Reading interaction files for ``cxq interactions import``: JSONL (CXQ's ingest shape, or the
research datasets' ``turns`` shape) and CSV (one interaction per row, transcript as JSON)."""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.utils import timezone

from cxq.interactions.datasets import is_turns_record, turns_to_interaction

CSV_COLUMNS = (
    "external_id",
    "channel",
    "direction",
    "started_at",
    "ended_at",
    "duration_seconds",
    "agent_email",
    "agent_external_id",
    "agent_name",
    "queue",
    "disposition",
    "language",
    "customer_ref",
    "csat",
    "nps",
    "resolved",
    "transcript",
)


class LineError(ValueError):
    pass


def read_records(path: Path, *, default_agent: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (line number, payload) pairs; a payload that cannot be read is a ``LineError``."""
    suffix = path.suffix.lower()
    started = import_started()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path, started, default_agent)
    elif suffix == ".csv":
        yield from _csv(path, default_agent)
    else:
        raise ValueError(f"{path.name}: use a .jsonl or .csv file")


def _with_agent(payload: dict, default_agent: str | None) -> dict:
    if default_agent and not payload.get("agent"):
        payload["agent"] = {"email": default_agent}
    return payload


def _jsonl(path: Path, started: str, default_agent: str | None) -> Iterator[tuple[int, Any]]:
    for number, line in jsonl_lines(path):
        yield number, parse_jsonl_line(line, started=started, default_agent=default_agent)


def jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines, unparsed: a parallel import parses them in its workers."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def parse_jsonl_line(line: str, *, started: str, default_agent: str | None) -> Any:
    """One JSONL line as an ingest payload (research ``turns`` records converted), or a ``LineError``."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses but JSON allows (integers beyond 64 bits); else json's clearer message
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            return LineError(f"not valid JSON: {exc.msg} at column {exc.colno}")
    if is_turns_record(record):
        record = turns_to_interaction(record, started_at=started)
    return _with_agent(record, default_agent) if isinstance(record, dict) else record


def import_started() -> str:
    """The start time given to records that carry none (the research datasets), fixed per import."""
    return timezone.now().replace(microsecond=0).isoformat()


def _csv(path: Path, default_agent: str | None) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or []) - set(CSV_COLUMNS)
        if unknown:
            raise ValueError(
                f"{path.name}: unknown column(s) {', '.join(sorted(unknown))}; the columns are {', '.join(CSV_COLUMNS)}"
            )
        for row in reader:
            number = reader.line_num
            try:
                yield number, _with_agent(_row(row), default_agent)
            except LineError as exc:
                yield number, exc


def _row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None) and k in CSV_COLUMNS}
    agent = {k: data.pop(f"agent_{k}") for k in ("email", "external_id", "name") if f"agent_{k}" in data}
    if agent:
        data["agent"] = agent
    if "transcript" in data:
        try:
            data["transcript"] = json.loads(data["transcript"])
        except json.JSONDecodeError as exc:
            raise LineError(f"column transcript: not valid JSON ({exc.msg})") from None
    if "resolved" in data:
        value = data["resolved"].strip().lower()
        if value not in ("yes", "no", "true", "false", "1", "0"):
            raise LineError("column resolved: use yes or no")
        data["resolved"] = value in ("yes", "true", "1")
    return data


# --- Writing batches (in this process, or in the worker processes of a parallel import) -------------


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"line": n, "errors": [...]}


@dataclass(frozen=True)
class ImportOptions:
    started: str  # see import_started()
    default_agent: str | None = None
    enrich: bool = True  # enrich in the same pass (else queued for the worker)


def import_batch(
    items: Sequence[tuple[int, Any]], options: ImportOptions, *, raw: bool, resolver: Any = None
) -> BatchResult:
    """Upsert one batch of (line number, payload) in this process — with ``raw``, payloads are JSONL
    lines still to be parsed — and say which lines were rejected and why. The same two halves as a
    parallel import, run one after the other."""
    return write_prepared(worker_prepare_batch(items, options, raw), options, resolver)


# A parallel import: worker processes parse, validate and enrich batches (they only read phrase sets
# and settings), and the importing process writes what they prepared — one writer, so no process
# waits for another's write lock. Where the platform can fork, the workers are forked from the
# importing process once it has loaded what they need (Django, the phrase matcher, the language
# model): they start at once and share those pages. Elsewhere they are spawned and set Django up.


def worker_warm_up() -> None:
    """Load, in the importing process, what every worker would otherwise load on its first batch."""
    from cxq.enrichment import load_model
    from cxq.interactions.enrich import Enricher

    Enricher()
    load_model()


def worker_init(database_name: str, forked: bool) -> None:
    from django.db import connections

    if not forked:
        import django

        django.setup()
    from cxq.lib.gc import BULK_THRESHOLDS

    connections["default"].settings_dict["NAME"] = database_name
    # the collector relaxed for the life of the worker, as cxq.lib.gc.bulk_gc does around an import;
    # frozen objects (all a forked worker inherited) are never walked, so their pages stay shared
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)


@dataclass
class PreparedBatch:
    numbers: list[int]  # line number of each payload handed to interactions_prepare, by index
    prepared: list[Any]  # services.Prepared
    errors: list[dict[str, Any]]  # validation errors by index
    rejected: list[dict[str, Any]]  # lines that could not be read


def worker_prepare_batch(items: Sequence[tuple[int, Any]], options: ImportOptions, raw: bool) -> PreparedBatch:
    from cxq.interactions.services import interactions_prepare

    batch = PreparedBatch([], [], [], [])
    payloads: list[Any] = []
    for number, payload in items:
        if raw:
            payload = parse_jsonl_line(payload, started=options.started, default_agent=options.default_agent)
        if isinstance(payload, LineError):
            batch.rejected.append({"line": number, "errors": [str(payload)]})
            continue
        batch.numbers.append(number)
        payloads.append(payload)
    batch.prepared, batch.errors = interactions_prepare(payloads, enrich=options.enrich)
    return batch


def write_prepared(batch: PreparedBatch, options: ImportOptions, resolver: Any) -> BatchResult:
    """Write a batch a worker prepared (in the importing process)."""
    from cxq.interactions.choices import Source
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    report = interaction_bulk_upsert(
        prepared=(batch.prepared, batch.errors),
        source=Source.IMPORT,
        resolver=resolver,
        enrichment=Enrichment.INLINE if options.enrich else Enrichment.QUEUE,
    )
    rejected = batch.rejected + [{"line": batch.numbers[e["index"]], "errors": e["errors"]} for e in report.errors]
    return BatchResult(report.created, report.updated, rejected)
