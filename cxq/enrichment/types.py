"""Plain data types of the enrichment engine (no Django, no settings).

Times are seconds from the start of the interaction. Everything here is immutable — frozen dataclasses,
and named tuples for the two types built by the thousand (:class:`Utterance`, :class:`Hit`) — so it can be
shared across threads and used as a cache key; the only mutable containers are the lists inside
:class:`Metrics` and :class:`Enrichment`, which are results handed to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

SPEAKERS = ("agent", "customer", "system")
_SPEAKER_SET = frozenset(SPEAKERS)
PHRASE_SET_KINDS = ("indicator", "topic")
PHRASE_SET_SIDES = ("agent", "customer", "any")

DEFAULT_FILLER_WORDS: tuple[str, ...] = (
    "um",
    "uh",
    "erm",
    "er",
    "hmm",
    "uhm",
    "umm",
    "like",
    "you know",
    "i mean",
    "basically",
)

Interval = tuple[float, float]


class _UtteranceFields(NamedTuple):
    index: int  # type: ignore[assignment]  # shadows tuple.index(), which no caller needs
    speaker: str
    start: float
    end: float
    text: str
    speaker_name: str = ""


_new_tuple = tuple.__new__


class Utterance(_UtteranceFields):
    """One turn of a transcript.

    ``speaker`` is "agent", "customer" or "system" (bot/IVR/action lines: never matched, never talk).
    ``start``/``end`` are seconds from the start of the interaction; chats without timing may pass 0.0
    for both. An ``end`` before ``start`` is read as a zero-length utterance.

    A named tuple rather than a frozen dataclass: ingest builds one per transcript line, and building
    a frozen dataclass (six ``object.__setattr__`` calls, then ``__post_init__``) cost ~2.5x as much.
    This ``__new__`` replaces the generated one, so the speaker check costs nothing extra. Immutable,
    hashable and compared by value as before (also equal to the plain tuple of its fields);
    ``_replace`` stands in for ``dataclasses.replace``. Positional arguments build it about twice as
    fast as keywords.
    """

    __slots__ = ()

    def __new__(
        cls, index: int, speaker: str, start: float, end: float, text: str, speaker_name: str = ""
    ) -> Utterance:
        if speaker not in SPEAKERS:
            raise ValueError(f"speaker must be one of {SPEAKERS}, not {speaker!r}")
        return _new_tuple(cls, (index, speaker, start, end, text, speaker_name))

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> list[Utterance]:
        """``[Utterance(i, *row) for i, row in enumerate(rows)]`` for rows ``(speaker, start, end, text,
        speaker_name)`` — a stored transcript's shape — with the speaker check done once for all rows
        (one set operation) instead of a Python call per row."""
        unknown = {row[0] for row in rows} - _SPEAKER_SET
        if unknown:
            raise ValueError(f"speaker must be one of {SPEAKERS}, not {min(map(repr, unknown))}")
        new = _new_tuple
        return [new(cls, (i, *row)) if len(row) == 5 else cls(i, *row) for i, row in enumerate(rows)]


@dataclass(frozen=True, slots=True)
class PhraseSet:
    """A named set of phrases: an *indicator* ("greeting", "empathy") or a *topic* ("returns").

    ``side`` restricts which utterances are searched: "agent", "customer" or "any" (agent and customer,
    never system).
    """

    id: str
    name: str
    kind: str
    side: str
    phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in PHRASE_SET_KINDS:
            raise ValueError(f"kind must be one of {PHRASE_SET_KINDS}, not {self.kind!r}")
        if self.side not in PHRASE_SET_SIDES:
            raise ValueError(f"side must be one of {PHRASE_SET_SIDES}, not {self.side!r}")
        if isinstance(self.phrases, str):
            raise TypeError("phrases must be a tuple of strings, not a single string")


class Hit(NamedTuple):
    """The best match of one phrase set in one utterance.

    ``start`` is the estimated time of the match: the utterance start plus its duration times the
    fraction of the utterance's words before the match. ``phrase`` is the configured phrase,
    ``matched_text`` the original words it matched (edge punctuation trimmed) — or "" when the matcher
    was asked not to cut it out (``matched_text=False``): ``original_span(utterance text, position,
    length)`` gives it later. ``position`` and ``length`` are the matched words in the normalised
    utterance (first word's index, how many). ``score`` is 1.0 for an exact (normalised) match,
    ``1 - edits / letters of the phrase`` for a tolerated misspelling.

    A named tuple for the same reason as :class:`Utterance`: a matcher builds ~15 per interaction.
    """

    phrase_set_id: str
    utterance_index: int
    start: float
    phrase: str
    matched_text: str
    score: float
    position: int = 0
    length: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "phrase_set_id": self.phrase_set_id,
            "utterance_index": self.utterance_index,
            "start": round(self.start, 3),
            "phrase": self.phrase,
            "matched_text": self.matched_text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Organisation settings that drive the metrics (see docs/enrichment.md).

    - ``silence_seconds``: a gap with nobody speaking (and not on hold) longer than this is a silence event.
    - ``crosstalk_min_seconds``: agent and customer overlapping at least this long is a crosstalk event.
    - ``monologue_min_seconds``: a run shorter than this is not reported as the longest monologue.
    - ``filler_words``: words or short phrases counted as fillers (normalised like phrases).
    """

    silence_seconds: float = 3.0
    crosstalk_min_seconds: float = 0.5
    monologue_min_seconds: float = 0.0
    filler_words: tuple[str, ...] = DEFAULT_FILLER_WORDS

    def __post_init__(self) -> None:
        for name in ("silence_seconds", "crosstalk_min_seconds", "monologue_min_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if isinstance(self.filler_words, str):
            raise TypeError("filler_words must be a tuple of strings, not a single string")


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _intervals(values: list[Interval]) -> list[list[float]]:
    return [[round(float(a), 3), round(float(b), 3)] for a, b in values]


def _total(values: list[Interval]) -> float:
    return sum(b - a for a, b in values)


@dataclass(slots=True)
class Metrics:
    """Conversation metrics computed from the timed transcript (formulas: docs/enrichment.md)."""

    duration: float
    agent_talk_seconds: float
    customer_talk_seconds: float
    agent_talk_share: float | None
    customer_talk_share: float | None
    talk_to_listen_ratio: float | None
    longest_monologue_seconds: float
    longest_monologue_side: str | None
    agent_words: int
    customer_words: int
    agent_words_per_minute: float | None
    customer_words_per_minute: float | None
    agent_fillers: int
    customer_fillers: int
    agent_filler_words_per_minute: float | None
    customer_filler_words_per_minute: float | None
    silence_events: list[Interval] = field(default_factory=list)
    crosstalk_events: list[Interval] = field(default_factory=list)
    hold_events: list[Interval] = field(default_factory=list)

    @property
    def silence_count(self) -> int:
        return len(self.silence_events)

    @property
    def crosstalk_count(self) -> int:
        return len(self.crosstalk_events)

    @property
    def hold_count(self) -> int:
        return len(self.hold_events)

    @property
    def silence_seconds(self) -> float:
        return _total(self.silence_events)

    @property
    def crosstalk_seconds(self) -> float:
        return _total(self.crosstalk_events)

    @property
    def hold_seconds(self) -> float:
        return _total(self.hold_events)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view: floats rounded to milliseconds, events as ``[start, end]`` lists.

        Called once per ingested interaction, so the rounding is written out (``round(float(x), 3)``,
        ``None`` kept) rather than going through a helper and the properties above for each field.
        """
        silence, crosstalk, hold = self.silence_events, self.crosstalk_events, self.hold_events
        return {
            "duration": round(float(self.duration), 3),
            "agent_talk_seconds": round(float(self.agent_talk_seconds), 3),
            "customer_talk_seconds": round(float(self.customer_talk_seconds), 3),
            "agent_talk_share": _r(self.agent_talk_share),
            "customer_talk_share": _r(self.customer_talk_share),
            "talk_to_listen_ratio": _r(self.talk_to_listen_ratio),
            "longest_monologue_seconds": round(float(self.longest_monologue_seconds), 3),
            "longest_monologue_side": self.longest_monologue_side,
            "agent_words": self.agent_words,
            "customer_words": self.customer_words,
            "agent_words_per_minute": _r(self.agent_words_per_minute),
            "customer_words_per_minute": _r(self.customer_words_per_minute),
            "agent_fillers": self.agent_fillers,
            "customer_fillers": self.customer_fillers,
            "agent_filler_words_per_minute": _r(self.agent_filler_words_per_minute),
            "customer_filler_words_per_minute": _r(self.customer_filler_words_per_minute),
            "silence_events": _intervals(silence),
            "silence_count": len(silence),
            "silence_seconds": round(float(_total(silence)), 3),
            "crosstalk_events": _intervals(crosstalk),
            "crosstalk_count": len(crosstalk),
            "crosstalk_seconds": round(float(_total(crosstalk)), 3),
            "hold_events": _intervals(hold),
            "hold_count": len(hold),
            "hold_seconds": round(float(_total(hold)), 3),
        }


@dataclass(slots=True)
class Enrichment:
    """Everything :func:`enrich` derives from one interaction."""

    hits: list[Hit]
    topics: list[str]
    indicators: list[str]
    language: str | None
    metrics: Metrics

    def as_dict(self) -> dict[str, Any]:
        return {
            "hits": [h.as_dict() for h in self.hits],
            "topics": list(self.topics),
            "indicators": list(self.indicators),
            "language": self.language,
            "metrics": self.metrics.as_dict(),
        }
