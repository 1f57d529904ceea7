"""``cxq scorecards export ID --format json|csv`` and ``cxq scorecards import PATH [--update ID]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cxq.accounts.models import User
from cxq.scorecards import services
from cxq.scorecards.csvio import document_to_csv
from cxq.scorecards.imports import document_from_upload
from cxq.scorecards.models import Scorecard


def _scorecard(ident: str) -> Scorecard:
    scorecard = (
        Scorecard.objects.select_related("current_version").filter(uuid=ident).first() if _is_uuid(ident) else None
    )
    if scorecard is None:
        raise CommandError(f"No scorecard with id {ident!r} (use the id shown by `cxq scorecards list`).", returncode=2)
    return scorecard


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{' '.join(m for e in errs for m in e.messages)}" for errs in exc.error_dict.values())
    return "; ".join(exc.messages)


class Command(BaseCommand):
    help = "List, export and import scorecards."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List scorecards with their ids")
        export = sub.add_parser("export", help="Print a scorecard as JSON or CSV")
        export.add_argument("id")
        export.add_argument("--format", choices=["json", "csv"], default="json")
        export.add_argument("--version", type=int, default=None, help="Version number (default: current)")
        export.add_argument("--output", "-o", default="-", help="File to write (default: standard output)")
        imp = sub.add_parser("import", help="Import a .json or .csv scorecard; prints its id")
        imp.add_argument("path")
        imp.add_argument("--update", default=None, help="Update this scorecard instead of creating one")
        imp.add_argument("--note", default="", help="Why (required when the update makes a new version)")
        imp.add_argument("--as", dest="actor", default=None, help="Email of the user recorded as the author")

    def handle(self, *args, action, **opts):
        getattr(self, f"do_{action}")(**opts)

    def do_list(self, **opts):
        for s in Scorecard.objects.select_related("current_version").order_by("name"):
            self.stdout.write(f"{s.uuid}  {s.status:<9}  v{s.current_version.number:<3} {s.name}")

    def do_export(self, *, id, format, version, output, **opts):
        scorecard = _scorecard(id)
        v = scorecard.versions.filter(number=version).first() if version else scorecard.current_version
        if v is None:
            raise CommandError(f"Scorecard {scorecard.name!r} has no version {version}.", returncode=2)
        text = (
            document_to_csv(v.document)
            if format == "csv"
            else json.dumps(v.document, indent=2, ensure_ascii=False) + "\n"
        )
        if output == "-":
            sys.stdout.write(text)
        else:
            Path(output).write_text(text, encoding="utf-8")

    def do_import(self, *, path, update, note, actor, **opts):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}", returncode=2)
        try:
            document = document_from_upload(path, data)  # the file first: a bad file needs no database
        except ValidationError as exc:
            raise CommandError(f"{path}: {_messages(exc)}", returncode=2)
        by = self._actor(actor)
        try:
            if update:
                scorecard, outcome = services.scorecard_update(
                    by=by, scorecard=_scorecard(update), document=document, change_note=note
                )
                self.stderr.write(f"{outcome.label}: {scorecard.name} (version {scorecard.current_version.number})")
            else:
                scorecard = services.scorecard_create(by=by, document=document, change_note=note or "Imported")
                self.stderr.write(f"Created draft {scorecard.name}")
        except ValidationError as exc:
            raise CommandError(f"{path}: {_messages(exc)}", returncode=2)
        self.stdout.write(str(scorecard.uuid))

    def _actor(self, email: str | None) -> User:
        """The user recorded as author: --as, else the first active admin."""
        if email:
            user = User.objects.filter(email__iexact=email, is_active=True).select_related("role").first()
            if user is None or not user.can("scorecards.edit"):
                raise CommandError(f"{email} is not an active user who may edit scorecards.", returncode=2)
            return user
        user = User.objects.filter(is_active=True, role__key="admin").select_related("role").order_by("id").first()
        if user is None:
            raise CommandError(
                "No active admin to record as the author; create one with `cxq createadmin`.", returncode=2
            )
        return user
