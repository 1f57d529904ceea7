"""Reading interaction files for ``cxq interactions import``: JSONL (CXQ's ingest shape, or the
research datasets' ``turns`` shape) and CSV (one interaction per row, transcript as JSON)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    started = timezone.now().replace(microsecond=0).isoformat()
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
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, LineError(f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            if is_turns_record(record):
                record = turns_to_interaction(record, started_at=started)
            yield number, _with_agent(record, default_agent) if isinstance(record, dict) else record


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
