"""Pure-Python enrichment of interactions (docs/enrichment.md): indicators, topics, language and metrics.

No Django imports: callers convert model rows to :class:`Utterance` / :class:`PhraseSet` and store the
returned :class:`Enrichment`. See docs/enrichment.md.
"""

from __future__ import annotations

from .language import detect_language, load_model, normalize_language_code
from .matching import PhraseMatcher
from .metrics import compute_metrics
from .normalize import normalize, original_span
from .pipeline import enrich
from .types import (
    DEFAULT_FILLER_WORDS,
    Enrichment,
    Hit,
    Metrics,
    PhraseSet,
    Thresholds,
    Utterance,
)

__all__ = [
    "DEFAULT_FILLER_WORDS",
    "Enrichment",
    "Hit",
    "Metrics",
    "PhraseMatcher",
    "PhraseSet",
    "Thresholds",
    "Utterance",
    "compute_metrics",
    "detect_language",
    "enrich",
    "load_model",
    "normalize",
    "normalize_language_code",
    "original_span",
]
