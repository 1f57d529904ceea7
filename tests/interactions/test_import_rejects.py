"""``cxq interactions import`` never crashes on a line and never loses one: whatever makes a line fail
(not JSON, nested too deeply, invalid, its enrichment fails, the database refuses it), that line goes
to the rejects file with its number and the reason, and the lines around it are imported.

Failures nothing in a file can cause on purpose (an enrichment bug, a value only some databases
refuse) are simulated by :func:`install_faults`, which the ``--jobs 2`` test also installs in its
subprocess (forked workers inherit it).
"""

from __future__ import annotations

import copy
import csv
import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, OperationalError, connection

from cxq.accounts.models import User
from cxq.interactions.models import Interaction
from tests.interactions.conftest import PAYLOAD
from tests.interactions.test_parallel_import import AGENTS, cxq, own_database

NEW_AGENT = "new.agent@cxq.test"  # created by the import: it must survive a batch being written twice


def install_faults(patch) -> None:
    """Enrichment blows up on a transcript saying EXPLODE; the database refuses the row with external
    id ``db-refuses`` (after inserting the batch, so the rollback is real). ``patch(obj, name, value)``."""
    from cxq.interactions import enrich, services

    run, insert = enrich.Enricher.run, services.insert_returning_ids

    def exploding(self, utterances, **kwargs):
        if any("EXPLODE" in u.text for u in utterances):
            raise RuntimeError("the language model blew up")
        return run(self, utterances, **kwargs)

    def refusing(model, columns, rows):
        rows = list(rows)
        ids = insert(model, columns, rows)
        if any(row[columns.index("external_id")] == "db-refuses" for row in rows):
            raise DataError("value refused by the database (simulated)")
        return ids

    patch(enrich.Enricher, "run", exploding)
    patch(services, "insert_returning_ids", refusing)


def item(external_id: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PAYLOAD), "external_id": external_id, "agent": {"email": NEW_AGENT}, **changes}


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


def said(text: str) -> list[dict[str, Any]]:
    return [{"speaker": "customer", "start": 0, "end": 2, "text": text}]


def rejects_of(path: Path) -> dict[int, str]:
    return {r["line"]: " ".join(r["errors"]) for r in map(json.loads, path.read_text().splitlines())}


def test_every_kind_of_line_failure_is_a_reject_with_its_line_and_the_other_lines_are_imported(
    personas, tmp_path, capsys, monkeypatch
):
    install_faults(monkeypatch.setattr)
    existing = tmp_path / "first.jsonl"
    existing.write_text(json.dumps(item("g0")) + "\n")
    call_command("interactions", "import", str(existing), "--rejects", str(tmp_path / "none.jsonl"))
    capsys.readouterr()
    lines = [
        json.dumps(item("g1")),  # 1
        "[" * 100_000,  # 2: json.loads raised RecursionError and the import died
        "{not json",  # 3
        json.dumps(item("bad-channel", channel="pigeon")),  # 4
        json.dumps(item("explodes", transcript=said("EXPLODE please"))),  # 5
        json.dumps(item("db-refuses")),  # 6: the database refuses the batch; the others are written again
        json.dumps({"id": "t1", "turns": 5}),  # 7: a research record the converter cannot read
        json.dumps(item("too-deep", metadata={"x": nested(100)})),  # 8: parses, but deeper than the limit
        json.dumps(item("g0", disposition="Escalated")),  # 9: updates g0
        json.dumps([1, 2]),  # 10
        json.dumps(item("g1")),  # 11: twice in one batch, refused as in a write in one go
        json.dumps(item("g2")),  # 12
    ]
    source, rejects = tmp_path / "calls.jsonl", tmp_path / "rejects.jsonl"
    source.write_text("\n".join(lines) + "\n")

    call_command("interactions", "import", str(source), "--rejects", str(rejects))

    assert f"2 created, 1 updated, 9 rejected (see {rejects})" in capsys.readouterr().out
    reasons = rejects_of(rejects)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert "nested too deeply (more than 64 levels" in reasons[2]
    assert "not valid JSON" in reasons[3]
    assert "channel" in reasons[4]
    assert "enrichment failed (RuntimeError: the language model blew up)" in reasons[5]
    assert "could not be written (DataError: value refused by the database (simulated))" in reasons[6]
    assert "not a record that can be read (TypeError" in reasons[7]
    assert "nested too deeply (more than 64 levels" in reasons[8]
    assert "must be a JSON object" in reasons[10]
    assert "'g1' appears twice in this batch" in reasons[11]
    assert set(Interaction.objects.values_list("external_id", flat=True)) == {"g0", "g1", "g2"}
    assert Interaction.objects.get(external_id="g0").disposition == "Escalated"
    agent = User.objects.get(email=NEW_AGENT)  # created in the rolled-back batch, and again after it
    assert set(Interaction.objects.values_list("agent", flat=True)) == {agent.pk}
    assert all(i.enrichment_status == "done" for i in Interaction.objects.all())


def test_a_value_postgresql_refuses_is_a_reject_and_the_lines_around_it_are_imported(personas, tmp_path, capsys):
    """A NUL character: PostgreSQL refuses it in text and JSON, SQLite stores it. Either way the line
    is not lost (once text input refuses NUL, it is rejected on SQLite too, as invalid)."""
    lines = [json.dumps(item("n1")), json.dumps(item("nul", transcript=said("a\x00b"))), json.dumps(item("n2"))]
    source, rejects = tmp_path / "calls.jsonl", tmp_path / "rejects.jsonl"
    source.write_text("\n".join(lines) + "\n")

    call_command("interactions", "import", str(source), "--rejects", str(rejects))

    out = capsys.readouterr().out
    imported = set(Interaction.objects.values_list("external_id", flat=True))
    assert {"n1", "n2"} <= imported
    if connection.vendor == "postgresql" or "nul" not in imported:
        assert "2 created, 0 updated, 1 rejected" in out
        assert list(rejects_of(rejects)) == [2]
    else:
        assert "3 created, 0 updated, 0 rejected" in out


def test_a_transcript_too_long_for_the_postgresql_search_index_is_a_reject_not_the_end_of_the_import(
    personas, tmp_path, capsys
):
    """PostgreSQL reports it as an OperationalError, like a lost connection, but it is the line's own."""
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(120_000)]
    transcript = [
        {"speaker": "customer", "start": i, "end": i + 1, "text": " ".join(words[i * 1_500 : (i + 1) * 1_500])}
        for i in range(80)
    ]
    lines = [json.dumps(item("a")), json.dumps(item("long", transcript=transcript)), json.dumps(item("b"))]
    source, rejects = tmp_path / "calls.jsonl", tmp_path / "rejects.jsonl"
    source.write_text("\n".join(lines) + "\n")

    call_command("interactions", "import", str(source), "--rejects", str(rejects), "--no-enrich")

    out = capsys.readouterr().out
    if connection.vendor == "postgresql":
        assert "2 created, 0 updated, 1 rejected" in out
        assert "string is too long for tsvector" in rejects_of(rejects)[2]
        assert set(Interaction.objects.values_list("external_id", flat=True)) == {"a", "b"}
    else:  # SQLite's full-text index takes it
        assert "3 created, 0 updated, 0 rejected" in out


def test_a_failing_database_stops_the_import_at_its_batch_and_keeps_what_came_before(
    personas, tmp_path, capsys, monkeypatch
):
    from cxq.interactions import services

    insert = services.insert_returning_ids

    def gone(model, columns, rows):
        rows = list(rows)
        if any(row[columns.index("external_id")] == "x-520" for row in rows):
            raise OperationalError("server closed the connection unexpectedly")
        return insert(model, columns, rows)

    monkeypatch.setattr(services, "insert_returning_ids", gone)
    lines = [json.dumps(item(f"x-{n}")) if n != 10 else "{broken" for n in range(1, 601)]
    source, rejects = tmp_path / "calls.jsonl", tmp_path / "rejects.jsonl"
    source.write_text("\n".join(lines) + "\n")

    with pytest.raises(CommandError) as stopped:
        call_command("interactions", "import", str(source), "--rejects", str(rejects), "--no-enrich")

    assert stopped.value.returncode == 1
    assert "stopped at line 501: OperationalError: server closed the connection unexpectedly" in str(stopped.value)
    assert f"499 created, 0 updated, 1 rejected (see {rejects})" in capsys.readouterr().out
    assert list(rejects_of(rejects)) == [10]
    assert Interaction.objects.count() == 499


def csv_file(path: Path, rows: list[tuple[str, str]], agent: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "channel", "started_at", "agent_email", "transcript"])
        for external_id, transcript in rows:
            writer.writerow([external_id, "voice", "2026-11-01T10:00:00Z", agent, transcript])


def long_transcript(size: int) -> str:
    words = "could you please check the invoice for the refund I asked about last week "
    text = (words * (2000 // len(words) + 1))[:2000]
    count = size // 2000 + 1
    return json.dumps([{"speaker": "customer", "start": i, "end": i + 1, "text": text} for i in range(count)])


def test_a_csv_field_over_128_kib_imports(personas, tmp_path, capsys):
    """Python's csv module refuses fields over 128 KiB: the import died on a long transcript."""
    transcript = long_transcript(200 * 1024)
    assert len(transcript) > 200 * 1024
    source = tmp_path / "calls.csv"
    csv_file(source, [("c1", json.dumps(said("hello"))), ("long", transcript), ("c3", "")], personas.agent_a1.email)
    default = csv.field_size_limit()

    call_command("interactions", "import", str(source), "--rejects", str(tmp_path / "r.jsonl"))

    assert "3 created, 0 updated, 0 rejected" in capsys.readouterr().out
    assert Interaction.objects.get(external_id="long").utterance_count == len(json.loads(transcript))
    assert csv.field_size_limit() == default  # the process-wide limit is put back


def test_a_csv_field_over_the_request_limit_is_a_reject_and_the_rows_around_it_are_imported(
    personas, tmp_path, capsys, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 150 * 1024
    source, rejects = tmp_path / "calls.csv", tmp_path / "rejects.jsonl"
    rows = [("c1", ""), ("long", long_transcript(200 * 1024)), ("c3", ""), ("c4", "[" * 100_000)]
    csv_file(source, rows, personas.agent_a1.email)

    call_command("interactions", "import", str(source), "--rejects", str(rejects))

    assert f"2 created, 0 updated, 2 rejected (see {rejects})" in capsys.readouterr().out
    reasons = rejects_of(rejects)
    assert list(reasons) == [3, 5]
    assert "a field is longer than 153,600 characters, the most an import reads" in reasons[3]
    assert "CXQ_MAX_REQUEST_MB" in reasons[3]
    assert "column transcript: the JSON is nested too deeply" in reasons[5]
    assert set(Interaction.objects.values_list("external_id", flat=True)) == {"c1", "c3"}


FAULTY_IMPORT = (
    "import sys, django; django.setup(); "
    "from cxq.interactions.management.commands import interactions as command; command.START_METHOD = 'fork'; "
    "from tests.interactions.test_import_rejects import install_faults; install_faults(setattr); "
    "from cxq.cli import main; main(['cxq', *sys.argv[1:]])"
)


@pytest.mark.django_db
def test_a_parallel_import_rejects_every_failing_line_and_writes_the_others(tmp_path):
    """``--jobs 2``: the workers parse, validate and enrich, this process writes; a failure in either
    is a reject, the batch around it is written."""
    from cxq.devdata.generator import payloads

    with own_database(tmp_path) as (env, query):
        migrated = cxq(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        items = list(payloads(1_200, AGENTS, seed=13))
        lines = [json.dumps(i) for i in items]
        lines[10] = "[" * 100_000
        lines[599] = json.dumps({**items[599], "transcript": said("EXPLODE")})
        lines[899] = json.dumps({**items[899], "external_id": "db-refuses"})
        lines[999] = json.dumps({"id": "t1", "turns": 5})
        bad = [11, 600, 900, 1000]
        if connection.vendor == "postgresql":
            lines[1099] = json.dumps({**items[1099], "transcript": said("a\x00b")})
            bad.append(1100)
        source, rejects = tmp_path / "calls.jsonl", tmp_path / "rejects.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")

        result = subprocess_import(env, str(source), "--jobs", "2", "--rejects", str(rejects))

        assert result.returncode == 0, result.stderr[-2000:]
        assert "Preparing batches in 2 worker processes (fork)." in result.stdout
        assert f"{1_200 - len(bad)} created, 0 updated, {len(bad)} rejected (see {rejects})" in result.stdout
        reasons = rejects_of(rejects)
        assert list(reasons) == bad
        assert "nested too deeply" in reasons[11] and "enrichment failed" in reasons[600]
        assert "could not be written (DataError" in reasons[900] and "TypeError" in reasons[1000]
        table = "interactions_interaction"
        assert query(f"SELECT COUNT(*), COUNT(DISTINCT external_id) FROM {table}") == [(1_200 - len(bad),) * 2]  # noqa: S608
        assert query(f"SELECT COUNT(*) FROM {table} WHERE external_id = 'db-refuses'") == [(0,)]  # noqa: S608
        assert query(f"SELECT COUNT(*) FROM {table} WHERE enrichment_status != 'done'") == [(0,)]  # noqa: S608


def subprocess_import(env: dict, *args: str):
    import subprocess
    import sys

    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", FAULTY_IMPORT, "interactions", "import", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
