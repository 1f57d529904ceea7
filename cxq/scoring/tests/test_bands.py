"""Score bands in the scorecard document (docs/scoring.md#score-bands): validation, canonical form, lookup,
and that changing them is cosmetic."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from cxq.scoring import ScorecardError, band_for, parse_document
from cxq.scoring.diff import classify_change, diff_documents

BASE = {
    "name": "Support QA",
    "pass_mark": 80,
    "sections": [
        {"key": "s", "title": "S", "questions": [{"key": "q", "text": "Q?", "type": "yes_no"}]},
    ],
}
BANDS = [
    {"key": "low", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "mid", "label": "Meets", "from": 70},
    {"key": "high", "label": "Exceeds", "from": 90.5, "colour": "green"},
]


def with_bands(bands, **extra):
    return {**copy.deepcopy(BASE), "bands": bands, **extra}


def test_bands_are_optional_and_a_document_without_them_keeps_its_canonical_form():
    canonical = parse_document(BASE).to_document()
    assert "bands" not in canonical
    assert parse_document(with_bands([])).to_document() == canonical


def test_bands_are_canonicalised_with_their_defaults_and_round_trip():
    canonical = parse_document(with_bands(BANDS)).to_document()
    assert canonical["bands"][1] == {"key": "mid", "label": "Meets", "from": 70, "colour": "grey"}
    assert list(canonical)[:5] == ["name", "description", "scoring_mode", "pass_mark", "bands"]
    assert parse_document(canonical).to_document() == canonical


@pytest.mark.parametrize(
    ("bands", "path", "words"),
    [
        ("low", "bands", "must be a list"),
        ([{"key": "a", "label": "A", "from": 5}], "bands[0].from", "first band starts at 0"),
        (
            [{"key": "a", "label": "A", "from": 0}, {"key": "b", "label": "B", "from": 0}],
            "bands[1].from",
            "must be above where the band before it starts (0)",
        ),
        (
            [
                {"key": "a", "label": "A", "from": 0},
                {"key": "b", "label": "B", "from": 80},
                {"key": "c", "label": "C", "from": 70},
            ],
            "bands[2].from",
            "must be above where the band before it starts (80)",
        ),
        (
            [{"key": "a", "label": "A", "from": 0}, {"key": "a", "label": "B", "from": 5}],
            "bands[1].key",
            "duplicate band key",
        ),
        ([{"key": "a", "label": " ", "from": 0}], "bands[0].label", "must not be empty"),
        ([{"key": "a", "label": "A"}], "bands[0].from", "give the score this band starts at"),
        ([{"key": "a", "label": "A", "from": 0, "colour": "#ff0000"}], "bands[0].colour", "must be one of grey, red"),
        ([{"key": "a", "label": "A", "from": -1}], "bands[0].from", "must not be negative"),
        (
            [{"key": "a", "label": "A", "from": 0}, {"key": "b", "label": "B", "from": 101}],
            "bands[1].from",
            "above 100",
        ),
        ([{"key": "a", "label": "A", "from": 0, "color": "red"}], "bands[0].color", "unknown field"),
        ([{"key": f"b{i}", "label": "B", "from": i} for i in range(11)], "bands", "at most 10"),
    ],
)
def test_invalid_bands_are_refused_naming_the_band_row(bands, path, words):
    with pytest.raises(ScorecardError) as exc:
        parse_document(with_bands(bands))
    assert exc.value.path == path
    assert words in exc.value.message


def test_points_mode_bands_may_start_above_100():
    doc = parse_document(
        with_bands(
            [{"key": "a", "label": "A", "from": 0}, {"key": "b", "label": "B", "from": 150}], scoring_mode="points"
        )
    )
    assert doc.bands[1].start == 150


def test_band_for_finds_the_band_whose_start_is_the_highest_reached():
    bands = parse_document(with_bands(BANDS)).to_document()["bands"]
    assert band_for(bands, 0)["key"] == "low"
    assert band_for(bands, Decimal("69.99"))["key"] == "low"
    assert band_for(bands, Decimal("70.00"))["key"] == "mid"
    assert band_for(bands, 90.49)["key"] == "mid"
    assert band_for(bands, "90.5")["key"] == "high"
    assert band_for(bands, 100)["key"] == "high"
    assert band_for(bands, None) is None
    assert band_for([], 50) is None


def test_changing_bands_is_cosmetic_and_listed_in_the_diff():
    old = parse_document(BASE).to_document()
    new = parse_document(with_bands(BANDS)).to_document()
    assert classify_change(old, new) == "cosmetic"
    (change,) = diff_documents(old, new)
    assert change.field == "bands" and change.cosmetic
    assert (
        change.describe() == "Scorecard: bands none → “Needs improvement” from 0, “Meets” from 70, “Exceeds” from 90.5"
    )
    moved = copy.deepcopy(new)
    moved["bands"][1]["from"] = 75
    assert classify_change(new, moved) == "cosmetic"
    structural = copy.deepcopy(new)
    structural["pass_mark"] = 70
    assert classify_change(new, structural) == "structural"
