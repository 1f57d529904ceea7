"""``cxq interactions import --jobs 2``: worker processes parse, enrich and write batches side by side.

A test database in memory cannot be shared with other processes, so this runs the real command in a
subprocess against its own SQLite file (migrated first) and reads the result with ``sqlite3``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from cxq.interactions.generator import AgentSpec, payloads

AGENTS = [AgentSpec(email=f"parallel.agent{i}@cxq.test", name=f"Parallel Agent {i}") for i in range(7)]


def cxq(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cxq.cli", *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_a_parallel_import_writes_every_good_line_once_and_rejects_the_bad_ones(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CXQ_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="cxq.settings")
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

    result = cxq(env, "interactions", "import", str(file), "--jobs", "2", "--rejects", str(rejects))

    assert result.returncode == 0, result.stderr[-2000:]
    assert "1598 created, 1 updated, 2 rejected" in result.stdout
    assert [json.loads(line)["line"] for line in rejects.read_text().splitlines()] == [11, 901]
    db = sqlite3.connect(tmp_path / "var" / "cxq.sqlite3")
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT external_id) FROM interactions_interaction").fetchone() == (
        1598,
        1598,
    )
    assert db.execute(
        "SELECT disposition FROM interactions_interaction WHERE external_id = ?", (items[3]["external_id"],)
    ).fetchone() == ("Escalated",)
    # every row enriched in the same pass, every agent created once although two processes met them
    assert db.execute("SELECT COUNT(*) FROM interactions_interaction WHERE enrichment_status != 'done'").fetchone() == (
        0,
    )
    assert db.execute("SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'parallel.agent%'").fetchone() == (7,)
    refunds = {
        r[0] for r in db.execute("SELECT id FROM interactions_interaction WHERE topics LIKE '%Refund%'").fetchall()
    }
    hits = {r[0] for r in db.execute("SELECT DISTINCT interaction_id FROM interactions_phrasehit").fetchall()}
    assert refunds and refunds == hits
    # the full-text index saw every row the workers wrote
    searched = {r[0] for r in db.execute("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH 'refund'")}
    texts = db.execute("SELECT id, transcript_text FROM interactions_interaction").fetchall()
    assert searched == {pk for pk, text in texts if re.search(r"\brefund\b", text, re.IGNORECASE)}
