"""Hand-computed examples for every rule of docs/scoring.md#scoring-rules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from cxq.scoring import (
    AnswerError,
    compile_scorecard,
    normalize_answers,
    parse_document,
    round_half_up,
    score,
)
from cxq.scoring.engine import missing_required


def yn(key, yes=1, no=0, af_no="none", **extra):
    return {
        "key": key,
        "text": key,
        "type": "yes_no",
        "options": [{"key": "yes", "points": yes}, {"key": "no", "points": no, "auto_fail": af_no}],
        **extra,
    }


def card(sections, mode="percentage", pass_mark=80):
    return compile_scorecard(
        parse_document({"name": "T", "scoring_mode": mode, "pass_mark": pass_mark, "sections": sections})
    )


def run(compiled, answers):
    return score(compiled, normalize_answers(compiled, answers))


def test_a_section_earns_the_chosen_points_of_the_questions_max():
    c = card([{"key": "s", "title": "S", "questions": [yn("a", yes=5), yn("b", yes=3)]}])
    r = run(c, {"a": "yes", "b": "no"})
    assert (r.sections[0].earned, r.sections[0].possible) == (5, 8)
    assert r.score_percent == Fraction(500, 8)  # 62.5 %
    assert not r.passed


def test_unanswered_questions_count_as_zero_but_stay_possible():
    c = card([{"key": "s", "title": "S", "questions": [yn("a", yes=5), yn("b", yes=5)]}])
    r = run(c, {"a": "yes"})
    assert (r.earned, r.possible, r.score_percent) == (5, 10, 50)


def test_na_removes_a_question_from_possible():
    c = card([{"key": "s", "title": "S", "questions": [yn("a", yes=5), yn("b", yes=5, allow_na=True)]}])
    r = run(c, {"a": "yes", "b": "na"})
    assert (r.earned, r.possible, r.score_percent) == (5, 5, 100)


def test_a_question_max_is_its_largest_option_whatever_the_order():
    q = {
        "key": "q",
        "text": "q",
        "type": "single_choice",
        "options": [{"key": "x", "points": 2}, {"key": "y", "points": 7}, {"key": "z", "points": 4}],
    }
    r = run(card([{"key": "s", "title": "S", "questions": [q]}]), {"q": "z"})
    assert (r.earned, r.possible) == (4, 7)


def test_percentage_mode_weights_section_percentages():
    # A: 1/2 = 50 % with weight 3; B: 2/2 = 100 % with weight 1 → (150 + 100) / 4 = 62.5 %
    c = card(
        [
            {"key": "A", "title": "A", "weight": 3, "questions": [yn("a1"), yn("a2")]},
            {"key": "B", "title": "B", "weight": 1, "questions": [yn("b1"), yn("b2")]},
        ]
    )
    r = run(c, {"a1": "yes", "a2": "no", "b1": "yes", "b2": "yes"})
    assert r.score_percent == Fraction(125, 2)
    assert (r.earned, r.possible) == (3, 4)


def test_weights_need_not_sum_to_100():
    c1 = card(
        [
            {"key": "A", "title": "A", "weight": 30, "questions": [yn("a")]},
            {"key": "B", "title": "B", "weight": 10, "questions": [yn("b")]},
        ]
    )
    c2 = card(
        [
            {"key": "A", "title": "A", "weight": 3, "questions": [yn("a")]},
            {"key": "B", "title": "B", "weight": 1, "questions": [yn("b")]},
        ]
    )
    answers = {"a": "yes", "b": "no"}
    assert run(c1, answers).score_percent == run(c2, answers).score_percent == 75


def test_a_section_auto_fail_zeroes_that_section_and_keeps_its_weight():
    # A fails (0 %, weight 1); B 100 % (weight 1) → 50 %
    c = card(
        [
            {"key": "A", "title": "A", "questions": [yn("a1", yes=5), yn("a2", af_no="section")]},
            {"key": "B", "title": "B", "questions": [yn("b1")]},
        ]
    )
    r = run(c, {"a1": "yes", "a2": "no", "b1": "yes"})
    a = r.sections[0]
    assert (a.failed, a.earned, a.possible, a.percent) == (True, 0, 6, 0)
    assert r.score_percent == 50 and not r.auto_failed


def test_an_evaluation_auto_fail_gives_zero_whatever_else():
    c = card(
        [
            {"key": "A", "title": "A", "questions": [yn("a1", yes=5), yn("compliance", af_no="evaluation")]},
            {"key": "B", "title": "B", "questions": [yn("b1")]},
        ],
        pass_mark=0,
    )
    r = run(c, {"a1": "yes", "compliance": "no", "b1": "yes"})
    assert (r.score_percent, r.earned, r.auto_failed, r.passed) == (0, 0, True, False)
    assert r.possible == 7


def test_an_empty_section_takes_no_part_in_the_totals():
    c = card(
        [
            {"key": "A", "title": "A", "weight": 5, "questions": [yn("a", allow_na=True)]},
            {"key": "B", "title": "B", "weight": 1, "questions": [yn("b")]},
        ]
    )
    r = run(c, {"a": "na", "b": "yes"})
    assert r.sections[0].empty and r.sections[0].percent is None
    assert r.score_percent == 100


def test_points_mode_sums_points_and_ignores_weights():
    sections = [
        {"key": "A", "title": "A", "weight": 9, "questions": [yn("a", yes=4)]},
        {"key": "B", "title": "B", "weight": 1, "questions": [yn("b", yes=6)]},
    ]
    r = run(card(sections, mode="points", pass_mark=6), {"a": "yes", "b": "no"})
    assert (r.earned, r.possible, r.score_percent) == (4, 10, 40)
    assert not r.passed  # 4 points < 6
    r = run(card(sections, mode="points", pass_mark=6), {"a": "no", "b": "yes"})
    assert r.passed and r.earned == 6


def test_pass_is_compared_exactly_not_after_rounding():
    # 2/3 of the way = 66.666…%, shown 66.67, fails a pass mark of 66.67
    q = {
        "key": "q",
        "text": "q",
        "type": "single_choice",
        "options": [{"key": "lo", "points": 0}, {"key": "mid", "points": 2}, {"key": "hi", "points": 3}],
    }
    c = card([{"key": "s", "title": "S", "questions": [q]}], pass_mark="66.67")
    r = run(c, {"q": "mid"})
    assert r.as_json()["score_percent"] == 66.67
    assert not r.passed


def test_the_pass_mark_is_reached_at_exactly_the_mark():
    c = card([{"key": "s", "title": "S", "questions": [yn("a"), yn("b")]}], pass_mark=50)
    assert run(c, {"a": "yes", "b": "no"}).passed


def test_hidden_questions_are_excluded_and_their_auto_fails_ignored():
    c = card(
        [
            {
                "key": "s",
                "title": "S",
                "questions": [
                    yn("greet"),
                    {
                        "key": "why",
                        "text": "why",
                        "type": "single_choice",
                        "show_if": {"question": "greet", "answers": ["no"]},
                        "options": [
                            {"key": "ok", "points": 2},
                            {"key": "bad", "points": 0, "auto_fail": "evaluation"},
                        ],
                    },
                ],
            }
        ]
    )
    r = run(c, {"greet": "yes", "why": "bad"})
    assert r.hidden == {"why"} and not r.auto_failed
    assert (r.earned, r.possible) == (1, 1)
    r = run(c, {"greet": "no", "why": "ok"})
    assert r.hidden == frozenset() and (r.earned, r.possible) == (2, 3)


def test_a_question_shown_only_after_a_hidden_question_is_hidden_too():
    c = card(
        [
            {
                "key": "s",
                "title": "S",
                "questions": [
                    yn("a"),
                    yn("b", show_if={"question": "a", "answers": ["no"]}),
                    yn("c", show_if={"question": "b", "answers": ["yes"]}),
                ],
            }
        ]
    )
    r = run(c, {"a": "yes", "b": "yes", "c": "yes"})
    assert r.hidden == {"b", "c"}


def test_a_rating_scale_answer_is_an_integer_on_the_scale():
    q = {"key": "tone", "text": "Tone", "type": "rating_scale", "scale": {"min": 1, "max": 5}}
    c = card([{"key": "s", "title": "S", "questions": [q]}])
    r = run(c, {"tone": 4})  # default points are the distance from the bottom: 3 of 4
    assert (r.earned, r.possible) == (3, 4)
    with pytest.raises(AnswerError, match="tone: rating 6 is outside the scale 1–5"):
        normalize_answers(c, {"tone": 6})


def test_rounding_is_half_up_to_two_decimals():
    assert round_half_up(Fraction(1, 8)) == Decimal("0.13")  # 0.125 → 0.13 (not banker's 0.12)
    assert round_half_up(Fraction(2, 3) * 100) == Decimal("66.67")
    assert round_half_up(Fraction(1, 3) * 100) == Decimal("33.33")
    assert round_half_up(Fraction(1005, 1000)) == Decimal("1.01")
    assert round_half_up(Fraction(0)) == Decimal("0.00")


def test_decimal_points_are_exact():
    q = {
        "key": "q",
        "text": "q",
        "type": "single_choice",
        "options": [{"key": "a", "points": 0.1}, {"key": "b", "points": 0.2}],
    }
    r = run(
        card([{"key": "s", "title": "S", "questions": [q, {**q, "key": "q2"}]}], mode="points"),
        {"q": "a", "q2": "b"},
    )
    assert r.earned == Fraction(3, 10) and r.possible == Fraction(2, 5)


def test_required_visible_unanswered_questions_block_submission():
    c = card(
        [
            {
                "key": "s",
                "title": "S",
                "questions": [
                    yn("a", required=True),
                    yn("b", required=True, allow_na=True),
                    yn("c", required=True, show_if={"question": "a", "answers": ["no"]}),
                ],
            }
        ]
    )
    assert missing_required(c, normalize_answers(c, {})) == ["a", "b"]
    assert missing_required(c, normalize_answers(c, {"a": "yes", "b": "na"})) == []
    assert missing_required(c, normalize_answers(c, {"a": "no", "b": "yes"})) == ["c"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nope": "yes"}, "nope: no question has this key"),
        ({"a": "maybe"}, "a: 'maybe' is not one of its options (yes, no)"),
        ({"a": "na"}, "a: N/A is not allowed for this question"),
    ],
)
def test_bad_answers_name_the_question(answers, message):
    c = card([{"key": "s", "title": "S", "questions": [yn("a")]}])
    with pytest.raises(AnswerError) as exc:
        normalize_answers(c, answers)
    assert str(exc.value) == message


def test_a_scorecard_with_nothing_applicable_has_no_score_and_does_not_pass():
    c = card([{"key": "s", "title": "S", "questions": [yn("a", allow_na=True)]}], pass_mark=0)
    r = run(c, {"a": "na"})
    assert r.score_percent is None and not r.passed
    assert r.as_json()["score_percent"] is None
