"""Bulk writes without per-object ORM work, for the hot ingest path (docs/performance.md#ingest-throughput). Column
names come from
the model's own fields (never from input), values are always bound parameters."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import orjson
from django.db import connection, connections, models, router


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], batch: int = 2000) -> int:
    """INSERT many rows into ``model``'s table with ``executemany``; returns how many."""
    table = model._meta.db_table
    names = [model._meta.get_field(c).column for c in columns]
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    total = 0
    chunk: list[Sequence] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                total += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            total += len(chunk)
    return total


def update_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UPDATE rows by primary key: each row is the ``columns`` values followed by the pk."""
    table = model._meta.db_table
    sets = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(c).column)} = %s" for c in columns)
    sql = f"UPDATE {connection.ops.quote_name(table)} SET {sets} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))


# Fields whose Python values the database drivers take as they are.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.ForeignKey,
)


def dumps_json(value: Any) -> str:
    """JSON text of ``value``: orjson (~4x faster than ``json.dumps`` on a transcript), falling back
    to ``json.dumps`` for what orjson refuses (integers beyond 64 bits, non-string keys)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)


def _adapter(field: models.Field, conn) -> Callable[[Any], Any] | None:
    """How one column's values go to the driver, as the ORM would send them (None: as they are)."""
    if isinstance(field, _PLAIN_FIELDS):
        return None
    if isinstance(field, models.JSONField) and field.encoder is None and conn.vendor == "sqlite":
        return dumps_json
    return partial(field.get_db_prep_save, connection=conn)


def insert_returning_ids(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence], batch: int = 500
) -> list[int]:
    """INSERT ``rows`` (values in ``columns`` order, as model attribute values) and return their new
    primary keys in row order: multi-row ``INSERT … RETURNING id`` statements, as ``bulk_create``
    issues, without building a model instance per row (docs/performance.md#ingest-throughput). Values are adapted per
    column type as
    the ORM would (JSON encoded, datetimes made naive UTC on SQLite, UUIDs as hex on SQLite)."""
    if not rows:
        return []
    conn = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(c) for c in columns]
    adapters = [_adapter(f, conn) for f in fields]
    table = conn.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    if conn.vendor == "postgresql":
        return _insert_unnest(conn, table, quoted, fields, adapters, rows, batch)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # SQLite binds at most 32,766 parameters per statement
    per_statement = max(1, min(batch, 30_000 // len(fields)))
    ids: list[int] = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list = []
            for row in chunk:
                params.extend(
                    value if adapt is None or value is None else adapt(value)
                    for adapt, value in zip(adapters, row, strict=True)
                )
            sql = f"INSERT INTO {table} ({quoted}) VALUES {', '.join([one] * len(chunk))} RETURNING id"  # noqa: S608
            cursor.execute(sql, params)
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _insert_unnest(conn, table: str, quoted: str, fields: list, adapters: list, rows: Sequence[Sequence], batch: int):
    """PostgreSQL: one array parameter per column, ``INSERT … SELECT … FROM unnest(…) WITH ORDINALITY
    ORDER BY`` the row's position, ``RETURNING id``. A statement with a placeholder per value costs the
    driver a parse of the whole text on every call (client-side binding does not cache statements that
    long): ~10x the time of this form for a batch of 500 (docs/performance.md#ingest-throughput)."""
    names = [f"c{i}" for i in range(len(fields))]
    arrays = ", ".join(f"%s::{f.db_type(conn)}[]" for f in fields)
    sql = (
        f"INSERT INTO {table} ({quoted}) SELECT {', '.join(names)} "  # noqa: S608 (names from the model)
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({', '.join(names)}, n) ORDER BY n RETURNING id"
    )
    ids: list[int] = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = [
                [value if adapt is None or value is None else adapt(value) for value in column]
                for adapt, column in zip(adapters, zip(*chunk, strict=True), strict=True)
            ]
            cursor.execute(sql, params)
            ids.extend(r[0] for r in cursor.fetchall())
    return ids
