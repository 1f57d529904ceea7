"""Scoring (docs/scoring.md#scoring-rules), exact and fast.

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
from typing import Any, NamedTuple

from cxq.scoring.document import NA, Question, Scorecard

_AF_NONE, _AF_SECTION, _AF_EVALUATION = 0, 1, 2
_AF_CODES = {"none": _AF_NONE, "section": _AF_SECTION, "evaluation": _AF_EVALUATION}


class AnswerError(ValueError):
    """Answers that do not fit the scorecard. ``key`` names the question."""

    def __init__(self, key: str, message: str):
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


class _CQ(NamedTuple):
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
    section_weights: tuple[int, ...]  # weights × their common denominator (only ratios matter)
    scale: int  # every stored point value is the real value × scale
    percentage: bool
    pass_mark: Fraction


def compile_scorecard(scorecard: Scorecard) -> CompiledScorecard:
    denominators = [o.points.denominator for q in scorecard.questions() for o in q.options]
    scale = lcm(*denominators) if denominators else 1
    weight_scale = lcm(*(s.weight.denominator for s in scorecard.sections)) if scorecard.sections else 1
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
        section_weights=tuple(int(s.weight * weight_scale) for s in scorecard.sections),
        scale=scale,
        percentage=scorecard.scoring_mode == "percentage",
        pass_mark=scorecard.pass_mark,
    )


@dataclass(frozen=True)
class QuestionResult:
    key: str
    answer: str | None  # option key, "na" or None (unanswered or hidden)
    visible: bool
    applicable: bool
    earned: Fraction
    possible: Fraction
    auto_fail: str  # the chosen option's auto-fail ("none" when not applicable)


class SectionResult:
    """One section's outcome. Values are kept as scaled integers; fractions are made on access."""

    __slots__ = ("key", "_earned", "_possible", "_scale", "failed")

    def __init__(self, key: str, earned: int, possible: int, scale: int, failed: bool):
        self.key = key
        self._earned = earned
        self._possible = possible
        self._scale = scale
        self.failed = failed

    @property
    def earned(self) -> Fraction:
        return Fraction(self._earned, self._scale)

    @property
    def possible(self) -> Fraction:
        return Fraction(self._possible, self._scale)

    @property
    def empty(self) -> bool:
        return self._possible == 0

    @property
    def percent(self) -> Fraction | None:
        return None if self._possible == 0 else Fraction(self._earned * 100, self._possible)

    def __repr__(self) -> str:
        return f"SectionResult({self.key!r}, {self.earned}/{self.possible}, failed={self.failed})"


_AF_NAMES = ("none", "section", "evaluation")


class ScoreResult:
    """The outcome of scoring one set of answers (exact values; see ``as_json`` for rounding)."""

    __slots__ = (
        "score_percent",
        "_earned",
        "_possible",
        "_scale",
        "passed",
        "auto_failed",
        "sections",
        "_rows",
        "scoring_mode",
        "pass_mark",
        "_questions",
    )

    def __init__(
        self,
        *,
        score_percent,
        earned,
        possible,
        scale,
        passed,
        auto_failed,
        sections,
        rows,
        scoring_mode,
        pass_mark,
    ):
        self.score_percent: Fraction | None = score_percent
        self._earned = earned
        self._possible = possible
        self._scale = scale
        self.passed: bool = passed
        self.auto_failed: bool = auto_failed
        self.sections: tuple[SectionResult, ...] = sections
        self._rows = rows
        self.scoring_mode: str = scoring_mode
        self.pass_mark: Fraction = pass_mark
        self._questions: tuple[QuestionResult, ...] | None = None

    @property
    def earned(self) -> Fraction:
        return Fraction(self._earned, self._scale)

    @property
    def possible(self) -> Fraction:
        return Fraction(self._possible, self._scale)

    @property
    def questions(self) -> tuple[QuestionResult, ...]:
        """Per question: answer, visibility, applicability and contribution, in document order."""
        if self._questions is None:
            scale = self._scale
            self._questions = tuple(
                QuestionResult(key, answer, visible, applicable, Fraction(e, scale), Fraction(p, scale), _AF_NAMES[af])
                for key, answer, visible, applicable, e, p, af in self._rows
            )
        return self._questions

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(row[0] for row in self._rows if not row[2])

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
        assert q.scale_min is not None and q.scale_max is not None  # set for every rating scale
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
    rows: list[tuple[str, str | None, bool, bool, int, int, int]] = []
    get = answers.get
    for key, section, options, max_points, show_if in compiled.questions:
        answer = get(key)
        if show_if is not None and not (show_if[0] in visible and get(show_if[0]) in show_if[1]):
            rows.append((key, None, False, False, 0, 0, 0))
            continue
        visible.add(key)
        if answer == NA:
            rows.append((key, NA, True, False, 0, 0, 0))
            continue
        chosen = options.get(answer) if answer is not None else None
        points, af = chosen if chosen is not None else (0, _AF_NONE)
        possible[section] += max_points
        earned[section] += points
        if af == _AF_SECTION:
            section_failed[section] = True
        elif af == _AF_EVALUATION:
            evaluation_failed = True
        rows.append((key, answer if chosen is not None else None, True, True, points, max_points, af))
    return _totals(compiled, earned, possible, section_failed, evaluation_failed, rows)


def _totals(compiled, earned, possible, section_failed, evaluation_failed, rows) -> ScoreResult:
    """Steps 3–5 of the algorithm, in integers; one fraction for the score at the end."""
    scale = compiled.scale
    weights = compiled.section_weights
    sections = []
    total_earned = total_possible = 0
    used: list[tuple[int, int, int]] = []  # (weight, earned, possible) of non-empty sections
    for i, key in enumerate(compiled.section_keys):
        e = 0 if section_failed[i] else earned[i]
        p = possible[i]
        sections.append(SectionResult(key, e, p, scale, section_failed[i]))
        if p:
            total_earned += e
            total_possible += p
            used.append((weights[i], e, p))
    if compiled.percentage:
        # Σ w·e/p / Σ w, over a common denominator L = lcm(p): exact, one Fraction.
        weight_sum = sum(w for w, _, _ in used)
        if weight_sum:
            common = lcm(*(p for _, _, p in used))
            score_percent = Fraction(100 * sum(w * e * (common // p) for w, e, p in used), common * weight_sum)
        else:
            score_percent = None
    else:
        score_percent = Fraction(total_earned * 100, total_possible) if total_possible else None
    if evaluation_failed:
        total_earned = 0
        score_percent = Fraction(0)
    if compiled.percentage:
        passed = score_percent is not None and score_percent >= compiled.pass_mark
    else:
        passed = total_possible > 0 and Fraction(total_earned, scale) >= compiled.pass_mark
    return ScoreResult(
        score_percent=score_percent,
        earned=total_earned,
        possible=total_possible,
        scale=scale,
        passed=passed and not evaluation_failed,
        auto_failed=evaluation_failed,
        sections=tuple(sections),
        rows=tuple(rows),
        scoring_mode=compiled.scorecard.scoring_mode,
        pass_mark=compiled.pass_mark,
    )


def missing_required(compiled: CompiledScorecard, answers: Mapping[str, str]) -> list[str]:
    """Required, visible questions without an answer (N/A counts as an answer where allowed)."""
    result = score(compiled, answers)
    required = {q.key for q in compiled.scorecard.questions() if q.required}
    return [q.key for q in result.questions if q.key in required and q.visible and q.answer is None]
