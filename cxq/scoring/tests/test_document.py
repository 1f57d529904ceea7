"""Validation of the scorecard document (docs/scoring.md#the-scorecard-document): every error names its key path."""

from __future__ import annotations

import copy

import pytest

from cxq.scoring import ScorecardError, parse_document

SPEC_EXAMPLE = {
    "name": "Support QA",
    "description": "…",
    "scoring_mode": "percentage",
    "pass_mark": 80,
    "sections": [
        {
            "key": "opening",
            "title": "Opening",
            "description": "",
            "weight": 20,
            "questions": [
                {
                    "key": "greet",
                    "text": "Greeted the customer by name?",
                    "description": "",
                    "type": "yes_no",
                    "required": True,
                    "allow_na": False,
                    "default": "yes",
                    "options": [
                        {"key": "yes", "label": "Yes", "points": 5, "auto_fail": "none"},
                        {"key": "no", "label": "No", "points": 0, "auto_fail": "none"},
                    ],
                },
                {
                    "key": "tone",
                    "text": "Tone",
                    "type": "rating_scale",
                    "scale": {"min": 1, "max": 5},
                    "required": False,
                    "allow_na": True,
                    "default": 3,
                    "options": [
                        {"key": "1", "label": "Poor", "points": 0, "auto_fail": "none"},
                        {"key": "2", "points": 1},
                        {"key": "3", "points": 2},
                        {"key": "4", "points": 3},
                        {"key": "5", "label": "Excellent", "points": 4},
                    ],
                },
                {
                    "key": "why",
                    "text": "Reason offered?",
                    "type": "single_choice",
                    "show_if": {"question": "greet", "answers": ["no"]},
                    "options": [
                        {"key": "a", "label": "…", "points": 2},
                        {"key": "b", "points": 0, "auto_fail": "section"},
                    ],
                },
            ],
        },
    ],
}


def test_the_spec_example_round_trips_with_defaults_filled_in():
    doc = parse_document(SPEC_EXAMPLE).to_document()
    why = doc["sections"][0]["questions"][2]
    assert why["required"] is False and why["allow_na"] is False and why["default"] is None
    assert why["options"][1] == {"key": "b", "label": "b", "points": 0, "auto_fail": "section"}
    assert doc["sections"][0]["questions"][1]["default"] == 3
    assert doc["sections"][0]["questions"][1]["scale"] == {"min": 1, "max": 5}
    assert parse_document(doc).to_document() == doc


def test_omitted_fields_take_their_documented_defaults():
    doc = parse_document(
        {
            "name": "N",
            "sections": [
                {
                    "key": "s",
                    "title": "S",
                    "questions": [{"key": "q", "text": "Q", "type": "single_choice", "options": [{"key": "a"}]}],
                }
            ],
        }
    ).to_document()
    section = doc["sections"][0]
    assert section["weight"] == 1 and section["description"] == ""
    assert doc["scoring_mode"] == "percentage"
    assert section["questions"][0]["options"][0] == {
        "key": "a",
        "label": "a",
        "points": 0,
        "auto_fail": "none",
    }


def broken(mutate):
    doc = copy.deepcopy(SPEC_EXAMPLE)
    mutate(doc)
    with pytest.raises(ScorecardError) as exc:
        parse_document(doc)
    return exc.value


def q(doc, i):
    return doc["sections"][0]["questions"][i]


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (
            lambda d: q(d, 1).update(key="greet"),
            "sections[0].questions[1].key",
            "duplicate question key 'greet'",
        ),
        (
            lambda d: d["sections"].append({"key": "opening", "title": "Again"}),
            "sections[1].key",
            "duplicate section",
        ),
        (
            lambda d: q(d, 0)["options"].append({"key": "yes"}),
            "sections[0].questions[0].options[2].key",
            "duplicate option",
        ),
        (
            lambda d: q(d, 2)["show_if"].update(question="ghost"),
            "sections[0].questions[2].show_if.question",
            "names no earlier question: 'ghost'",
        ),
        (
            lambda d: q(d, 0).update(show_if={"question": "why", "answers": ["a"]}),
            "sections[0].questions[0].show_if.question",
            "names no earlier question: 'why'",
        ),
        (
            lambda d: q(d, 2)["show_if"].update(answers=["maybe"]),
            "sections[0].questions[2].show_if.answers[0]",
            "'maybe' is not an answer of question 'greet'",
        ),
        (
            lambda d: q(d, 0).update(default="perhaps"),
            "sections[0].questions[0].default",
            "'perhaps' is not an option of question 'greet'",
        ),
        (lambda d: q(d, 1).update(default=9), "sections[0].questions[1].default", "9 is not an option"),
        (
            lambda d: q(d, 0)["options"][0].update(points=-1),
            "sections[0].questions[0].options[0].points",
            "must not be negative",
        ),
        (lambda d: d["sections"][0].update(weight=-5), "sections[0].weight", "must not be negative"),
        (
            lambda d: d["sections"][0].update(weight=0),
            "sections",
            "at least one section needs a weight above 0",
        ),
        (
            lambda d: q(d, 1)["options"].pop(),
            "sections[0].questions[1].options",
            "a 1–5 scale needs exactly one option per integer",
        ),
        (
            lambda d: q(d, 1).update(scale={"min": 5, "max": 1}),
            "sections[0].questions[1].scale",
            "min must be below",
        ),
        (
            lambda d: q(d, 0)["options"][0].update(auto_fail="maybe"),
            "sections[0].questions[0].options[0].auto_fail",
            "must be one of none, section, evaluation",
        ),
        (lambda d: q(d, 0).update(type="essay"), "sections[0].questions[0].type", "must be one of"),
        (lambda d: d.update(scoring_mode="stars"), "scoring_mode", "must be one of percentage, points"),
        (lambda d: d.update(pass_mark=120), "pass_mark", "cannot be above 100"),
        (lambda d: d.update(name=""), "name", "must not be empty"),
        (lambda d: q(d, 0).update(colour="red"), "sections[0].questions[0].colour", "unknown field"),
        (lambda d: q(d, 0).update(key="has space"), "sections[0].questions[0].key", "not a valid key"),
        (
            lambda d: q(d, 0)["options"][0].update(points="lots"),
            "sections[0].questions[0].options[0].points",
            "must be a number",
        ),
        (
            lambda d: q(d, 0).update(required="yes"),
            "sections[0].questions[0].required",
            "must be true or false",
        ),
        (
            lambda d: q(d, 0)["options"].pop(),
            "sections[0].questions[0].options",
            "exactly the options 'yes' and 'no'",
        ),
        (lambda d: q(d, 2).update(default="na"), "sections[0].questions[2].default", "'na' is not an option"),
    ],
)
def test_each_invalid_document_names_the_key(mutate, path, words):
    error = broken(mutate)
    assert error.path == path
    assert words in error.message


def test_points_mode_allows_all_zero_weights_since_weights_are_ignored():
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["scoring_mode"] = "points"
    doc["pass_mark"] = 150
    doc["sections"][0]["weight"] = 0
    assert parse_document(doc).scoring_mode == "points"


def test_a_document_must_be_an_object():
    with pytest.raises(ScorecardError, match="must be a JSON object"):
        parse_document([1, 2])
