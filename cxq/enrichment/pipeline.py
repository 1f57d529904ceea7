"""One call that enriches an interaction: hits, topics, indicators, language and metrics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .language import detect_language
from .matching import MATCHED_SIDES, PhraseMatcher
from .metrics import compute_metrics
from .normalize import normalize_words
from .types import Enrichment, Interval, Thresholds, Utterance


def enrich(
    utterances: Sequence[Utterance],
    matcher: PhraseMatcher,
    thresholds: Thresholds,
    language_hint: str | None = None,
    holds: Iterable[Interval] = (),
    *,
    matched_text: bool = True,
) -> Enrichment:
    """Enrich one interaction.

    1. Normalise every utterance once (:func:`normalize_words`) for the matcher and the metrics;
       ``hits`` = ``matcher.match(utterances, matched_text=matched_text)``.
    2. ``topics`` / ``indicators`` = names of the topic / indicator sets with at least one hit, in the
       order the sets were given to the matcher, each once.
    3. ``language`` = :func:`detect_language` over the agent and customer texts, ``language_hint`` first.
    4. ``metrics`` = :func:`compute_metrics` with ``thresholds`` and the source-reported ``holds``.
    """
    words = normalize_words([u.text for u in utterances])
    normalized = [" ".join(row_words) for row_words in words]
    hits = matcher.match(utterances, normalized=normalized, words=words, matched_text=matched_text)
    hit_ids = {hit.phrase_set_id for hit in hits}
    matched = [phrase_set for phrase_set in matcher.phrase_sets if phrase_set.id in hit_ids]
    language = detect_language((u.text for u in utterances if u.speaker in MATCHED_SIDES), hint=language_hint)
    return Enrichment(
        hits=hits,
        topics=_unique(s.name for s in matched if s.kind == "topic"),
        indicators=_unique(s.name for s in matched if s.kind == "indicator"),
        language=language,
        metrics=compute_metrics(utterances, thresholds, holds, normalized=normalized),
    )


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
