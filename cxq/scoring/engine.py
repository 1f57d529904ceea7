"""Scoring (SPEC §2.1), exact and fast.

``compile_scorecard`` turns a ``Scorecard`` into integer tables once: every option's points are
scaled by the common denominator of all points, so scoring an evaluation is dictionary look-ups and
integer additions; fractions appear only for the few per-section divisions at the end.

Algorithm of ``score`` (per evaluation):
1. Walk the questions in document order. A question is *hidden* if its ``show_if`` names a question
   that is hidden or whose answer is not among the listed ones; it is *applicable* unless hidden or
   answered N/A.
2. For an applicable question add its max to the section's possible and the chosen option's points
   (0 when unanswered) to the section's earned; note section- and evaluation-level auto-fails chosen.
3. A section with an auto-failed answer earns 0 and is failed; a section with possible 0 is empty and
   takes no part in the totals.
4. Percentage mode: score% = Σ(weight × section%) / Σ weight over non-empty sections.
   Points mode: score = Σ earned of Σ possible over non-empty sections, score% = earned / possible.
5. An evaluation-level auto-fail makes earned and score% 0. Pass = not auto-failed and score ≥ pass
   mark (percent in percentage mode, points in points mode), compared exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any

from cxq.scoring.document import NA, Question, Scorecard

_AF_NONE, _AF_SECTION, _AF_EVALUATION = 0, 1, 2
_AF_CODES = {"none": _AF_NONE, "section": _AF_SECTION, "evaluation": _AF_EVALUATION}


class AnswerError(ValueError):
    """Answers that do not fit the scorecard. ``key`` names the question."""

    def __init__(self, key: str, message: str):
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class _CQ:
    key: str
    section: int
    options: dict[str, tuple[int, int]]  # option key → (scaled points, auto-fail code)
    max_points: int
    show_if: tuple[str, frozenset[str]] | None


@dataclass(frozen=True)
class CompiledScorecard:
    scorecard: Scorecard
    questions: tuple[_CQ, ...]
    section_keys: tuple[str, ...]
    section_weights: tuple[Fraction, ...]
    scale: int  # every stored point value is the real value × scale
    percentage: bool
    pass_mark: Fraction


def compile_scorecard(scorecard: Scorecard) -> CompiledScorecard:
    denominators = [o.points.denominator for q in scorecard.questions() for o in q.options]
    scale = lcm(*denominators) if denominators else 1
    questions = []
    for index, section in enumerate(scorecard.sections):
        for q in section.questions:
            options = {o.key: (int(o.points * scale), _AF_CODES[o.auto_fail]) for o in q.options}
            show_if = (q.show_if.question, frozenset(q.show_if.answers)) if q.show_if else None
            questions.append(_CQ(q.key, index, options, int(q.max_points * scale), show_if))
    return CompiledScorecard(
        scorecard=scorecard,
        questions=tuple(questions),
        section_keys=tuple(s.key for s in scorecard.sections),
        section_weights=tuple(s.weight for s in scorecard.sections),
        scale=scale,
        percentage=scorecard.scoring_mode == "percentage",
        pass_mark=scorecard.pass_mark,
    )


@dataclass(frozen=True)
class QuestionResult:
    key: str
    answer: str | None  # option key, "na" or None (unanswered)
    visible: bool
    applicable: bool
    earned: Fraction
    possible: Fraction
    auto_fail: str  # the chosen option's auto-fail ("none" when not applicable)


@dataclass(frozen=True)
class SectionResult:
    key: str
    earned: Fraction
    possible: Fraction
    percent: Fraction | None
    failed: bool
    empty: bool


@dataclass(frozen=True)
class ScoreResult:
    score_percent: Fraction | None
    earned: Fraction
    possible: Fraction
    passed: bool
    auto_failed: bool
    sections: tuple[SectionResult, ...]
    questions: tuple[QuestionResult, ...]
    scoring_mode: str
    pass_mark: Fraction

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(q.key for q in self.questions if not q.visible)

    def as_json(self) -> dict[str, Any]:
        """The ``cxq score`` output: numbers rounded half-up to 2 decimals."""
        return {
            "score_percent": _num(self.score_percent),
            "earned": _num(self.earned),
            "possible": _num(self.possible),
            "passed": self.passed,
            "auto_failed": self.auto_failed,
            "sections": [
                {
                    "key": s.key,
                    "earned": _num(s.earned),
                    "possible": _num(s.possible),
                    "percent": _num(s.percent),
                    "failed": s.failed,
                    "empty": s.empty,
                }
                for s in self.sections
            ],
        }


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round an exact non-negative (or negative) fraction half away from zero to ``places`` decimals."""
    factor = 10**places
    scaled = value * factor
    sign = -1 if scaled < 0 else 1
    units = (abs(scaled) * 2 + 1) // 2  # floor(|x| + 1/2)
    return Decimal(sign * int(units)).scaleb(-places)


def _num(value: Fraction | None) -> float | None:
    return None if value is None else float(round_half_up(value))


def normalize_answers(compiled: CompiledScorecard, raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Check raw answers (``{"greet": "yes", "tone": 4, "why": "na"}``) against the scorecard and
    return them as option keys. ``None`` values mean unanswered. Raises ``AnswerError`` naming the key."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise AnswerError("", "answers must be an object of question key → answer")
    by_key = {q.key: q for q in compiled.scorecard.questions()}
    clean: dict[str, str] = {}
    for key, value in raw.items():
        question = by_key.get(key)
        if question is None:
            raise AnswerError(str(key), "no question has this key")
        if value is None:
            continue
        clean[key] = _answer(question, value)
    return clean


def _answer(q: Question, value: Any) -> str:
    if value == NA:
        if not q.allow_na:
            raise AnswerError(q.key, "N/A is not allowed for this question")
        return NA
    if q.type == "rating_scale":
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
        ):
            raise AnswerError(q.key, f"a rating must be a whole number from {q.scale_min} to {q.scale_max}")
        if not q.scale_min <= int(value) <= q.scale_max:
            raise AnswerError(q.key, f"rating {value} is outside the scale {q.scale_min}–{q.scale_max}")
        return str(int(value))
    if not isinstance(value, str) or q.option(value) is None:
        keys = ", ".join(o.key for o in q.options)
        raise AnswerError(q.key, f"{value!r} is not one of its options ({keys})")
    return value


def score(compiled: CompiledScorecard, answers: Mapping[str, str]) -> ScoreResult:
    """Score normalised answers (see ``normalize_answers``). Unknown keys are ignored here."""
    n = len(compiled.section_keys)
    earned = [0] * n
    possible = [0] * n
    section_failed = [False] * n
    evaluation_failed = False
    visible: set[str] = set()
    results = []
    for q in compiled.questions:
        answer = answers.get(q.key)
        shown = q.show_if is None or (q.show_if[0] in visible and answers.get(q.show_if[0]) in q.show_if[1])
        if not shown or answer == NA:
            if shown:
                visible.add(q.key)
            results.append(QuestionResult(q.key, answer, shown, False, Fraction(0), Fraction(0), "none"))
            continue
        visible.add(q.key)
        chosen = q.options.get(answer) if answer is not None else None
        points, af = chosen if chosen is not None else (0, _AF_NONE)
        possible[q.section] += q.max_points
        earned[q.section] += points
        if af == _AF_SECTION:
            section_failed[q.section] = True
        elif af == _AF_EVALUATION:
            evaluation_failed = True
        results.append(
            QuestionResult(
                q.key,
                answer if chosen is not None else None,
                True,
                True,
                Fraction(points, compiled.scale),
                Fraction(q.max_points, compiled.scale),
                ("none", "section", "evaluation")[af],
            )
        )
    return _totals(compiled, earned, possible, section_failed, evaluation_failed, tuple(results))


def _totals(compiled, earned, possible, section_failed, evaluation_failed, questions) -> ScoreResult:
    scale = compiled.scale
    sections = []
    total_earned = total_possible = 0
    weighted = Fraction(0)
    weight_sum = Fraction(0)
    for i, key in enumerate(compiled.section_keys):
        e = 0 if section_failed[i] else earned[i]
        p = possible[i]
        empty = p == 0
        percent = None if empty else Fraction(e * 100, p)
        sections.append(
            SectionResult(key, Fraction(e, scale), Fraction(p, scale), percent, section_failed[i], empty)
        )
        if empty:
            continue
        total_earned += e
        total_possible += p
        weighted += compiled.section_weights[i] * percent
        weight_sum += compiled.section_weights[i]
    if compiled.percentage:
        score_percent = weighted / weight_sum if weight_sum else None
    else:
        score_percent = Fraction(total_earned * 100, total_possible) if total_possible else None
    earned_total = Fraction(total_earned, scale)
    if evaluation_failed:
        earned_total = Fraction(0)
        score_percent = Fraction(0)
    measure = score_percent if compiled.percentage else (earned_total if total_possible else None)
    passed = not evaluation_failed and measure is not None and measure >= compiled.pass_mark
    return ScoreResult(
        score_percent=score_percent,
        earned=earned_total,
        possible=Fraction(total_possible, scale),
        passed=passed,
        auto_failed=evaluation_failed,
        sections=tuple(sections),
        questions=questions,
        scoring_mode=compiled.scorecard.scoring_mode,
        pass_mark=compiled.pass_mark,
    )


def missing_required(compiled: CompiledScorecard, answers: Mapping[str, str]) -> list[str]:
    """Required, visible questions without an answer (N/A counts as an answer where allowed)."""
    result = score(compiled, answers)
    required = {q.key for q in compiled.scorecard.questions() if q.required}
    return [q.key for q in result.questions if q.key in required and q.visible and q.answer is None]
