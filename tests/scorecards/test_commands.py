from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cxq.scorecards.csvio import document_to_csv
from cxq.scorecards.models import Scorecard
from cxq.scoring import parse_document


def run_cxq(*args, cwd=None):
    """The real command line, against a throw-away var/ (never the developer's database)."""
    import os
    import tempfile

    env = {**os.environ, "CXQ_VAR_DIR": tempfile.mkdtemp(prefix="cxq-cli-")}
    return subprocess.run(
        [sys.executable, "-m", "cxq.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=env
    )


def test_cxq_score_prints_the_result_as_json(tmp_path, doc):
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "a.json").write_text(json.dumps({"greet": "yes", "tone": 3, "disclosure": "yes"}))
    result = run_cxq("score", "--scorecard", str(tmp_path / "s.json"), "--answers", str(tmp_path / "a.json"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    # opening: (5 + 2) / (5 + 4) = 77.78 %, weight 20; compliance 100 %, weight 10 → 85.19 %
    assert out == {
        "score_percent": 85.19,
        "earned": 9.0,
        "possible": 11.0,
        "passed": True,
        "auto_failed": False,
        "sections": [
            {
                "key": "opening",
                "earned": 7.0,
                "possible": 9.0,
                "percent": 77.78,
                "failed": False,
                "empty": False,
            },
            {
                "key": "compliance",
                "earned": 2.0,
                "possible": 2.0,
                "percent": 100.0,
                "failed": False,
                "empty": False,
            },
        ],
    }


@pytest.mark.parametrize(
    ("answers", "scorecard_patch", "message"),
    [
        ({"nope": "yes"}, None, "nope: no question has this key"),
        ({"greet": "maybe"}, None, "greet: 'maybe' is not one of its options"),
        ({"tone": 6}, None, "tone: rating 6 is outside the scale 1–5"),
        ({}, {"pass_mark": "high"}, "pass_mark: must be a number"),
    ],
)
def test_cxq_score_rejects_bad_input_with_exit_code_2_and_no_traceback(
    tmp_path, doc, answers, scorecard_patch, message
):
    doc.update(scorecard_patch or {})
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "a.json").write_text(json.dumps(answers))
    result = run_cxq("score", "--scorecard", str(tmp_path / "s.json"), "--answers", str(tmp_path / "a.json"))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cxq_score_reports_unreadable_files(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    result = run_cxq("score", "--scorecard", str(tmp_path / "bad.json"), "--answers", str(tmp_path / "none.json"))
    assert result.returncode == 2 and "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_export_and_import_commands_round_trip(tmp_path, personas, published, capsys):
    call_command("scorecards", "export", str(published.uuid), "--format", "csv", "-o", str(tmp_path / "s.csv"))
    call_command("scorecards", "import", str(tmp_path / "s.csv"))
    new_id = capsys.readouterr().out.strip().splitlines()[-1]
    imported = Scorecard.objects.get(uuid=new_id)
    assert imported.status == "draft"
    assert imported.current_version.document == published.current_version.document


def test_import_with_update_makes_a_new_version_when_scoring_changes(tmp_path, personas, published, doc, capsys):
    doc["pass_mark"] = 95
    (tmp_path / "s.csv").write_text(document_to_csv(doc), encoding="utf-8")
    call_command("scorecards", "import", str(tmp_path / "s.csv"), "--update", str(published.uuid), "--note", "stricter")
    assert capsys.readouterr().out.strip() == str(published.uuid)
    published.refresh_from_db()
    assert published.current_version.number == 2
    assert parse_document(published.current_version.document).pass_mark == 95


def test_a_bad_import_file_names_the_row_and_writes_nothing(tmp_path, personas):
    (tmp_path / "bad.csv").write_text(
        "record,section,question,option,text,type\nscorecard,,,,N,\nsection,s,,,S,\nquestion,s,q,,Q,essay\n"
    )
    result = run_cxq("scorecards", "import", str(tmp_path / "bad.csv"))
    assert result.returncode == 2
    assert "row 4" in result.stderr and "type" in result.stderr and "Traceback" not in result.stderr


def test_an_import_file_nested_too_deeply_is_refused_with_exit_code_2_and_writes_nothing(tmp_path, personas):
    (tmp_path / "deep.json").write_text("[" * 100_000)
    with pytest.raises(CommandError) as refused:
        call_command("scorecards", "import", str(tmp_path / "deep.json"))
    assert refused.value.returncode == 2
    assert "nested too deeply (more than 64 levels" in str(refused.value)
    assert not Scorecard.objects.exists()


def test_cxq_score_refuses_a_file_nested_too_deeply_with_exit_code_2_and_no_traceback(tmp_path, doc):
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "a.json").write_text("[" * 100_000)
    result = run_cxq("score", "--scorecard", str(tmp_path / "s.json"), "--answers", str(tmp_path / "a.json"))
    assert result.returncode == 2
    assert "nested too deeply (more than 64 levels" in result.stderr and "Traceback" not in result.stderr
