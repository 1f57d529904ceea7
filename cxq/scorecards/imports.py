"""Reading uploaded scorecard files (docs/scorecard-csv.md, docs/scoring.md#the-scorecard-document): the format comes
from the file name's extension."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

from cxq.lib import jsonlimit
from cxq.scorecards.csvio import CsvImportError, csv_to_document
from cxq.scorecards.services import parse_or_invalid

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def format_from_name(name: str) -> str:
    lower = (name or "").lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".csv"):
        return "csv"
    raise ValidationError({"file": "Upload a .json or .csv scorecard file."})


def document_from_text(fmt: str, text: str) -> dict:
    """A validated canonical document from JSON or CSV text; errors name the key path or row/column."""
    if fmt == "json":
        try:
            data = jsonlimit.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"file": f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."})
        except jsonlimit.TooDeep as exc:
            raise ValidationError({"file": f"The JSON is {exc}."})
        return parse_or_invalid(data).to_document()
    if fmt == "csv":
        try:
            return csv_to_document(text)
        except CsvImportError as exc:
            raise ValidationError({"file": str(exc)})
    raise ValidationError({"format": "The format must be json or csv."})


def document_from_upload(name: str, data: bytes) -> dict:
    fmt = format_from_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "The file is larger than 2 MB; a scorecard is much smaller than that."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)."})
    return document_from_text(fmt, text)
