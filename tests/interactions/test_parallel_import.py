"""``cxq interactions import --jobs 2``: worker processes parse, enrich and write batches side by side.

A test database in memory cannot be shared with other processes, so this runs the real command in a
subprocess against a database of its own — a SQLite file, or, when the suite runs on PostgreSQL, a
throw-away PostgreSQL database — migrated first, and reads the result with plain SQL.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from cxq.devdata.generator import AgentSpec, payloads

AGENTS = [AgentSpec(email=f"parallel.agent{i}@cxq.test", name=f"Parallel Agent {i}") for i in range(7)]
Query = Callable[[str], list[tuple]]


def cxq(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cxq.cli", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@contextmanager
def own_database(tmp_path: Path) -> Iterator[tuple[dict, Query]]:
    """Environment for the subprocesses, and a query function on the database they use."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CXQ_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="cxq.settings")
    if connection.vendor == "sqlite":
        yield env, lambda sql: sqlite3.connect(tmp_path / "var" / "cxq.sqlite3").execute(sql).fetchall()
        return
    import psycopg

    server = {k: v for k, v in connection.get_connection_params().items() if k in ("host", "port", "user")}
    name = f"cxq_parallel_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    host, port, user = server.get("host") or "127.0.0.1", server.get("port") or 5432, server.get("user") or "postgres"
    env["DATABASE_URL"] = f"postgresql://{user}@{host}:{port}/{name}"

    def query(sql: str) -> list[tuple]:
        with psycopg.connect(dbname=name, **server) as db:
            return db.execute(sql).fetchall()

    try:
        yield env, query
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def import_with(env: dict, start_method: str, *args: str) -> subprocess.CompletedProcess:
    """``cxq interactions import …`` with its workers started by ``start_method`` (Linux forks them;
    macOS and Windows spawn them: both are tested here)."""
    code = (
        "import sys, django; django.setup(); "
        "from cxq.interactions.management.commands import interactions as command; "
        f"command.START_METHOD = {start_method!r}; from cxq.cli import main; main(['cxq', *sys.argv[1:]])"
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, "interactions", "import", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_parallel_import_writes_every_good_line_once_and_rejects_the_bad_ones(tmp_path: Path, start_method: str):
    with own_database(tmp_path) as (env, query):
        migrated = cxq(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        phrases = cxq(
            env,
            "shell",
            "-c",
            "from cxq.interactions.models import PhraseSet; "
            "PhraseSet.objects.create(name='Refund', kind='topic', side='any', phrases=['refund'])",
        )
        assert phrases.returncode == 0, phrases.stderr[-2000:]

        items = list(payloads(1_600, AGENTS, seed=11))
        lines = [json.dumps(item) for item in items]
        lines[10] = "{not json"  # batch 1
        lines[900] = json.dumps({**items[900], "channel": "fax"})  # batch 2
        lines.append(json.dumps({**items[3], "disposition": "Escalated"}))  # batch 4 updates a batch-1 row
        file = tmp_path / "calls.jsonl"
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rejects = tmp_path / "rejects.jsonl"

        result = import_with(env, start_method, str(file), "--jobs", "2", "--rejects", str(rejects))

        assert result.returncode == 0, result.stderr[-2000:]
        assert f"Preparing batches in 2 worker processes ({start_method})." in result.stdout
        assert "1598 created, 1 updated, 2 rejected" in result.stdout
        assert [json.loads(line)["line"] for line in rejects.read_text().splitlines()] == [11, 901]
        table = "interactions_interaction"
        assert query(f"SELECT COUNT(*), COUNT(DISTINCT external_id) FROM {table}") == [(1598, 1598)]  # noqa: S608
        updated = query(f"SELECT disposition FROM {table} WHERE external_id = '{items[3]['external_id']}'")  # noqa: S608
        assert updated == [("Escalated",)]
        # every row enriched in the same pass, every agent created once although two processes met them
        assert query(f"SELECT COUNT(*) FROM {table} WHERE enrichment_status != 'done'") == [(0,)]  # noqa: S608
        assert query("SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'parallel.agent%'") == [(7,)]
        texts = query(f"SELECT id, transcript_text FROM {table}")  # noqa: S608
        with_word = {pk for pk, text in texts if re.search(r"\brefund\b", text, re.IGNORECASE)}
        hits = {r[0] for r in query("SELECT DISTINCT interaction_id FROM interactions_phrasemention")}
        assert with_word and with_word <= hits  # misspelt refunds are hits too
        # the full-text index saw every row the workers wrote
        if connection.vendor == "sqlite":
            found = query("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'refund'")
        else:
            found = query(f"SELECT id FROM {table} WHERE transcript_search @@ plainto_tsquery('simple', 'refund')")  # noqa: S608
        assert {r[0] for r in found} == with_word
