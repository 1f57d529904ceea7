"""``cxq score --scorecard S.json --answers A.json``: score answers against a docs/scoring.md#the-scorecard-document
document and
print the docs/scoring.md#scoring-rules result as JSON. Bad input exits with code 2 and a message naming the key."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxq.lib import jsonlimit
from cxq.scoring import (
    AnswerError,
    ScorecardError,
    compile_scorecard,
    normalize_answers,
    parse_document,
    score,
)


def _load(path: str, what: str):
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror}", returncode=2)
    try:
        return jsonlimit.loads(text)
    except jsonlimit.TooDeep as exc:
        raise CommandError(f"The {what} file {path} is {exc}", returncode=2)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"The {what} file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            returncode=2,
        )


class Command(BaseCommand):
    help = "Score answers against a scorecard document and print the result as JSON."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--scorecard", required=True, help="Scorecard document (JSON, see docs/scoring.md)")
        parser.add_argument("--answers", required=True, help='Answers: {"question": "option" | rating | "na"}')

    def handle(self, *args, scorecard, answers, **opts):
        try:
            compiled = compile_scorecard(parse_document(_load(scorecard, "scorecard")))
        except ScorecardError as exc:
            raise CommandError(f"Invalid scorecard: {exc}", returncode=2)
        try:
            normalized = normalize_answers(compiled, _load(answers, "answers"))
        except AnswerError as exc:
            raise CommandError(f"Invalid answers: {exc}", returncode=2)
        self.stdout.write(json.dumps(score(compiled, normalized).as_json(), indent=2))
