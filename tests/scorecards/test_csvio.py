"""The scorecard CSV format (docs/scorecard-csv.md): exact round-trips, and errors that name the row and column."""

from __future__ import annotations

import copy
import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxq.scorecards.csvio import BASE_COLUMNS as COLUMNS  # a scorecard without bands writes only these
from cxq.scorecards.csvio import (
    BOM,
    CsvImportError,
    csv_to_document,
    document_to_csv,
    template_csv,
)
from cxq.scoring import parse_document
from cxq.scoring.tests.test_document import SPEC_EXAMPLE
from cxq.scoring.tests.test_properties import scorecards

SPEC_DOC = parse_document(SPEC_EXAMPLE).to_document()

# --- Round trips ----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(scorecards())
def test_any_valid_document_round_trips_through_csv(card):
    doc = card.to_document()
    text = document_to_csv(doc)
    assert csv_to_document(text) == doc
    assert document_to_csv(csv_to_document(text)) == text


# Texts that a spreadsheet or the CSV quoting could trip over: formula starts, quotes, separators,
# line breaks, non-ASCII.
AWKWARD_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.tuples(
        st.sampled_from(["=", "+", "-", "@", "'", "''", '"', ",", ";", "|", "\n", "-1", "=1+1"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
    ).map("".join),
)
REQUIRED_TEXT = AWKWARD_TEXT.filter(lambda s: s.strip())
POINTS = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def documents_with_awkward_cells(draw):
    doc = draw(scorecards()).to_document()
    doc["name"] = draw(REQUIRED_TEXT)
    doc["description"] = draw(AWKWARD_TEXT)
    for section in doc["sections"]:
        section["title"] = draw(REQUIRED_TEXT)
        section["description"] = draw(AWKWARD_TEXT)
        section["weight"] = str(draw(POINTS) + 1)
        for question in section["questions"]:
            question["text"] = draw(REQUIRED_TEXT)
            question["description"] = draw(AWKWARD_TEXT)
            for option in question["options"]:
                option["label"] = draw(AWKWARD_TEXT)
                option["points"] = str(draw(POINTS))
    if doc["scoring_mode"] == "points":
        doc["pass_mark"] = str(draw(POINTS))
    return parse_document(doc).to_document()


@settings(max_examples=200, deadline=None)
@given(documents_with_awkward_cells())
def test_awkward_texts_and_decimal_numbers_round_trip_byte_for_byte(doc):
    text = document_to_csv(doc)
    assert csv_to_document(text) == doc
    assert document_to_csv(csv_to_document(text)) == text


def test_the_spec_example_round_trips_and_reads_as_one_row_per_record():
    text = document_to_csv(SPEC_EXAMPLE, bom=False)
    assert csv_to_document(text) == SPEC_DOC
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == [
        "scorecard",
        "section",
        "question",
        "option",
        "option",
        "question",
        *["option"] * 5,
        "question",
        "option",
        "option",
    ]
    tone = dict(zip(COLUMNS, rows[6], strict=True))
    assert (tone["type"], tone["default"], tone["scale_min"], tone["scale_max"]) == (
        "rating_scale",
        "3",
        "1",
        "5",
    )
    assert (tone["required"], tone["allow_na"]) == ("no", "yes")
    why = dict(zip(COLUMNS, rows[12], strict=True))
    assert (why["show_if_question"], why["show_if_answers"]) == ("greet", "no")


def test_the_export_starts_with_a_bom_for_excel_and_the_import_accepts_it_or_not():
    with_bom = document_to_csv(SPEC_DOC)
    assert with_bom.startswith(BOM)
    assert with_bom[len(BOM) :] == document_to_csv(SPEC_DOC, bom=False)
    assert csv_to_document(with_bom) == csv_to_document(with_bom[len(BOM) :]) == SPEC_DOC


def test_the_template_imports_cleanly_and_shows_every_feature():
    text = template_csv()
    doc = csv_to_document(text)
    assert document_to_csv(doc) == text
    assert doc["scoring_mode"] == "percentage"
    assert 2 <= len(doc["sections"]) <= 3 and all(s["weight"] > 0 for s in doc["sections"])
    questions = [q for s in doc["sections"] for q in s["questions"]]
    assert any(q["type"] == "yes_no" and q["default"] is not None for q in questions)
    scale = next(q for q in questions if q["type"] == "rating_scale")
    assert scale["scale"] == {"min": 1, "max": 5}
    labels = [o["label"] for o in scale["options"]]
    assert labels[0] != "1" and labels[-1] != "5" and labels[1:4] == ["2", "3", "4"]
    assert any(
        q["type"] == "single_choice" and any(o["auto_fail"] == "evaluation" for o in q["options"]) for q in questions
    )
    assert any("show_if" in q for q in questions)
    assert any(q["allow_na"] for q in questions)


# --- Spreadsheet dialects -------------------------------------------------------------------------


def spec_rows() -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(document_to_csv(SPEC_DOC, bom=False), newline=""))]


def to_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def edit(rows, row, column, value):
    rows[row - 1][COLUMNS.index(column)] = value
    return rows


def test_an_excel_semicolon_file_with_decimal_commas_parses():
    rows = edit(spec_rows(), 5, "points", "2,5")  # greet: yes
    text = BOM + to_text(rows, delimiter=";")
    doc = csv_to_document(text)
    expected = copy.deepcopy(SPEC_DOC)
    expected["sections"][0]["questions"][0]["options"][0]["points"] = 2.5
    assert doc == expected


def test_a_comma_file_reads_decimal_points_and_rejects_decimal_commas():
    doc = csv_to_document(to_text(edit(spec_rows(), 5, "points", "2.5")))
    assert doc["sections"][0]["questions"][0]["options"][0]["points"] == 2.5
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(to_text(edit(spec_rows(), 5, "points", "2,5")))
    assert (exc.value.row, exc.value.column) == (5, "points")


def test_formula_like_texts_are_guarded_on_export_and_restored_on_import():
    doc = copy.deepcopy(SPEC_DOC)
    doc["name"] = "=HYPERLINK('http://evil')"
    doc["description"] = "-1+2"
    doc["sections"][0]["title"] = "@SUM(A1)"
    doc["sections"][0]["questions"][0]["text"] = "+greeted?"
    doc["sections"][0]["questions"][0]["description"] = "'quoted'"
    doc["sections"][0]["questions"][2]["options"][0]["label"] = "-5"  # a plain number is not a formula
    text = document_to_csv(doc, bom=False)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = {c for r in rows for c in r}
    assert {"'=HYPERLINK('http://evil')", "'-1+2", "'@SUM(A1)", "'+greeted?", "''quoted'", "-5"} <= cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert csv_to_document(text) == doc
    assert document_to_csv(csv_to_document(text), bom=False) == text


def test_a_spreadsheet_that_dropped_the_guard_still_imports_the_text():
    rows = edit(spec_rows(), 2, "text", "=Support QA")
    assert csv_to_document(to_text(rows))["name"] == "=Support QA"


def test_blank_rows_are_skipped_but_still_count_in_row_numbers():
    rows = spec_rows()
    rows.insert(2, ["", "", ""])
    rows.insert(0, [])
    text = to_text(rows) + "\r\n,,,\r\n"
    assert csv_to_document(text) == SPEC_DOC
    edit(rows, 7, "points", "-1")  # was row 5: greet's "yes" option
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(to_text(rows))
    assert (exc.value.row, exc.value.column) == (7, "points")


HAND_WRITTEN = (
    "text,record,section,question,option,type,scale_min,scale_max,show_if_question,show_if_answers,default,allow_na\n"
    "Minimal,scorecard,,,,,,,,,,\n"
    ",,,,,,,,,,,\n"
    "Opening,section,s,,,,,,,,,\n"
    "Greeted?,question,s,greet,,Yes/No,,,,,{default},1\n"
    "Mood,question,s,mood,,rating scale,1,3,greet,no | N/A,,TRUE\n"
    "Low,option,s,mood,1,,,,,,,\n"
)


def test_a_hand_written_file_may_reorder_columns_and_leave_optional_ones_out():
    # Missing rating-scale option rows would not do: a scale needs all its options, or none.
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(HAND_WRITTEN.format(default="yes"))
    assert (exc.value.row, exc.value.column) == (6, None)
    text = HAND_WRITTEN.format(default="yes").rsplit("Low,option", 1)[0]
    doc = csv_to_document(text)
    assert doc["name"] == "Minimal" and doc["scoring_mode"] == "percentage" and doc["pass_mark"] == 0
    greet, mood = doc["sections"][0]["questions"]
    assert greet["type"] == "yes_no" and greet["default"] == "yes" and greet["required"] is False
    assert [(o["key"], o["points"]) for o in greet["options"]] == [("yes", 1), ("no", 0)]
    assert mood["type"] == "rating_scale" and mood["allow_na"] is True
    assert mood["show_if"] == {"question": "greet", "answers": ["no", "na"]}
    # Option keys are case-sensitive: "Yes" is not the key of the yes option.
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(HAND_WRITTEN.format(default="Yes"))
    assert (exc.value.row, exc.value.column) == (5, "default")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("true", True),
        ("True", True),
        ("1", True),
        ("no", False),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_booleans_accept_the_usual_spellings(cell, expected):
    rows = edit(spec_rows(), 4, "required", cell)
    assert csv_to_document(to_text(rows))["sections"][0]["questions"][0]["required"] is expected


def test_a_rating_scale_without_option_rows_takes_its_default_options_and_an_integer_default():
    rows = [r for i, r in enumerate(spec_rows(), start=1) if not 8 <= i <= 12]
    edit(rows, 7, "default", "4")
    tone = csv_to_document(to_text(rows))["sections"][0]["questions"][1]
    assert tone["default"] == 4
    assert [(o["key"], o["points"]) for o in tone["options"]] == [(str(v), v - 1) for v in range(1, 6)]


def test_a_multi_line_description_stays_one_row():
    doc = copy.deepcopy(SPEC_DOC)
    doc["sections"][0]["questions"][0]["description"] = 'Line one,\r\nline two; "quoted"\nline three'
    text = document_to_csv(doc, bom=False)
    assert csv_to_document(text) == doc
    rows = edit(list(csv.reader(io.StringIO(text, newline=""))), 5, "points", "-1")
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(to_text(rows))
    assert (exc.value.row, exc.value.column) == (5, "points")


def test_the_error_reads_row_then_column_then_reason():
    assert str(CsvImportError(7, "points", "must not be negative")) == "row 7, column points: must not be negative"
    assert str(CsvImportError(7, None, "bad")) == "row 7: bad"
    assert str(CsvImportError(None, None, "bad")) == "bad"


# --- Bad inputs: each error names the row and column ----------------------------------------------
# The base file is the spec example: 1 header, 2 scorecard, 3 section "opening", 4 question "greet"
# (5–6 its options), 7 question "tone" (8–12), 13 question "why" (14–15).


def insert(rows, at, cells):
    row = [""] * len(COLUMNS)
    for column, value in cells.items():
        row[COLUMNS.index(column)] = value
    rows.insert(at - 1, row)
    return rows


def rename_question(rows, first, last, key):
    for row in range(first, last + 1):
        edit(rows, row, "question", key)
    return rows


def without_column(rows, column):
    index = COLUMNS.index(column)
    return [r[:index] + r[index + 1 :] for r in rows]


BAD_INPUTS = [
    ("negative points", lambda r: edit(r, 5, "points", "-1"), 5, "points", "must not be negative"),
    ("points not a number", lambda r: edit(r, 9, "points", "lots"), 9, "points", "must be a number"),
    ("unknown type", lambda r: edit(r, 4, "type", "essay"), 4, "type", "must be one of yes_no"),
    (
        "option row before any question",
        lambda r: insert(r, 4, {"record": "option", "section": "opening", "question": "greet", "option": "x"}),
        4,
        "question",
        "must come after the row of its question",
    ),
    (
        "option naming another question",
        lambda r: edit(r, 6, "question", "tone"),
        6,
        "question",
        "follows question 'greet' (row 4) but names 'tone'",
    ),
    (
        "option naming another section",
        lambda r: edit(r, 6, "section", "closing"),
        6,
        "section",
        "comes under section 'opening' (row 3)",
    ),
    (
        "question before any section",
        lambda r: r[:2] + r[3:],
        3,
        "section",
        "must come after the row of its section",
    ),
    (
        "duplicate question key",
        lambda r: rename_question(r, 13, 15, "greet"),
        13,
        "question",
        "duplicate question key 'greet'",
    ),
    ("duplicate option key", lambda r: edit(r, 6, "option", "yes"), 6, "option", "duplicate option key"),
    (
        "duplicate section key",
        lambda r: insert(r, 16, {"record": "section", "section": "opening", "text": "X"}),
        16,
        "section",
        "duplicate section key",
    ),
    (
        "invalid question key",
        lambda r: rename_question(r, 13, 15, "has space"),
        13,
        "question",
        "not a valid key",
    ),
    (
        "show_if naming a later question",
        lambda r: edit(edit(r, 7, "show_if_question", "why"), 7, "show_if_answers", "a"),
        7,
        "show_if_question",
        "names no earlier question: 'why'",
    ),
    (
        "show_if answer that is no answer",
        lambda r: edit(r, 13, "show_if_answers", "no|maybe"),
        13,
        "show_if_answers",
        "'maybe' is not an answer of question 'greet'",
    ),
    (
        "show_if answers without a question",
        lambda r: edit(r, 13, "show_if_question", ""),
        13,
        "show_if_question",
        "give the key of the question",
    ),
    (
        "show_if question without answers",
        lambda r: edit(r, 13, "show_if_answers", " | "),
        13,
        "show_if_answers",
        "give the answers of 'greet'",
    ),
    ("bad boolean", lambda r: edit(r, 4, "required", "maybe"), 4, "required", "write yes or no, not 'maybe'"),
    ("default not an option", lambda r: edit(r, 4, "default", "perhaps"), 4, "default", "not an option"),
    (
        "rating default off the scale",
        lambda r: edit(r, 7, "default", "9"),
        7,
        "default",
        "9 is not an option",
    ),
    ("scale bound not a number", lambda r: edit(r, 7, "scale_max", "five"), 7, "scale_max", "whole number"),
    (
        "scale on a yes/no question",
        lambda r: edit(r, 4, "scale_max", "5"),
        4,
        "scale_max",
        "only rating-scale",
    ),
    ("rating option missing", lambda r: r[:11] + r[12:], 7, None, "a 1–5 scale needs exactly one option"),
    (
        "yes/no options wrong",
        lambda r: edit(r, 6, "option", "nope"),
        4,
        None,
        "exactly the options 'yes' and 'no'",
    ),
    ("single choice without options", lambda r: r[:13], 13, None, "give at least one option"),
    ("bad auto_fail", lambda r: edit(r, 5, "auto_fail", "sometimes"), 5, "auto_fail", "must be one of none"),
    (
        "all weights zero",
        lambda r: edit(r, 3, "weight", "0"),
        3,
        "weight",
        "at least one section needs a weight",
    ),
    ("negative weight", lambda r: edit(r, 3, "weight", "-5"), 3, "weight", "must not be negative"),
    ("empty name", lambda r: edit(r, 2, "text", " "), 2, "text", "must not be empty"),
    ("empty section title", lambda r: edit(r, 3, "text", ""), 3, "text", "must not be empty"),
    ("percentage pass mark above 100", lambda r: edit(r, 2, "pass_mark", "120"), 2, "pass_mark", "above 100"),
    (
        "unknown scoring mode",
        lambda r: edit(r, 2, "scoring_mode", "stars"),
        2,
        "scoring_mode",
        "must be one of",
    ),
    ("value where it does not apply", lambda r: edit(r, 3, "points", "5"), 3, "points", "does not apply"),
    (
        "unknown record type",
        lambda r: edit(r, 3, "record", "chapter"),
        3,
        "record",
        "unknown record type 'chapter'",
    ),
    ("missing record type", lambda r: edit(r, 3, "record", ""), 3, "record", "give the record type"),
    (
        "two scorecard rows",
        lambda r: insert(r, 3, {"record": "scorecard", "text": "Again"}),
        3,
        "record",
        "row 2 is its scorecard row",
    ),
    (
        "section before the scorecard row",
        lambda r: [r[0], r[2], r[1], *r[3:]],
        2,
        "record",
        "the first row after the header must be the scorecard row",
    ),
    ("missing record column", lambda r: without_column(r, "record"), 1, "record", "has no 'record' column"),
    ("missing text column", lambda r: without_column(r, "text"), 1, "text", "has no 'text' column"),
    ("unknown column", lambda r: [r[0] + ["color"]] + r[1:], 1, "color", "unknown column 'color'"),
    ("duplicate column", lambda r: [r[0] + ["points"]] + r[1:], 1, "points", "appears twice"),
    ("value beyond the header", lambda r: r[:4] + [r[4] + ["stray"]] + r[5:], 5, None, "without a header"),
    ("header only", lambda r: r[:1], None, "record", "no scorecard row"),
]


@pytest.mark.parametrize(
    ("mutate", "row", "column", "words"),
    [pytest.param(m, row, col, words, id=name) for name, m, row, col, words in BAD_INPUTS],
)
def test_each_bad_input_names_its_row_and_column(mutate, row, column, words):
    text = to_text(mutate(spec_rows()))
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(text)
    assert (exc.value.row, exc.value.column) == (row, column)
    assert words in exc.value.message


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("", None, "the file is empty"),
        (BOM + " \r\n\r\n", None, "the file is empty"),
        ('record,section,question,option,text\r\nscorecard,,,,"Support QA"x\r\n', 2, "not valid CSV"),
        ('record,section,question,option,text\r\nscorecard,,,,"Support QA\r\n', 2, "not valid CSV"),
    ],
)
def test_unreadable_files_get_a_plain_message(text, row, words):
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(text)
    assert exc.value.row == row
    assert words in exc.value.message


def test_a_decimal_with_more_than_four_places_is_refused_at_its_cell():
    rows = edit(spec_rows(), 14, "points", str(Decimal("1.23456")))
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(to_text(rows))
    assert (exc.value.row, exc.value.column, exc.value.message) == (
        14,
        "points",
        "use at most 4 decimal places",
    )


def test_the_examples_in_the_format_documentation_import():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scorecard-csv.md").read_text(encoding="utf-8")
    examples = re.findall(r"```csv\n(.*?)```", docs, flags=re.DOTALL)
    assert len(examples) == 3
    assert csv_to_document(examples[0]) == SPEC_DOC
    quick = csv_to_document(examples[1])
    assert [q["key"] for q in quick["sections"][0]["questions"]] == ["greet", "solved"]
    banded = csv_to_document(examples[2])
    assert [(b["label"], b["from"], b["colour"]) for b in banded["bands"]] == [
        ("Needs improvement", 0, "red"),
        ("Meets", 70, "yellow"),
        ("Exceeds", 90, "green"),
    ]
