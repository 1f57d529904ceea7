"""Versioning (docs/scoring.md#scorecard-versions): classifying and listing the differences between two scorecard
documents."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxq.scoring import parse_document
from cxq.scoring.diff import Change, classify_change, diff_documents, scoring_projection
from cxq.scoring.tests.test_properties import scorecards

BASE = parse_document(
    {
        "name": "Support QA",
        "description": "Monthly review",
        "scoring_mode": "percentage",
        "pass_mark": 80,
        "sections": [
            {
                "key": "opening",
                "title": "Opening",
                "description": "First minute",
                "weight": 20,
                "questions": [
                    {
                        "key": "greet",
                        "text": "Greeted the customer by name?",
                        "description": "Both names",
                        "type": "yes_no",
                        "required": True,
                        "default": "yes",
                        "options": [{"key": "yes", "label": "Yes", "points": 5}, {"key": "no", "points": 0}],
                    },
                    {
                        "key": "tone",
                        "text": "Tone",
                        "type": "rating_scale",
                        "scale": {"min": 1, "max": 5},
                        "allow_na": True,
                        "default": 3,
                        "options": [{"key": str(v), "points": v - 1} for v in range(1, 6)],
                    },
                    {
                        "key": "why",
                        "text": "Apologised?",
                        "type": "single_choice",
                        "show_if": {"question": "greet", "answers": ["no"]},
                        "options": [
                            {"key": "a", "label": "Sincerely", "points": 2},
                            {"key": "b", "label": "Blamed the customer", "points": 0, "auto_fail": "section"},
                        ],
                    },
                ],
            },
            {
                "key": "closing",
                "title": "Closing",
                "weight": 10,
                "questions": [
                    {"key": "recap", "text": "Recapped?", "type": "yes_no"},
                    {
                        "key": "bye",
                        "text": "Said goodbye",
                        "type": "single_choice",
                        "options": [
                            {"key": "ok", "points": 1},
                            {"key": "rude", "points": 0, "auto_fail": "evaluation"},
                        ],
                    },
                ],
            },
        ],
    }
).to_document()


def edited(change) -> dict:
    """A deep copy of BASE after ``change(doc, opening, closing)``, checked to be a valid canonical doc."""
    doc = copy.deepcopy(BASE)
    change(doc, *doc["sections"])
    assert parse_document(doc).to_document() == doc, "the example must stay a valid canonical document"
    return doc


def q(section: dict, key: str) -> dict:
    return next(x for x in section["questions"] if x["key"] == key)


def opt(question: dict, key: str) -> dict:
    return next(o for o in question["options"] if o["key"] == key)


def set_(target: dict, name: str, value):
    target[name] = value


def move(items: list, src: int, dst: int) -> None:
    items.insert(dst, items.pop(src))


NEW_QUESTION = {
    "key": "offer",
    "text": "Reason offered?",
    "description": "",
    "type": "yes_no",
    "required": False,
    "allow_na": False,
    "default": None,
    "options": [
        {"key": "yes", "label": "Yes", "points": 1, "auto_fail": "none"},
        {"key": "no", "label": "No", "points": 0, "auto_fail": "none"},
    ],
}
NEW_SECTION = {"key": "hold", "title": "Hold", "description": "", "weight": 5, "questions": []}

COSMETIC = {
    "scorecard name": lambda d, o, c: set_(d, "name", "Support QA 2025"),
    "scorecard description": lambda d, o, c: set_(d, "description", ""),
    "section title": lambda d, o, c: set_(o, "title", "Greeting"),
    "section description": lambda d, o, c: set_(c, "description", "Last minute"),
    "question text": lambda d, o, c: set_(q(o, "greet"), "text", "Greeted?"),
    "question description": lambda d, o, c: set_(q(c, "recap"), "description", "Summary of the call"),
    "option label": lambda d, o, c: set_(opt(q(o, "why"), "b"), "label", "Blamed"),
    "rating-scale option label": lambda d, o, c: set_(opt(q(o, "tone"), "5"), "label", "Excellent"),
    "every text at once": lambda d, o, c: [
        set_(d, "name", "N"),
        set_(o, "title", "T"),
        set_(q(o, "tone"), "text", "X"),
        set_(opt(q(c, "bye"), "ok"), "label", "Fine"),
    ],
}

STRUCTURAL = {
    "scoring mode": lambda d, o, c: set_(d, "scoring_mode", "points"),
    "pass mark": lambda d, o, c: set_(d, "pass_mark", 85),
    "section weight": lambda d, o, c: set_(o, "weight", 25),
    "section added": lambda d, o, c: d["sections"].append(copy.deepcopy(NEW_SECTION)),
    "section removed": lambda d, o, c: d["sections"].pop(),
    "sections reordered": lambda d, o, c: move(d["sections"], 1, 0),
    "question added": lambda d, o, c: o["questions"].append(copy.deepcopy(NEW_QUESTION)),
    "question removed": lambda d, o, c: o["questions"].pop(1),
    "questions reordered": lambda d, o, c: move(o["questions"], 1, 0),
    "question moved to another section": lambda d, o, c: o["questions"].append(c["questions"].pop(0)),
    "question type": lambda d, o, c: set_(q(c, "recap"), "type", "single_choice"),
    "required flag": lambda d, o, c: set_(q(o, "greet"), "required", False),
    "N/A flag": lambda d, o, c: set_(q(c, "bye"), "allow_na", True),
    "default answer": lambda d, o, c: set_(q(o, "greet"), "default", "no"),
    "default answer removed": lambda d, o, c: set_(q(o, "tone"), "default", None),
    "scale": lambda d, o, c: [
        set_(q(o, "tone"), "scale", {"min": 1, "max": 4}),
        q(o, "tone")["options"].pop(),
    ],
    "condition added": lambda d, o, c: set_(q(c, "bye"), "show_if", {"question": "recap", "answers": ["yes"]}),
    "condition answers": lambda d, o, c: set_(q(o, "why"), "show_if", {"question": "greet", "answers": ["yes"]}),
    "condition removed": lambda d, o, c: q(o, "why").pop("show_if"),
    "option added": lambda d, o, c: q(c, "bye")["options"].append(
        {"key": "meh", "label": "meh", "points": 0, "auto_fail": "none"}
    ),
    "option removed": lambda d, o, c: q(c, "bye")["options"].pop(),
    "options reordered": lambda d, o, c: move(q(o, "why")["options"], 1, 0),
    "option points": lambda d, o, c: set_(opt(q(o, "greet"), "yes"), "points", 10),
    "fractional option points": lambda d, o, c: set_(opt(q(o, "greet"), "yes"), "points", 5.5),
    "option auto-fail": lambda d, o, c: set_(opt(q(o, "greet"), "no"), "auto_fail", "section"),
    "a text and a points change together": lambda d, o, c: [
        set_(d, "name", "N"),
        set_(opt(q(o, "greet"), "yes"), "points", 4),
    ],
}


# --- Classification --------------------------------------------------------------------------------


@pytest.mark.parametrize("change", COSMETIC.values(), ids=COSMETIC.keys())
def test_a_change_of_texts_only_is_cosmetic(change):
    new = edited(change)
    assert classify_change(BASE, new) == "cosmetic"
    changes = diff_documents(BASE, new)
    assert changes and all(c.cosmetic for c in changes)


@pytest.mark.parametrize("change", STRUCTURAL.values(), ids=STRUCTURAL.keys())
def test_a_change_that_can_affect_a_score_is_structural(change):
    new = edited(change)
    assert classify_change(BASE, new) == "structural"
    assert any(not c.cosmetic for c in diff_documents(BASE, new))


def test_an_identical_document_is_unchanged():
    assert classify_change(BASE, copy.deepcopy(BASE)) == "unchanged"
    assert diff_documents(BASE, copy.deepcopy(BASE)) == []


def test_the_scoring_projection_drops_exactly_the_texts_and_leaves_its_input_alone():
    before = copy.deepcopy(BASE)
    projection = scoring_projection(BASE)
    assert before == BASE
    assert set(projection) == {"scoring_mode", "pass_mark", "sections"}
    assert set(projection["sections"][0]) == {"key", "weight", "questions"}
    greet = projection["sections"][0]["questions"][0]
    assert set(greet) == {"key", "type", "required", "allow_na", "default", "options"}
    assert greet["options"][0] == {"key": "yes", "points": 5, "auto_fail": "none"}
    assert "scale" in projection["sections"][0]["questions"][1]
    assert "show_if" in projection["sections"][0]["questions"][2]
    projection["sections"][0]["questions"][1]["scale"]["max"] = 9
    assert before == BASE


def test_a_field_unknown_to_the_differ_counts_as_structural():
    new = copy.deepcopy(BASE)
    q(new["sections"][0], "greet")["evidence_indicator"] = "greeting"
    assert classify_change(BASE, new) == "structural"
    [change] = diff_documents(BASE, new)
    assert (change.field, change.kind, change.old, change.new, change.cosmetic) == (
        "evidence_indicator",
        "changed",
        None,
        "greeting",
        False,
    )


# --- Diff: one change of each kind ----------------------------------------------------------------


def test_a_points_change_is_named_by_the_new_texts():
    new = edited(
        lambda d, o, c: [
            set_(q(o, "greet"), "text", "Greeted?"),
            set_(opt(q(o, "greet"), "yes"), "points", 10),
        ]
    )
    text, points = diff_documents(BASE, new)
    assert text == Change(
        path="Section “Opening” › Question “Greeted?”",
        field="text",
        kind="changed",
        old="Greeted the customer by name?",
        new="Greeted?",
        cosmetic=True,
        keys=("opening", "greet"),
    )
    assert points == Change(
        path="Section “Opening” › Question “Greeted?” › Option “Yes”",
        field="points",
        kind="changed",
        old=5,
        new=10,
        cosmetic=False,
        keys=("opening", "greet", "yes"),
    )
    assert points.describe() == "Section “Opening” › Question “Greeted?” › Option “Yes”: points 5 → 10"
    assert text.describe() == (
        "Section “Opening” › Question “Greeted?”: text “Greeted the customer by name?” → “Greeted?”"
    )


def test_a_scorecard_setting_change_reads_as_one_line():
    [change] = diff_documents(BASE, edited(STRUCTURAL["pass mark"]))
    assert (change.path, change.field, change.keys) == ("Scorecard", "pass_mark", ())
    assert change.describe() == "Scorecard: pass mark 80 → 85"


def test_an_added_question_carries_the_whole_question():
    new = edited(lambda d, o, c: o["questions"].insert(1, copy.deepcopy(NEW_QUESTION)))
    [change] = diff_documents(BASE, new)
    assert (change.kind, change.field, change.old, change.new, change.cosmetic) == (
        "added",
        "",
        None,
        NEW_QUESTION,
        False,
    )
    assert change.path == "Section “Opening” › Question “Reason offered?”"
    assert change.describe() == "Question “Reason offered?” added to Section “Opening”"


def test_inserting_an_element_does_not_mark_its_siblings_as_moved():
    new = edited(
        lambda d, o, c: [
            o["questions"].insert(0, copy.deepcopy(NEW_QUESTION)),
            d["sections"].insert(0, copy.deepcopy(NEW_SECTION)),
        ]
    )
    assert [(c.kind, c.keys) for c in diff_documents(BASE, new)] == [
        ("added", ("hold",)),
        ("added", ("opening", "offer")),
    ]


def test_a_removed_option_is_named_by_its_old_label_and_listed_where_it_was():
    new = edited(
        lambda d, o, c: [
            set_(q(o, "why"), "text", "Apologised sincerely?"),
            q(o, "why")["options"].pop(0),
            q(o, "why")["options"].append({"key": "c", "label": "c", "points": 1, "auto_fail": "none"}),
        ]
    )
    text, removed, added = diff_documents(BASE, new)
    assert text.field == "text"
    assert removed.kind == "removed" and removed.field == "" and removed.new is None
    assert removed.old == {"key": "a", "label": "Sincerely", "points": 2, "auto_fail": "none"}
    assert removed.path == "Section “Opening” › Question “Apologised sincerely?” › Option “Sincerely”"
    assert removed.describe() == (
        "Option “Sincerely” removed from Section “Opening” › Question “Apologised sincerely?”"
    )
    assert added.describe() == "Option “c” added to Section “Opening” › Question “Apologised sincerely?”"


def test_a_removed_question_keeps_its_place_between_the_new_siblings():
    new = edited(
        lambda d, o, c: [
            set_(o, "title", "Greeting"),
            o["questions"].pop(1),
            set_(q(o, "why"), "required", True),
        ]
    )
    assert [(c.kind, c.path) for c in diff_documents(BASE, new)] == [
        ("changed", "Section “Greeting”"),
        ("removed", "Section “Greeting” › Question “Tone”"),
        ("changed", "Section “Greeting” › Question “Apologised?”"),
    ]


def test_a_removed_section_is_listed_where_it_was_without_its_questions():
    new = edited(
        lambda d, o, c: [
            d["sections"].pop(0),
            set_(c["questions"][0], "text", "Summarised?"),
            d["sections"].append(copy.deepcopy(NEW_SECTION)),
        ]
    )
    changes = diff_documents(BASE, new)
    assert [(c.kind, c.keys) for c in changes] == [
        ("removed", ("opening",)),
        ("changed", ("closing", "recap")),
        ("added", ("hold",)),
    ]
    assert changes[0].old == BASE["sections"][0]
    assert changes[0].describe() == "Section “Opening” removed"
    assert changes[2].describe() == "Section “Hold” added"


def test_swapping_two_questions_is_one_move_within_the_section():
    [change] = diff_documents(BASE, edited(STRUCTURAL["questions reordered"]))
    assert (change.kind, change.field, change.cosmetic) == ("moved", "position", False)
    assert (change.keys, change.old, change.new) in {
        (("opening", "greet"), 1, 2),
        (("opening", "tone"), 2, 1),
    }
    assert change.describe() == f"{change.path}: moved from position {change.old} to {change.new}"


def test_moving_a_question_to_another_section_is_one_move_named_by_section_titles():
    new = edited(
        lambda d, o, c: [
            set_(c, "title", "Wrap-up"),
            o["questions"].insert(1, c["questions"].pop(0)),
            set_(opt(q(o, "recap"), "yes"), "points", 2),
        ]
    )
    moved, points, title = diff_documents(BASE, new)  # the opening section comes first
    assert title.keys == ("closing",)
    assert (moved.kind, moved.field, moved.old, moved.new) == ("moved", "section", "Wrap-up", "Opening")
    assert moved.keys == ("opening", "recap")
    assert moved.path == "Section “Opening” › Question “Recapped?”"
    assert moved.describe() == "Question “Recapped?” moved from Section “Wrap-up” to Section “Opening”"
    assert points.keys == ("opening", "recap", "yes")


def test_a_question_moved_into_an_added_section_is_listed_after_the_section():
    def change(d, o, c):
        section = copy.deepcopy(NEW_SECTION)
        section["questions"] = [c["questions"].pop(0), copy.deepcopy(NEW_QUESTION)]
        d["sections"].append(section)

    added, moved = diff_documents(BASE, edited(change))
    assert (added.kind, added.keys) == ("added", ("hold",))
    assert (moved.kind, moved.keys, moved.old, moved.new) == ("moved", ("hold", "recap"), "Closing", "Hold")


def test_reordering_sections_moves_one_section():
    [change] = diff_documents(BASE, edited(STRUCTURAL["sections reordered"]))
    assert (change.kind, change.field) == ("moved", "position")
    assert (change.keys, change.old, change.new) in {(("closing",), 2, 1), (("opening",), 1, 2)}


def test_reordering_options_is_a_move():
    [change] = diff_documents(BASE, edited(STRUCTURAL["options reordered"]))
    assert (change.kind, change.field) == ("moved", "position")
    assert change.keys[:2] == ("opening", "why")


def test_changes_follow_the_new_document_order():
    new = edited(
        lambda d, o, c: [
            move(d["sections"], 1, 0),
            set_(opt(q(c, "bye"), "rude"), "auto_fail", "section"),
            set_(o, "weight", 30),
            set_(d, "pass_mark", 70),
            set_(d, "name", "QA"),
        ]
    )
    assert [(c.keys, c.field) for c in diff_documents(BASE, new)] == [
        ((), "name"),
        ((), "pass_mark"),
        (("closing",), "position"),
        (("closing", "bye", "rude"), "auto_fail"),
        (("opening",), "weight"),
    ]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (COSMETIC["scorecard description"], "Scorecard: description “Monthly review” → “”"),
        (STRUCTURAL["scoring mode"], "Scorecard: scoring mode percentage → points"),
        (STRUCTURAL["section weight"], "Section “Opening”: weight 20 → 25"),
        (COSMETIC["section title"], "Section “Greeting”: title “Opening” → “Greeting”"),
        (
            STRUCTURAL["question type"],
            "Section “Closing” › Question “Recapped?”: type yes/no → single choice",
        ),
        (
            STRUCTURAL["required flag"],
            "Section “Opening” › Question “Greeted the customer by name?”: required yes → no",
        ),
        (STRUCTURAL["N/A flag"], "Section “Closing” › Question “Said goodbye”: N/A allowed no → yes"),
        (
            STRUCTURAL["default answer"],
            "Section “Opening” › Question “Greeted the customer by name?”: default answer “yes” → “no”",
        ),
        (
            STRUCTURAL["default answer removed"],
            "Section “Opening” › Question “Tone”: default answer 3 → none",
        ),
        (
            STRUCTURAL["condition added"],
            "Section “Closing” › Question “Said goodbye”: condition none → shown when “recap” is “yes”",
        ),
        (
            STRUCTURAL["fractional option points"],
            "Section “Opening” › Question “Greeted the customer by name?” › Option “Yes”: points 5 → 5.5",
        ),
        (
            STRUCTURAL["option auto-fail"],
            "Section “Opening” › Question “Greeted the customer by name?” › Option “no”: auto-fail none → section",
        ),
        (
            COSMETIC["option label"],
            "Section “Opening” › Question “Apologised?” › Option “Blamed”: label “Blamed the customer” → “Blamed”",
        ),
    ],
)
def test_each_field_change_reads_as_one_line(change, line):
    [first, *_] = diff_documents(BASE, edited(change))
    assert first.describe() == line


def test_a_scale_change_lists_the_scale_and_the_dropped_option():
    scale, option = diff_documents(BASE, edited(STRUCTURAL["scale"]))
    assert scale.describe() == "Section “Opening” › Question “Tone”: scale 1–5 → 1–4"
    assert option.describe() == "Option “5” removed from Section “Opening” › Question “Tone”"


def test_a_long_or_multi_line_text_is_one_shortened_line_in_the_description():
    new = edited(lambda d, o, c: set_(d, "description", "Line one\nline two " + "x" * 200))
    [change] = diff_documents(BASE, new)
    line = change.describe()
    assert "\n" not in line and "“Line one line two xxx" in line and line.endswith("…”")
    assert change.new == new["description"]  # the value itself is not shortened


def test_a_change_is_frozen_and_holds_copies():
    new = edited(STRUCTURAL["question added"])
    [change] = diff_documents(BASE, new)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.kind = "removed"
    change.new["options"].clear()
    assert new["sections"][0]["questions"][-1]["options"]


# --- Properties -----------------------------------------------------------------------------------

TEXTS = st.text(max_size=12)


@st.composite
def text_edits(draw, doc):
    """``doc`` with some of its texts replaced, re-canonicalized (texts are stripped on parsing)."""
    new = copy.deepcopy(doc)

    def maybe(target, name, required=False):
        if draw(st.booleans()):
            value = draw(TEXTS)
            if not required or value.strip():
                target[name] = value

    maybe(new, "name", required=True)
    maybe(new, "description")
    for section in new["sections"]:
        maybe(section, "title", required=True)
        maybe(section, "description")
        for question in section["questions"]:
            maybe(question, "text", required=True)
            maybe(question, "description")
            for option in question["options"]:
                maybe(option, "label")
    return parse_document(new).to_document()


def _shuffle(draw, items):
    if len(items) > 1:
        items[:] = draw(st.permutations(items))


@st.composite
def edits(draw, doc):
    """``doc`` after 0–3 random edits of any kind (the result need not be a valid scorecard)."""
    new = copy.deepcopy(doc)
    for _ in range(draw(st.integers(0, 3))):
        sections = new["sections"]
        section = draw(st.sampled_from(sections)) if sections else None
        question = draw(st.sampled_from(section["questions"])) if section and section["questions"] else None
        kind = draw(
            st.sampled_from(["text", "label", "points", "flag", "weight", "mode", "shuffle", "move", "drop", "options"])
        )
        if kind == "text" and question:
            question["text"] = draw(st.sampled_from([question["text"], "changed"]))
        elif kind == "label" and question:
            question["options"][0]["label"] = draw(TEXTS)
        elif kind == "points" and question:
            question["options"][-1]["points"] = draw(st.integers(0, 10))
        elif kind == "flag" and question:
            question["required"] = draw(st.booleans())
        elif kind == "weight" and section:
            section["weight"] = draw(st.integers(0, 50))
        elif kind == "mode":
            new["scoring_mode"] = draw(st.sampled_from(["percentage", "points"]))
        elif kind == "shuffle" and section:
            _shuffle(draw, draw(st.sampled_from([sections, section["questions"]])))
        elif kind == "move" and question and len(sections) > 1:
            section["questions"].remove(question)
            draw(st.sampled_from(sections))["questions"].append(question)
        elif kind == "drop" and section:
            target = draw(st.sampled_from([sections, section["questions"]]))
            if target:  # an earlier drop may have emptied this section
                target.pop()
        elif kind == "options" and question:
            _shuffle(draw, question["options"])
    return new


def _assert_consistent(old, new):
    changes = diff_documents(old, new)
    classification = classify_change(old, new)
    assert (changes == []) == (old == new)
    assert (classification == "unchanged") == (changes == [])
    assert (classification == "structural") == any(not c.cosmetic for c in changes)
    for change in changes:
        assert change.describe()
        assert change.kind in {"added", "removed", "changed", "moved"}
        assert (change.field == "") == (change.kind in {"added", "removed"})


@settings(max_examples=150, deadline=None)
@given(scorecards())
def test_a_document_compared_with_itself_is_unchanged(card):
    doc = card.to_document()
    assert classify_change(doc, card.to_document()) == "unchanged"
    assert diff_documents(doc, card.to_document()) == []


@settings(max_examples=200, deadline=None)
@given(scorecards(), st.data())
def test_changing_only_texts_is_never_structural(card, data):
    doc = card.to_document()
    new = data.draw(text_edits(doc))
    assert classify_change(doc, new) == ("unchanged" if new == doc else "cosmetic")
    assert all(change.cosmetic for change in diff_documents(doc, new))


@settings(max_examples=300, deadline=None)
@given(scorecards(), st.data())
def test_the_diff_is_empty_exactly_when_the_documents_are_equal(card, data):
    doc = card.to_document()
    _assert_consistent(doc, data.draw(edits(doc)))


@settings(max_examples=200, deadline=None)
@given(scorecards(), scorecards())
def test_any_two_scorecards_diff_and_classify_consistently(a, b):
    _assert_consistent(a.to_document(), b.to_document())
    _assert_consistent(b.to_document(), a.to_document())
