"""Indicator and topic matching: named phrase sets searched in a transcript, by speaker side.

Rules (docs/enrichment.md has the long form):

- Text and phrases are normalised the same way (:func:`normalize`): case, accents and punctuation do
  not matter, so "Thank you, for calling!" matches the phrase "thank you for calling".
- Whole words only: "refund" matches "refund" and "Refund!", not "refunds" or "refunded".
- Tolerated misspellings: a phrase word may differ from the text word by one edit when both have 5+
  letters, by two when both have 9+ (optimal string alignment distance: insert, delete, substitute,
  swap two neighbours). The first letter must agree, and a word that is the other one with letters
  added at the end is an inflection, not a typo ("refunds", "refunded", "cancellations" do not match
  "refund", "cancellation"); words with digits, and words under 5 letters, must match exactly.
- A set with side "agent" searches agent utterances, "customer" customer utterances, "any" both; system
  utterances are never searched.
- At most one hit per (phrase set, utterance): the best score, then the earliest position. Hits are
  sorted by utterance index, then position.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import ahocorasick
from rapidfuzz.distance import OSA

from .normalize import normalize, normalize_words, original_span
from .types import Hit, PhraseSet, Utterance

MATCHED_SIDES = ("agent", "customer")

# Learned fuzzy look-ups are kept across interactions (the vocabulary of a contact centre is small and
# Zipfian); past this many distinct words the cache is dropped and re-learned.
_MAX_CACHED_WORDS = 200_000
_NOTHING: dict[str, int] = {}
_NO_NEAR: tuple[set[str], dict[str, dict[str, int]]] = (set(), {})
_LINE_BREAK = " \n "  # joins utterances: no phrase key (words and single spaces) can span it


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    letters: int  # letters of the normalised phrase without spaces: the denominator of a fuzzy score
    key_length: int  # length of the automaton key (words + separating and padding spaces)
    entries: tuple[tuple[int, str], ...]  # (phrase set position, phrase as configured)


@dataclass(slots=True)
class _WordCache:
    """What the matcher learned about text words: all words looked at, and the near ones."""

    seen: set[str] = field(default_factory=set)
    near: dict[str, dict[str, int]] = field(default_factory=dict)  # text word -> {phrase word: edits}
    near_words: set[str] = field(default_factory=set)  # the keys of ``near``, for set intersections


# (phrase set position, utterance row) -> (score, word position, phrase length, phrase, configured text)
_Best = dict[tuple[int, int], tuple[float, int, int, _Phrase, str]]


def edit_allowance(word: str, min_length: int | None = 5, two_edits_length: int = 9) -> int:
    """Edits tolerated for a word: 0 below ``min_length`` letters or with digits, else 1, or 2 from 9.

    A text word and a phrase word may differ by the smaller of their two allowances.
    """
    if min_length is None or len(word) < min_length or not word.isalpha():
        return 0
    return 2 if len(word) >= two_edits_length else 1


class PhraseMatcher:
    """Phrase sets compiled once, reusable across many interactions of a process.

    The only state that changes after construction is a cache of which text words are tolerated
    misspellings of phrase words; it only grows (or is replaced whole past ``_MAX_CACHED_WORDS``
    words), and results never depend on it.

    Algorithm of :meth:`match`:

    1. Normalise each utterance; per side (agent, customer), join that side's utterances with
       " \\n " and pad the result with a space at each end.
    2. Exact path: run the side's Aho-Corasick automaton, whose keys are the normalised phrases padded
       with spaces (so only whole words can match, and never across two utterances), over the joined
       text once; every key found is a hit with score 1.0 for each phrase set it belongs to.
    3. Fuzzy path, cheap when nothing is misspelt: collect the distinct words of the interaction; words
       never seen before are compared once (rapidfuzz OSA distance with a cut-off) with the phrase
       words that share their first letter and the result is cached; a set intersection then
       tells which words are near a phrase word. Only utterances holding such a word are examined.
    4. For each such word at position p and each phrase word w it is near, every phrase having w at
       offset k is checked on the word window starting at p - k: each phrase word must equal the text
       word or be within its allowance of it. The score is ``1 - total edits / phrase letters``.
    5. Keep the best hit per (phrase set, utterance), map its words back to the original text and
       estimate its time from its word position.
    """

    def __init__(
        self,
        phrase_sets: Iterable[PhraseSet],
        *,
        fuzzy_min_length: int | None = 5,
        two_edits_min_length: int = 9,
    ) -> None:
        self.phrase_sets: tuple[PhraseSet, ...] = tuple(phrase_sets)
        self._set_ids = tuple(phrase_set.id for phrase_set in self.phrase_sets)
        self._fuzzy_min_length = fuzzy_min_length
        self._two_edits_min_length = two_edits_min_length
        per_side = {side: self._phrases_for(side) for side in MATCHED_SIDES}
        self._automata = {side: _automaton(phrases) for side, phrases in per_side.items()}
        self._anchors = {side: _anchors(phrases) for side, phrases in per_side.items()}
        self._buckets = self._fuzzy_buckets(per_side.values())
        self._cache = _WordCache()

    # -- compilation -------------------------------------------------------------------------------

    def _phrases_for(self, side: str) -> list[_Phrase]:
        """Unique normalised phrases searched on ``side``, each with the sets that contain it."""
        entries: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for position, phrase_set in enumerate(self.phrase_sets):
            if phrase_set.side not in (side, "any"):
                continue
            for phrase in phrase_set.phrases:
                words = tuple(normalize(phrase).split())
                if not words:
                    continue
                bucket = entries.setdefault(words, [])
                if all(existing[0] != position for existing in bucket):
                    bucket.append((position, phrase))
        return [
            _Phrase(
                words=words,
                letters=sum(map(len, words)),
                key_length=len(" ".join(words)) + 2,
                entries=tuple(sets),
            )
            for words, sets in entries.items()
        ]

    def _fuzzy_buckets(self, phrase_lists: Iterable[list[_Phrase]]) -> dict[str, list[tuple[str, int]]]:
        """Phrase words that tolerate edits, grouped by first letter."""
        buckets: dict[str, list[tuple[str, int]]] = {}
        vocabulary = {word for phrases in phrase_lists for phrase in phrases for word in phrase.words}
        for word in sorted(vocabulary):
            allowance = edit_allowance(word, self._fuzzy_min_length, self._two_edits_min_length)
            if allowance:
                buckets.setdefault(word[0], []).append((word, allowance))
        return buckets

    # -- matching ----------------------------------------------------------------------------------

    def match(
        self,
        utterances: Sequence[Utterance],
        *,
        normalized: Sequence[str] | None = None,
        words: Sequence[list[str]] | None = None,
        matched_text: bool = True,
    ) -> list[Hit]:
        """Hits of every phrase set in ``utterances``, at most one per (set, utterance), by utterance.

        ``words`` may pass ``normalize_words([u.text for u in utterances])`` and ``normalized`` the
        texts (``" ".join`` of the words) already computed; either is derived when missing. With
        ``matched_text=False`` hits leave ``matched_text`` empty (bulk ingest stores ``position`` and
        ``length`` and cuts the text out only when someone looks at the hit).
        """
        if words is None:
            if normalized is None:
                words = normalize_words([u.text for u in utterances])
            else:
                words = [text.split() for text in normalized]
        if normalized is None:
            normalized = [" ".join(row_words) for row_words in words]
        side_rows: dict[str, list[int]] = {side: [] for side in MATCHED_SIDES}
        for row, utterance in enumerate(utterances):
            rows = side_rows.get(utterance.speaker)
            if rows is not None and normalized[row]:
                rows.append(row)
        # One automaton pass over all of a side's utterances, joined by line breaks; offsets map back
        # to utterances through the start offset of each one.
        searched: list[tuple[str, ahocorasick.Automaton, list[int], str, list[int]]] = []
        for side in MATCHED_SIDES:
            automaton, rows = self._automata[side], side_rows[side]
            if automaton is None or not rows:
                continue
            texts = [normalized[row] for row in rows]
            joined = " " + _LINE_BREAK.join(texts) + " "
            starts = list(accumulate([len(text) + len(_LINE_BREAK) for text in texts], initial=1))
            searched.append((side, automaton, rows, joined, starts))
        # fuzzy step 1, for both sides at once: which words of the interaction are near a phrase word
        near = (
            self._near_words([words[row] for *_, rows, _, _ in searched for row in rows]) if self._buckets else _NO_NEAR
        )
        best: _Best = {}
        for side, automaton, rows, joined, starts in searched:
            for end, phrase in automaton.iter(joined):
                key_start = end - phrase.key_length + 1  # the space before the phrase's first word
                item = bisect_right(starts, key_start + 1) - 1
                position = joined.count(" ", starts[item], key_start + 1)  # words before it
                _keep(best, rows[item], position, 1.0, phrase)
            if near[0]:
                self._match_fuzzy(near, side, rows, words, joined, starts, best)
        return self._hits(utterances, words, best, matched_text)

    def _near_words(self, word_lists: list[list[str]]) -> tuple[set[str], dict[str, dict[str, int]]]:
        """The words of these utterances that are near a phrase word, and the cache's near-map to use.

        Words never seen before are learned first (:meth:`_learn`). One vocabulary for both sides: a
        word the agent and the customer both use is looked up once.
        """
        vocabulary: set[str] = set().union(*word_lists)
        cache = self._cache  # one generation throughout, even if another thread replaces it meanwhile
        unseen = vocabulary - cache.seen
        if unseen:
            if len(cache.seen) + len(unseen) > _MAX_CACHED_WORDS:
                cache = self._cache = _WordCache()
            self._learn(cache, unseen)
        return vocabulary & cache.near_words, cache.near

    def _match_fuzzy(
        self,
        near: tuple[set[str], dict[str, dict[str, int]]],
        side: str,
        rows: list[int],
        words: Sequence[list[str]],
        joined: str,
        starts: list[int],
        best: _Best,
    ) -> None:
        near_words, near_map = near
        # locate the near words with a few str.find calls instead of scanning every utterance (a near
        # word of the other side's text is simply not found here)
        found: set[int] = set()
        for word in near_words:
            key = f" {word} "
            offset = joined.find(key)
            while offset != -1:
                found.add(bisect_right(starts, offset + 1) - 1)
                offset = joined.find(key, offset + 1)
        anchors = self._anchors[side]
        for item in sorted(found):
            row_words = words[rows[item]]
            for position, word in enumerate(row_words):
                if word in near_words:
                    self._windows(row_words, position, near_map, anchors, rows[item], best)

    def _windows(
        self,
        words: list[str],
        position: int,
        near_map: dict[str, dict[str, int]],
        anchors: dict[str, list[tuple[int, _Phrase]]],
        row: int,
        best: _Best,
    ) -> None:
        """Check every phrase that has a word near ``words[position]`` on its aligned word window."""
        for phrase_word in near_map[words[position]]:
            for offset, phrase in anchors.get(phrase_word, ()):
                start = position - offset
                if start < 0 or start + len(phrase.words) > len(words):
                    continue
                edits = 0
                for expected, actual in zip(phrase.words, words[start:], strict=False):
                    if expected == actual:
                        continue
                    distance = near_map.get(actual, _NOTHING).get(expected)
                    if distance is None:
                        break
                    edits += distance
                else:
                    if edits:
                        _keep(best, row, start, 1.0 - edits / phrase.letters, phrase)

    def _learn(self, cache: _WordCache, words: set[str]) -> None:
        """Find and cache, for each new text word, the phrase words it is a tolerated misspelling of."""
        for word in words:
            # the shorter of the two words sets the tolerance: "late" (4) is not a misspelt "latte" (5)
            own = edit_allowance(word, self._fuzzy_min_length, self._two_edits_min_length)
            if not own:
                continue
            found: dict[str, int] = {}
            for candidate, phrase_allowance in self._buckets.get(word[0], ()):
                allowance = min(own, phrase_allowance)
                if abs(len(candidate) - len(word)) > allowance or _is_inflection(word, candidate):
                    continue
                distance = OSA.distance(word, candidate, score_cutoff=allowance)
                if distance <= allowance:
                    found[candidate] = distance
            if found:
                cache.near[word] = found
                cache.near_words.add(word)
        cache.seen |= words

    def _hits(
        self,
        utterances: Sequence[Utterance],
        words: Sequence[list[str]],
        best: _Best,
        matched_text: bool = True,
    ) -> list[Hit]:
        ordered = sorted(best.items(), key=lambda item: (utterances[item[0][1]].index, item[1][1], item[0][0]))
        set_ids = self._set_ids
        hits = []
        for (set_position, row), (score, position, length, _, configured) in ordered:
            utterance = utterances[row]
            word_count = len(words[row])
            span = max(utterance.end - utterance.start, 0.0)
            hits.append(
                Hit(
                    phrase_set_id=set_ids[set_position],
                    utterance_index=utterance.index,
                    start=utterance.start + span * position / word_count,
                    phrase=configured,
                    matched_text=original_span(utterance.text, position, length) if matched_text else "",
                    score=score,
                    position=position,
                    length=length,
                )
            )
        return hits


def _is_inflection(word: str, other: str) -> bool:
    """True when one word is the other with letters added at the end (or they are equal)."""
    return word.startswith(other) or other.startswith(word)


def phrase_key(phrase: _Phrase) -> str:
    """The automaton key of a phrase: its normalised words padded with one space on each side."""
    return f" {' '.join(phrase.words)} "


def _automaton(phrases: list[_Phrase]) -> ahocorasick.Automaton | None:
    if not phrases:
        return None
    automaton = ahocorasick.Automaton()
    for phrase in phrases:
        automaton.add_word(phrase_key(phrase), phrase)
    automaton.make_automaton()
    return automaton


def _anchors(phrases: list[_Phrase]) -> dict[str, list[tuple[int, _Phrase]]]:
    """Phrase word -> [(its offset in the phrase, phrase)], for aligning fuzzy windows."""
    anchors: dict[str, list[tuple[int, _Phrase]]] = {}
    for phrase in phrases:
        for offset, word in enumerate(phrase.words):
            anchors.setdefault(word, []).append((offset, phrase))
    return anchors


def _keep(
    best: _Best,
    row: int,
    position: int,
    score: float,
    phrase: _Phrase,
) -> None:
    """Record ``phrase`` at word ``position`` of utterance ``row`` for each of its sets if it is better."""
    for set_position, configured in phrase.entries:
        key = (set_position, row)
        current = best.get(key)
        # better = higher score, then earlier, then longer phrase (more specific evidence)
        if current is None or (score, -position, len(phrase.words)) > (current[0], -current[1], current[2]):
            best[key] = (score, position, len(phrase.words), phrase, configured)
