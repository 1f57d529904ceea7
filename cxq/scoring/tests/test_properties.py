"""Invariants of the scoring engine, checked on random scorecards and answers (hypothesis)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cxq.scoring import compile_scorecard, parse_document, round_half_up, score

AUTO_FAILS = st.sampled_from(["none", "none", "none", "section", "evaluation"])


@st.composite
def scorecards(draw, mode=None, auto_fail=True):
    mode = mode or draw(st.sampled_from(["percentage", "points"]))
    sections = []
    n = 0
    for s in range(draw(st.integers(1, 4))):
        questions = []
        for _ in range(draw(st.integers(1, 5))):
            n += 1
            key = f"q{n}"
            kind = draw(st.sampled_from(["yes_no", "single_choice", "rating_scale"]))
            q = {"key": key, "text": key, "type": kind, "allow_na": draw(st.booleans())}
            if kind == "rating_scale":
                lo = draw(st.integers(0, 2))
                hi = lo + draw(st.integers(1, 5))
                q["scale"] = {"min": lo, "max": hi}
                q["options"] = [
                    {
                        "key": str(v),
                        "points": draw(st.integers(0, 10)),
                        "auto_fail": draw(AUTO_FAILS) if auto_fail else "none",
                    }
                    for v in range(lo, hi + 1)
                ]
            else:
                keys = ["yes", "no"] if kind == "yes_no" else [f"o{i}" for i in range(draw(st.integers(1, 4)))]
                q["options"] = [
                    {
                        "key": k,
                        "points": draw(st.integers(0, 10)),
                        "auto_fail": draw(AUTO_FAILS) if auto_fail else "none",
                    }
                    for k in keys
                ]
            earlier = [x for sec in sections for x in sec["questions"]] + questions
            if earlier and draw(st.integers(0, 4)) == 0:
                target = draw(st.sampled_from(earlier))
                q["show_if"] = {"question": target["key"], "answers": [target["options"][0]["key"]]}
            questions.append(q)
        sections.append({"key": f"s{s}", "title": f"S{s}", "weight": draw(st.integers(1, 50)), "questions": questions})
    return parse_document(
        {"name": "P", "scoring_mode": mode, "pass_mark": draw(st.integers(0, 100)), "sections": sections}
    )


@st.composite
def card_and_answers(draw, **kwargs):
    card = draw(scorecards(**kwargs))
    answers = {}
    for q in card.questions():
        choices = [None] + [o.key for o in q.options] + (["na"] if q.allow_na else [])
        value = draw(st.sampled_from(choices))
        if value is not None:
            answers[q.key] = value
    return card, answers


@settings(max_examples=300, deadline=None)
@given(card_and_answers())
def test_the_score_stays_between_0_and_100(data):
    card, answers = data
    result = score(compile_scorecard(card), answers)
    if result.score_percent is not None:
        assert 0 <= result.score_percent <= 100
    assert 0 <= result.earned <= result.possible or result.auto_failed
    for s in result.sections:
        assert s.percent is None or 0 <= s.percent <= 100


@settings(max_examples=300, deadline=None)
@given(card_and_answers(), st.data())
def test_na_or_hiding_a_question_never_changes_other_questions_contribution(data, pick):
    card, answers = data
    compiled = compile_scorecard(card)
    before = {q.key: q for q in score(compiled, answers).questions}
    candidates = [q for q in card.questions() if q.allow_na]
    if not candidates:
        return
    target = pick.draw(st.sampled_from(candidates))
    affected = _descendants(card, {target.key})  # the target and questions conditional on it
    after = score(compiled, {**answers, target.key: "na"})
    for q in after.questions:
        if q.key not in affected:
            assert (q.earned, q.possible) == (before[q.key].earned, before[q.key].possible)


def _descendants(card, roots):
    found = set(roots)
    for q in card.questions():
        if q.show_if and q.show_if.question in found:
            found.add(q.key)
    return found


@settings(max_examples=300, deadline=None)
@given(card_and_answers())
def test_an_evaluation_level_auto_fail_always_gives_zero(data):
    card, answers = data
    result = score(compile_scorecard(card), answers)
    chosen_evaluation_fail = any(q.applicable and q.auto_fail == "evaluation" for q in result.questions)
    assert result.auto_failed == chosen_evaluation_fail
    if chosen_evaluation_fail:
        assert result.score_percent == 0 and result.earned == 0 and not result.passed


@settings(max_examples=200, deadline=None)
@given(card_and_answers(mode="points"), st.lists(st.integers(0, 100), min_size=4, max_size=4))
def test_points_mode_ignores_section_weights(data, weights):
    card, answers = data
    reweighted = dataclasses.replace(
        card,
        sections=tuple(
            dataclasses.replace(s, weight=Fraction(w)) for s, w in zip(card.sections, weights, strict=False)
        ),
    )
    assert score(compile_scorecard(card), answers).as_json() == score(compile_scorecard(reweighted), answers).as_json()


@settings(max_examples=200, deadline=None)
@given(card_and_answers(auto_fail=False))
def test_an_unanswered_question_counts_like_a_zero_point_answer(data):
    card, answers = data
    compiled = compile_scorecard(card)
    base = score(compiled, answers)
    for q in card.questions():
        zero = next((o.key for o in q.options if o.points == 0), None)
        if q.key in answers or zero is None:
            continue
        with_zero = score(compiled, {**answers, q.key: zero})
        if any(x.show_if and x.show_if.question == q.key for x in card.questions()):
            continue  # answering may reveal conditional questions
        assert (with_zero.earned, with_zero.possible, with_zero.score_percent) == (
            base.earned,
            base.possible,
            base.score_percent,
        )


@given(st.integers(0, 10**9), st.integers(1, 10**6))
def test_rounding_is_half_up_to_2_decimals(numerator, denominator):
    value = Fraction(numerator, denominator)
    rounded = round_half_up(value)
    assert rounded == rounded.quantize(Decimal("0.01"))
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)
    if abs(Fraction(rounded) - value) == Fraction(1, 200):
        assert Fraction(rounded) > value  # ties go up


@settings(max_examples=100, deadline=None)
@given(scorecards())
def test_a_document_round_trips_through_its_canonical_json(card):
    doc = card.to_document()
    assert parse_document(doc).to_document() == doc
