"""Bulk writes without per-object ORM work, for the hot ingest path (PF-2). Column names come from
the model's own fields (never from input), values are always bound parameters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


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
