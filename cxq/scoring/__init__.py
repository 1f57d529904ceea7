"""The CXQ scoring engine (docs/scoring.md#scoring-rules) and the scorecard document
(docs/scoring.md#the-scorecard-document).

Pure Python: no Django imports, no settings, no I/O. Everything that shows or stores a score — the
builder preview, the evaluation form's running total, the API, analytics and ``cxq score`` — calls
``score``. Arithmetic is exact (integers and fractions); rounding happens only in ``ScoreResult.as_json``.
"""

from cxq.scoring.document import (
    AUTO_FAIL_VALUES,
    BAND_COLOURS,
    QUESTION_TYPES,
    SCORING_MODES,
    Band,
    Option,
    Question,
    Scorecard,
    ScorecardError,
    Section,
    ShowIf,
    band_for,
    parse_document,
)
from cxq.scoring.engine import (
    AnswerError,
    CompiledScorecard,
    QuestionResult,
    ScoreResult,
    SectionResult,
    compile_scorecard,
    normalize_answers,
    round_half_up,
    score,
)

__all__ = [
    "AUTO_FAIL_VALUES",
    "BAND_COLOURS",
    "QUESTION_TYPES",
    "SCORING_MODES",
    "AnswerError",
    "Band",
    "CompiledScorecard",
    "Option",
    "Question",
    "QuestionResult",
    "ScoreResult",
    "Scorecard",
    "ScorecardError",
    "Section",
    "SectionResult",
    "ShowIf",
    "band_for",
    "compile_scorecard",
    "normalize_answers",
    "parse_document",
    "round_half_up",
    "score",
]
