"""The scorecard CSV format (docs/scorecard-csv.md): one file holding settings, sections, questions and options.

The layout is documented for users in ``docs/scorecard-csv.md``. In short: a header row naming the
columns in ``COLUMNS`` (any order, optional ones may be left out), then one row per record in document
order — exactly one ``scorecard`` row first, then each ``section`` row followed by its ``question`` rows,
each followed by its ``option`` rows. Cells that do not apply to a record stay empty.

Pure module: plain Python and ``csv``, no Django. The CSV is only a different spelling of the
docs/scoring.md#the-scorecard-document
document: ``csv_to_document`` builds the document dict and lets ``parse_document`` validate it, then
translates the key path of any ``ScorecardError`` back to the row and column the value came from.
``csv_to_document(document_to_csv(doc)) == doc`` for every canonical document, and export → import →
export is byte-identical.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from cxq.scoring.document import ScorecardError, parse_document

BASE_COLUMNS = (
    "record",
    "section",
    "question",
    "option",
    "text",
    "description",
    "scoring_mode",
    "pass_mark",
    "weight",
    "type",
    "required",
    "allow_na",
    "default",
    "scale_min",
    "scale_max",
    "show_if_question",
    "show_if_answers",
    "points",
    "auto_fail",
)
# Score bands (docs/scorecard-csv.md#score-bands): written only by a scorecard that has bands, so a file
# without them keeps exactly the columns above.
BAND_COLUMNS = ("band", "band_from", "colour")
COLUMNS = BASE_COLUMNS + BAND_COLUMNS
# Without these the file cannot mean anything; every other column may be left out (= all cells empty).
REQUIRED_COLUMNS = ("record", "section", "question", "option", "text")
RECORD_TYPES = ("scorecard", "band", "section", "question", "option")
# The columns each record type fills; a value in any other column is an error, not silently dropped.
APPLIES: dict[str, frozenset[str]] = {
    "scorecard": frozenset({"record", "text", "description", "scoring_mode", "pass_mark"}),
    "band": frozenset({"record", "band", "text", "band_from", "colour"}),
    "section": frozenset({"record", "section", "text", "description", "weight"}),
    "question": frozenset(
        {
            "record",
            "section",
            "question",
            "text",
            "description",
            "type",
            "required",
            "allow_na",
            "default",
            "scale_min",
            "scale_max",
            "show_if_question",
            "show_if_answers",
        }
    ),
    "option": frozenset({"record", "section", "question", "option", "text", "points", "auto_fail"}),
}
ANSWER_SEPARATOR = "|"
BOM = "\ufeff"
TRUE_WORDS = frozenset({"yes", "true", "1"})
FALSE_WORDS = frozenset({"no", "false", "0", ""})

# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"); a leading
# apostrophe makes it text. "'" itself is guarded too, so that import can always strip exactly one.
_GUARDED_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_LAST_PATH_PART = re.compile(r"(\.[^.\[\]]+|\[[^\]]*\])$")

Where = tuple[int | None, str | None]


class CsvImportError(ValueError):
    """An invalid scorecard CSV. ``row`` is 1-based as a spreadsheet shows it (the header is row 1)."""

    def __init__(self, row: int | None, column: str | None, message: str):
        self.row = row
        self.column = column
        self.message = message
        place = ", ".join(
            part
            for part in (
                f"row {row}" if row is not None else "",
                f"column {column}" if column else "",
            )
            if part
        )
        super().__init__(f"{place}: {message}" if place else message)


# --- Export ---------------------------------------------------------------------------------------


def document_to_csv(doc: dict[str, Any], *, bom: bool = True) -> str:
    """The CSV text of a docs/scoring.md#the-scorecard-document document (validated and canonicalised first; raises
    ``ScorecardError``).

    With ``bom`` the text starts with a UTF-8 byte-order mark so that Excel reads it as UTF-8;
    ``csv_to_document`` accepts it either way.
    """
    canonical = parse_document(doc).to_document()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = COLUMNS if canonical.get("bands") else BASE_COLUMNS
    writer.writerow(columns)
    for record in _records(canonical):
        writer.writerow([_guard(record.get(column, "")) for column in columns])
    return (BOM if bom else "") + out.getvalue()


def _records(doc: dict[str, Any]) -> Iterator[dict[str, str]]:
    yield {
        "record": "scorecard",
        "text": doc["name"],
        "description": doc["description"],
        "scoring_mode": doc["scoring_mode"],
        "pass_mark": _number_cell(doc["pass_mark"]),
    }
    for band in doc.get("bands", ()):
        yield {
            "record": "band",
            "band": band["key"],
            "text": band["label"],
            "band_from": _number_cell(band["from"]),
            "colour": band["colour"],
        }
    for section in doc["sections"]:
        yield {
            "record": "section",
            "section": section["key"],
            "text": section["title"],
            "description": section["description"],
            "weight": _number_cell(section["weight"]),
        }
        for question in section["questions"]:
            yield _question_record(section["key"], question)
            for option in question["options"]:
                yield {
                    "record": "option",
                    "section": section["key"],
                    "question": question["key"],
                    "option": option["key"],
                    "text": option["label"],
                    "points": _number_cell(option["points"]),
                    "auto_fail": option["auto_fail"],
                }


def _question_record(section_key: str, q: dict[str, Any]) -> dict[str, str]:
    record = {
        "record": "question",
        "section": section_key,
        "question": q["key"],
        "text": q["text"],
        "description": q["description"],
        "type": q["type"],
        "required": _bool_cell(q["required"]),
        "allow_na": _bool_cell(q["allow_na"]),
        "default": "" if q["default"] is None else str(q["default"]),
    }
    if "scale" in q:
        record["scale_min"] = str(q["scale"]["min"])
        record["scale_max"] = str(q["scale"]["max"])
    if "show_if" in q:
        record["show_if_question"] = q["show_if"]["question"]
        record["show_if_answers"] = ANSWER_SEPARATOR.join(str(a) for a in q["show_if"]["answers"])
    return record


def _number_cell(value: int | float) -> str:
    """A JSON number as the document writes it: int when integral, else its shortest decimal."""
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def _bool_cell(value: bool) -> str:
    return "yes" if value else "no"


def _guard(value: str) -> str:
    if value.startswith(_GUARDED_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- Import ---------------------------------------------------------------------------------------


def csv_to_document(text: str) -> dict[str, Any]:
    """Parse scorecard CSV text into a validated canonical docs/scoring.md#the-scorecard-document document. Raises
    ``CsvImportError``.

    1. Drop a leading BOM; pick the delimiter (``,`` or ``;``) from the header row.
    2. Read the header (the first non-blank row): known column names, no duplicates, required ones present.
    3. Turn each non-blank row into its part of the document, checking the order of records and the
       cells that only this format has (booleans, ``|``-separated answers), and remember which row and
       column every document key path came from.
    4. Validate with ``parse_document``; a ``ScorecardError`` path is mapped back to its row and column.
    """
    if text.startswith(BOM):
        text = text[len(BOM) :]
    if not text.strip():
        raise CsvImportError(None, None, "the file is empty; start from the downloadable template")
    delimiter = _delimiter(text)
    rows = _rows(text, delimiter)
    _, columns = _header(rows)
    builder = _DocumentBuilder(decimal_comma=delimiter == ";")
    for row, raw in rows:
        builder.add(row, _cells(row, raw, columns))
    doc, where = builder.finish()
    try:
        return parse_document(doc).to_document()
    except ScorecardError as exc:
        row, column = _locate(exc.path, where)
        raise CsvImportError(row, column, exc.message) from exc


def _delimiter(text: str) -> str:
    """``,`` or ``;`` (Excel's choice where the decimal separator is a comma), judged by the header."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for delimiter in (",", ";"):
        names = next(csv.reader([first], delimiter=delimiter), [])
        if "record" in (_clean(name).lower() for name in names):
            return delimiter
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;").delimiter
    except csv.Error:
        return ","


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with their spreadsheet row number (a quoted multi-line cell stays one row)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvImportError(row + 1, None, f"this row is not valid CSV ({exc})") from None
        row += 1
        if any(_clean(cell) for cell in cells):
            yield row, cells


def _header(rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    try:
        row, cells = next(rows)
    except StopIteration:
        raise CsvImportError(None, None, "the file is empty; start from the downloadable template") from None
    names = [_clean(cell).lower() for cell in cells]
    for i, name in enumerate(names):
        if not name:
            continue
        if name not in COLUMNS:
            raise CsvImportError(row, name, f"unknown column {name!r}; the columns are {', '.join(COLUMNS)}")
        if name in names[:i]:
            raise CsvImportError(row, name, f"the column {name!r} appears twice")
    for name in REQUIRED_COLUMNS:
        if name not in names:
            raise CsvImportError(
                row,
                name,
                f"the header row has no {name!r} column; the first row must name the columns "
                f"({', '.join(COLUMNS)}), separated by commas or semicolons",
            )
    return row, names


def _cells(row: int, raw: list[str], columns: list[str]) -> dict[str, str]:
    cells = dict.fromkeys(COLUMNS, "")
    for i, value in enumerate(raw):
        value = _clean(value)
        name = columns[i] if i < len(columns) else ""
        if name:
            cells[name] = value
        elif value:
            raise CsvImportError(row, None, f"cell {i + 1} ({value!r}) is in a column without a header")
    return cells


def _clean(cell: str) -> str:
    """Trim a cell and drop one formula-guard apostrophe."""
    cell = cell.strip()
    return cell[1:] if cell.startswith("'") else cell


def _locate(path: str, where: dict[str, Where]) -> Where:
    """The row and column a document key path came from, or of its nearest recorded parent."""
    while path:
        if path in where:
            return where[path]
        path = _LAST_PATH_PART.sub("", path)
    return where.get("", (None, None))


class _DocumentBuilder:
    """Assembles the docs/scoring.md#the-scorecard-document document row by row and records where each key path came
    from."""

    def __init__(self, *, decimal_comma: bool):
        self.decimal_comma = decimal_comma
        self.doc: dict[str, Any] | None = None
        self.where: dict[str, Where] = {}
        self.scorecard_row = 0
        self.section: dict[str, Any] | None = None
        self.section_row = 0
        self.section_path = ""
        self.question: dict[str, Any] | None = None
        self.question_row = 0
        self.question_path = ""
        self.questions: list[dict[str, Any]] = []

    def add(self, row: int, cells: dict[str, str]) -> None:
        record = _word(cells["record"])
        if record not in RECORD_TYPES:
            what = f"unknown record type {cells['record']!r}" if cells["record"] else "give the record type"
            raise CsvImportError(row, "record", f"{what}; use one of {', '.join(RECORD_TYPES)}")
        if record != "scorecard" and self.doc is None:
            raise CsvImportError(row, "record", "the first row after the header must be the scorecard row")
        for column, value in cells.items():
            if value and column not in APPLIES[record]:
                raise CsvImportError(row, column, f"does not apply to a {record} row; leave it empty")
        getattr(self, f"_{record}")(row, cells)

    def finish(self) -> tuple[dict[str, Any], dict[str, Where]]:
        if self.doc is None:
            raise CsvImportError(None, "record", "the file has no scorecard row")
        for question in self.questions:
            if not question["options"]:
                del question["options"]  # yes/no and rating-scale questions then take their default options
        return self.doc, self.where

    # One method per record type --------------------------------------------------------------------

    def _scorecard(self, row: int, cells: dict[str, str]) -> None:
        if self.doc is not None:
            raise CsvImportError(
                row,
                "record",
                f"a file holds one scorecard, and row {self.scorecard_row} is its scorecard row",
            )
        self.scorecard_row = row
        self.doc = {"name": cells["text"], "description": cells["description"], "sections": []}
        if cells["scoring_mode"]:
            self.doc["scoring_mode"] = _word(cells["scoring_mode"])
        if cells["pass_mark"]:
            self.doc["pass_mark"] = self._number(cells["pass_mark"])
        self._remember(
            "",
            row,
            name="text",
            description="description",
            scoring_mode="scoring_mode",
            pass_mark="pass_mark",
        )
        self.where[""] = (row, None)

    def _band(self, row: int, cells: dict[str, str]) -> None:
        assert self.doc is not None
        if self.doc["sections"]:
            raise CsvImportError(row, "record", "band rows come right after the scorecard row, before any section")
        bands = self.doc.setdefault("bands", [])
        path = f"bands[{len(bands)}]"
        band: dict[str, Any] = {"key": cells["band"], "label": cells["text"]}
        if cells["band_from"]:
            band["from"] = self._number(cells["band_from"])
        if cells["colour"]:
            band["colour"] = _word(cells["colour"])
        bands.append(band)
        if len(bands) == 1:
            self.where["bands"] = (row, "band")
        self._remember(path, row, key="band", label="text", **{"from": "band_from"}, colour="colour")

    def _section(self, row: int, cells: dict[str, str]) -> None:
        assert self.doc is not None
        path = f"sections[{len(self.doc['sections'])}]"
        section: dict[str, Any] = {
            "key": cells["section"],
            "title": cells["text"],
            "description": cells["description"],
            "questions": [],
        }
        if cells["weight"]:
            section["weight"] = self._number(cells["weight"])
        if not self.doc["sections"]:  # "at least one section needs a weight above 0"
            self.where["sections"] = (row, "weight")
        self.doc["sections"].append(section)
        self._remember(path, row, key="section", title="text", description="description", weight="weight")
        self.section, self.section_row, self.section_path = section, row, path
        self.question = None

    def _question(self, row: int, cells: dict[str, str]) -> None:
        section = self._parent_section(row, cells, "question")
        path = f"{self.section_path}.questions[{len(section['questions'])}]"
        question: dict[str, Any] = {
            "key": cells["question"],
            "text": cells["text"],
            "description": cells["description"],
            "required": _boolean(row, "required", cells["required"]),
            "allow_na": _boolean(row, "allow_na", cells["allow_na"]),
            "options": [],
        }
        if cells["type"]:
            question["type"] = _word(cells["type"])
        if cells["default"]:
            question["default"] = _answer(cells["default"])
            if question.get("type") == "rating_scale":  # answers to a scale are integers, as in JSON
                question["default"] = _whole(question["default"])
        if cells["scale_min"] or cells["scale_max"]:
            question["scale"] = {"min": _whole(cells["scale_min"]), "max": _whole(cells["scale_max"])}
        if cells["show_if_question"] or cells["show_if_answers"]:
            question["show_if"] = _show_if(row, cells)
        section["questions"].append(question)
        self.questions.append(question)
        self._remember(
            path,
            row,
            key="question",
            text="text",
            description="description",
            type="type",
            required="required",
            allow_na="allow_na",
            default="default",
            scale="scale_max" if cells["scale_max"] and not cells["scale_min"] else "scale_min",
            **{"scale.min": "scale_min", "scale.max": "scale_max"},
            show_if="show_if_question",
            **{"show_if.question": "show_if_question", "show_if.answers": "show_if_answers"},
        )
        self.question, self.question_row, self.question_path = question, row, path

    def _option(self, row: int, cells: dict[str, str]) -> None:
        section = self._parent_section(row, cells, "option")
        question = self.question
        if question is None:
            raise CsvImportError(
                row,
                "question",
                f"an option row must come after the row of its question, and section {section['key']!r} "
                "has no question row above this one",
            )
        if cells["question"] != question["key"]:
            raise CsvImportError(
                row,
                "question",
                f"this option follows question {question['key']!r} (row {self.question_row}) but names "
                f"{cells['question']!r}; option rows come right after the row of their question",
            )
        path = f"{self.question_path}.options[{len(question['options'])}]"
        option: dict[str, Any] = {"key": cells["option"]}
        if cells["text"]:
            option["label"] = cells["text"]
        if cells["points"]:
            option["points"] = self._number(cells["points"])
        if cells["auto_fail"]:
            option["auto_fail"] = _word(cells["auto_fail"])
        question["options"].append(option)
        self._remember(path, row, key="option", label="text", points="points", auto_fail="auto_fail")

    # Helpers --------------------------------------------------------------------------------------

    def _parent_section(self, row: int, cells: dict[str, str], record: str) -> dict[str, Any]:
        """The section a question/option row belongs to: the latest section row, which it must name."""
        section = self.section
        if section is None:
            raise CsvImportError(row, "section", f"a {record} row must come after the row of its section")
        if cells["section"] != section["key"]:
            named = repr(cells["section"]) if cells["section"] else "no section"
            raise CsvImportError(
                row,
                "section",
                f"this row comes under section {section['key']!r} (row {self.section_row}) but names "
                f"{named}; each {record} row names the section it follows",
            )
        return section

    def _remember(self, path: str, row: int, **fields: str) -> None:
        self.where[path] = (row, None)
        for field, column in fields.items():
            self.where[f"{path}.{field}" if path else field] = (row, column)

    def _number(self, cell: str) -> str:
        """A number cell as text for ``parse_document``; a ``;`` file may use a decimal comma."""
        if self.decimal_comma and _DECIMAL_COMMA.fullmatch(cell):
            return cell.replace(",", ".")
        return cell


def _word(cell: str) -> str:
    """An enumerated value, forgiving of case and spacing: "Rating scale" → "rating_scale"."""
    return re.sub(r"[\s\-/]+", "_", cell.strip().lower())


def _boolean(row: int, column: str, cell: str) -> bool:
    value = cell.lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CsvImportError(row, column, f"write yes or no, not {cell!r}")


def _whole(cell: str) -> int | str | None:
    """An integer for a scale bound; anything else goes through for ``parse_document`` to reject."""
    if not cell:
        return None
    return int(cell) if _WHOLE_NUMBER.fullmatch(cell) else cell


def _answer(cell: str) -> str:
    return "na" if cell.lower() == "n/a" else cell


def _show_if(row: int, cells: dict[str, str]) -> dict[str, Any]:
    if not cells["show_if_question"]:
        raise CsvImportError(row, "show_if_question", "give the key of the question whose answers show this one")
    answers = [_answer(a.strip()) for a in cells["show_if_answers"].split(ANSWER_SEPARATOR)]
    if not any(answers):
        raise CsvImportError(
            row,
            "show_if_answers",
            f"give the answers of {cells['show_if_question']!r} that show this question, separated by "
            f"{ANSWER_SEPARATOR!r}",
        )
    return {"question": cells["show_if_question"], "answers": [a for a in answers if a]}


# --- Template -------------------------------------------------------------------------------------

TEMPLATE_DOCUMENT: dict[str, Any] = {
    "name": "Customer service QA (example)",
    "description": (
        "An example to start from: edit the rows, add your own, delete what you do not need. "
        "Keys (section, question, option columns) must stay unique; texts can say anything."
    ),
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "description": "The first 30 seconds of the conversation.",
            "weight": 20,
            "questions": [
                {
                    "key": "greeting",
                    "text": "Did the agent greet the customer and give their name?",
                    "description": "Use the standard greeting for the channel.",
                    "type": "yes_no",
                    "required": True,
                    "default": "yes",
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 5},
                        {"key": "no", "label": "No", "points": 0},
                    ],
                },
                {
                    "key": "verification",
                    "text": "Did the agent verify the customer's identity before discussing the account?",
                    "description": "Skipping verification is a compliance breach and fails the evaluation.",
                    "type": "single_choice",
                    "required": True,
                    "options": [
                        {"key": "full", "label": "Fully verified", "points": 5},
                        {"key": "partial", "label": "Partly verified", "points": 2},
                        {
                            "key": "skipped",
                            "label": "Not verified",
                            "points": 0,
                            "auto_fail": "evaluation",
                        },
                    ],
                },
            ],
        },
        {
            "key": "resolution",
            "title": "Resolution",
            "description": "Understanding and solving the customer's problem.",
            "weight": 50,
            "questions": [
                {
                    "key": "understanding",
                    "text": "How well did the agent understand the issue?",
                    "description": "1 = misunderstood the request, 5 = understood it fully on first telling.",
                    "type": "rating_scale",
                    "required": True,
                    "default": 3,
                    "scale": {"min": 1, "max": 5},
                    "options": [
                        {"key": "1", "label": "Poor", "points": 0},
                        {"key": "2", "points": 1},
                        {"key": "3", "points": 2},
                        {"key": "4", "points": 3},
                        {"key": "5", "label": "Excellent", "points": 4},
                    ],
                },
                {
                    "key": "resolved",
                    "text": "Was the issue resolved on this contact?",
                    "type": "yes_no",
                    "required": True,
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 10},
                        {"key": "no", "label": "No", "points": 0},
                    ],
                },
                {
                    "key": "next_steps",
                    "text": "Did the agent explain the next steps and when the customer will hear back?",
                    "description": "Only asked when the issue was not resolved on this contact.",
                    "type": "single_choice",
                    "show_if": {"question": "resolved", "answers": ["no"]},
                    "options": [
                        {"key": "clear", "label": "Clear next steps and timeline", "points": 5},
                        {"key": "vague", "label": "Vague or no timeline", "points": 2},
                        {"key": "none", "label": "Not explained", "points": 0},
                    ],
                },
            ],
        },
        {
            "key": "closing",
            "title": "Closing",
            "description": "",
            "weight": 30,
            "questions": [
                {
                    "key": "hold",
                    "text": "Did the agent follow the hold procedure?",
                    "description": "Asked permission, came back within 2 minutes. N/A if there was no hold.",
                    "type": "yes_no",
                    "allow_na": True,
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 5},
                        {"key": "no", "label": "No", "points": 0},
                    ],
                },
                {
                    "key": "close",
                    "text": "Did the agent offer further help and close the conversation politely?",
                    "type": "yes_no",
                    "required": True,
                    "default": "yes",
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 5},
                        {"key": "no", "label": "No", "points": 0},
                    ],
                },
            ],
        },
    ],
}


def template_csv(*, bom: bool = True) -> str:
    """The downloadable example scorecard as CSV (it imports cleanly)."""
    return document_to_csv(TEMPLATE_DOCUMENT, bom=bom)
