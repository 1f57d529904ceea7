"""Reading interaction files for ``cxq interactions import``: JSONL (CXQ's ingest shape, or the
research datasets' ``turns`` shape) and CSV (one interaction per row, transcript as JSON).

A line that cannot be imported, for whatever reason (not JSON, nested too deeply, invalid, its
enrichment failed, the database refused a value), is rejected with its line number and the reason
and the import goes on; see docs/importing.md.
"""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cxq.interactions.datasets import is_turns_record, turns_to_interaction
from cxq.lib import jsonlimit

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


class ImportStopped(Exception):
    """A failure no line escapes (the database went away, a worker process died): the import stops
    at ``line``, the first line of the batch it was writing; what came before stays imported."""

    def __init__(self, line: int, cause: BaseException, done: BatchResult | None = None) -> None:
        from cxq.interactions.services import describe_failure

        self.line = line
        self.done = done or BatchResult()  # what the batch wrote and rejected before ``line``
        super().__init__(f"The import stopped at line {line}: {describe_failure(cause)}")


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
    from cxq.interactions.services import describe_failure

    try:
        record = jsonlimit.loads(line)
    except json.JSONDecodeError as exc:
        return LineError(f"not valid JSON: {exc.msg} at column {exc.colno}")
    except jsonlimit.TooDeep as exc:
        return LineError(f"the JSON is {exc}")
    try:
        if is_turns_record(record):
            record = turns_to_interaction(record, started_at=started)
        return _with_agent(record, default_agent) if isinstance(record, dict) else record
    except Exception as exc:
        return LineError(f"not a record that can be read ({describe_failure(exc)})")


def import_started() -> str:
    """The start time given to records that carry none (the research datasets), fixed per import."""
    return timezone.now().replace(microsecond=0).isoformat()


def csv_field_limit() -> int:
    """The largest CSV field an import reads, in characters: the largest request body the API takes
    (``CXQ_MAX_REQUEST_MB``), as one interaction cannot be larger there either. Python's csv module
    stops at 128 KiB by default, less than a long call's transcript."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _csv(path: Path, default_agent: str | None) -> Iterator[tuple[int, Any]]:
    from cxq.interactions.services import describe_failure

    limit = csv_field_limit()
    previous = csv.field_size_limit(limit)  # process-wide: restored when the file is read
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            try:
                columns = reader.fieldnames or []
            except csv.Error as exc:
                raise ValueError(f"{path.name}: the header row is not valid CSV ({exc})") from None
            unknown = set(columns) - set(CSV_COLUMNS)
            if unknown:
                raise ValueError(
                    f"{path.name}: unknown column(s) {', '.join(sorted(unknown))}; "
                    f"the columns are {', '.join(CSV_COLUMNS)}"
                )
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # the reader goes on with the next line
                    yield reader.reader.line_num, LineError(_csv_error(exc, limit))
                    continue
                number = reader.line_num
                try:
                    payload: Any = _with_agent(_row(row), default_agent)
                except LineError as exc:
                    payload = exc
                except Exception as exc:
                    payload = LineError(f"not a row that can be read ({describe_failure(exc)})")
                yield number, payload
    finally:
        csv.field_size_limit(previous)


def _csv_error(exc: csv.Error, limit: int) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"a field is longer than {limit:,} characters, the most an import reads "
            f"(the request limit, CXQ_MAX_REQUEST_MB = {limit / (1024 * 1024):g})"
        )
    return f"not valid CSV ({exc})"


def _row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None) and k in CSV_COLUMNS}
    agent = {k: data.pop(f"agent_{k}") for k in ("email", "external_id", "name") if f"agent_{k}" in data}
    if agent:
        data["agent"] = agent
    if "transcript" in data:
        try:
            data["transcript"] = jsonlimit.loads(data["transcript"])
        except json.JSONDecodeError as exc:
            raise LineError(f"column transcript: not valid JSON ({exc.msg})") from None
        except jsonlimit.TooDeep as exc:
            raise LineError(f"column transcript: the JSON is {exc}") from None
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
    """Parse (``raw`` JSONL lines), validate and enrich a batch; a line that fails is rejected, whatever
    the failure, and the others go on."""
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
    batch.prepared, batch.errors = interactions_prepare(payloads, enrich=options.enrich, contain_failures=True)
    return batch


def write_prepared(batch: PreparedBatch, options: ImportOptions, resolver: Any) -> BatchResult:
    """Write a batch a worker prepared (in the importing process), in one transaction. If the database
    refuses it, the transaction is rolled back and the batch written again line by line, each in its
    own transaction (a savepoint inside a caller's one), so only the lines it refuses are rejected.
    A failure of the connection itself stops the import (``ImportStopped``): no other line would fare
    better."""
    from cxq.interactions.services import AgentResolver

    resolver = resolver or AgentResolver.from_settings()
    try:
        report = _upsert(batch.prepared, batch.errors, options, resolver)
    except Exception as exc:
        if stops_the_import(exc):
            raise ImportStopped(_first_line(batch), exc) from exc
        resolver.forget()  # agents it created were rolled back with it
        report = _upsert_line_by_line(batch, options, resolver)
    rejected = batch.rejected + [{"line": batch.numbers[e["index"]], "errors": e["errors"]} for e in report.errors]
    return BatchResult(report.created, report.updated, rejected)


def _upsert(prepared: list[Any], errors: list[dict[str, Any]], options: ImportOptions, resolver: Any) -> Any:
    from cxq.interactions.choices import Source
    from cxq.interactions.services import Enrichment, interaction_bulk_upsert

    return interaction_bulk_upsert(
        prepared=(prepared, errors),
        source=Source.IMPORT,
        resolver=resolver,
        enrichment=Enrichment.INLINE if options.enrich else Enrichment.QUEUE,
    )


def _upsert_line_by_line(batch: PreparedBatch, options: ImportOptions, resolver: Any) -> Any:
    """The batch written one line at a time, with the same outcome as one write but for the lines the
    database refuses (a second line with the same external id is still refused, as in one write)."""
    from cxq.interactions.services import BulkReport, describe_failure, twice_in_batch

    report = BulkReport(errors=list(batch.errors))
    seen: set[str] = set()
    for item in batch.prepared:
        external_id = item.fields["external_id"]
        if external_id and external_id in seen:
            report.errors.append({"index": item.index, "errors": [twice_in_batch(external_id)]})
            continue
        try:
            one = _upsert([item], [], options, resolver)
        except Exception as exc:
            if stops_the_import(exc):
                raise _stopped(batch, batch.numbers[item.index], report, exc) from exc
            resolver.forget()
            report.errors.append({"index": item.index, "errors": [f"could not be written ({describe_failure(exc)})"]})
        else:
            report.created += one.created
            report.updated += one.updated
            report.ids.extend(one.ids)
            report.errors.extend(one.errors)
            if one.errors:  # an agent that could not be matched: not seen, as in one write
                continue
        if external_id:
            seen.add(external_id)
    report.errors.sort(key=lambda e: e["index"])
    return report


def _stopped(batch: PreparedBatch, line: int, report: Any, exc: BaseException) -> ImportStopped:
    """The import stops at ``line`` of a batch written line by line: what came before it is kept."""
    rejected = [r for r in batch.rejected if r["line"] < line]
    rejected += [
        {"line": batch.numbers[e["index"]], "errors": e["errors"]}
        for e in report.errors
        if batch.numbers[e["index"]] < line
    ]
    return ImportStopped(line, exc, BatchResult(report.created, report.updated, rejected))


def stops_the_import(exc: BaseException) -> bool:
    """Whether a write failed for a reason no other line escapes: the connection, a lock, a timeout,
    the server's resources. PostgreSQL also reports a value beyond one of its size limits (SQLSTATE
    class 54, e.g. a transcript too long for the search index) as an ``OperationalError``, but that is
    the line's own failure."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or ""
    return not sqlstate.startswith("54")


def _first_line(batch: PreparedBatch) -> int:
    return min([*batch.numbers[:1], *(r["line"] for r in batch.rejected)], default=0)
