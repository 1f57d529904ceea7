"""Conversation metrics from a timed transcript (docs/enrichment.md); formulas also in docs/enrichment.md.

Only agent and customer utterances are speech; system lines (bots, IVR prompts, agent actions) are
ignored except for the duration. An utterance whose ``end`` is before its ``start`` counts as zero-length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import islice

import ahocorasick

from .normalize import normalize, normalize_texts
from .types import Interval, Metrics, Thresholds, Utterance


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals as sorted, disjoint intervals.

    1. Sort by start.
    2. Walk them: an interval starting at or before the current end extends it (overlapping or
       touching speech of one side is one stretch of talk, never counted twice); otherwise it starts
       a new stretch.
    """
    ordered = sorted(intervals)
    if not ordered:
        return []
    merged: list[Interval] = []
    current_start, current_end = ordered[0]
    for start, end in islice(ordered, 1, None):
        if start <= current_end:
            if end > current_end:
                current_end = end
        else:
            merged.append((current_start, current_end))
            current_start, current_end = start, end
    merged.append((current_start, current_end))
    return merged


def intersect_intervals(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """Intersections of two sorted, disjoint interval lists (two-pointer sweep), zero-length dropped."""
    result: list[Interval] = []
    if not first or not second:
        return result
    i = j = 0
    (a_start, a_end), (b_start, b_end) = first[0], second[0]
    while True:  # only the pointer that moves unpacks its next interval
        start = a_start if a_start > b_start else b_start
        end = a_end if a_end < b_end else b_end
        if end > start:
            result.append((start, end))
        if a_end < b_end:
            i += 1
            if i == len(first):
                return result
            a_start, a_end = first[i]
        else:
            j += 1
            if j == len(second):
                return result
            b_start, b_end = second[j]


def subtract_intervals(interval: Interval, holes: list[Interval]) -> list[Interval]:
    """The parts of ``interval`` outside the sorted, disjoint ``holes``."""
    pieces: list[Interval] = []
    cursor, end = interval
    for hole_start, hole_end in holes:
        if hole_end <= cursor or hole_start >= end:
            continue
        if hole_start > cursor:
            pieces.append((cursor, hole_start))
        cursor = max(cursor, hole_end)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def _total(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def _per_minute(count: int, seconds: float) -> float | None:
    """``count`` per minute of ``seconds``; None when there is no talk time to speak of (a talk time so
    small that the rate is not a finite number — e.g. a 5e-324 s utterance — counts as none)."""
    if seconds <= 0:
        return None
    rate = count * 60.0 / seconds
    return rate if math.isfinite(rate) else None


@lru_cache(maxsize=32)
def _filler_automaton(fillers: tuple[str, ...]) -> ahocorasick.Automaton | None:
    keys = {normalize(filler) for filler in fillers} - {""}
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(f" {key} ", key)
    automaton.make_automaton()
    return automaton


def count_words(normalized: str) -> int:
    """Words of a normalised text: "don't" is one word, "e-mail" and "3.5" are two, "—" is none."""
    return normalized.count(" ") + 1 if normalized else 0


def _count_words_of(texts: list[str]) -> int:
    """``sum(map(count_words, texts))`` for non-empty normalised texts, in one ``str.count`` call."""
    return " ".join(texts).count(" ") + 1 if texts else 0


def count_fillers(normalized: Iterable[str], fillers: tuple[str, ...]) -> int:
    """Occurrences of the filler words/phrases in already normalised texts, whole words.

    Every occurrence counts, overlapping ones too ("um um" is two, "you know like" is "you know" +
    "like" when both are fillers); a filler phrase never spans two texts.
    """
    automaton = _filler_automaton(fillers)
    if automaton is None:
        return 0
    # one automaton pass over all texts; the newline keeps a phrase from spanning two of them
    joined = " \n ".join(normalized)
    return len(list(automaton.iter(f" {joined} ")))


def silence_events(speech: list[Interval], holds: list[Interval], threshold: float) -> list[Interval]:
    """Gaps where nobody speaks and nobody is on hold, longer than ``threshold`` seconds.

    1. ``speech`` is the union of all agent and customer talk (sorted, disjoint).
    2. Each gap between two consecutive stretches — never before the first or after the last
       utterance — has the reported hold periods removed from it.
    3. Every remaining piece strictly longer than ``threshold`` is a silence event.
    """
    events: list[Interval] = []
    for (_, gap_start), (gap_end, _) in zip(speech, speech[1:], strict=False):
        if gap_end - gap_start <= threshold:
            continue  # removing holds can only shorten a gap
        for start, end in subtract_intervals((gap_start, gap_end), holds) if holds else [(gap_start, gap_end)]:
            if end - start > threshold:
                events.append((start, end))
    return events


def crosstalk_events(agent: list[Interval], customer: list[Interval], threshold: float) -> list[Interval]:
    """Stretches where agent and customer talk at once, at least ``threshold`` seconds long (and > 0)."""
    return [(a, b) for a, b in intersect_intervals(agent, customer) if b - a >= threshold]


def longest_monologue(
    agent: list[Interval], customer: list[Interval], max_pause: float, min_seconds: float
) -> tuple[float, str | None]:
    """Longest run of one side's talk not interrupted by the other side.

    1. Put the merged talk stretches of both sides on one timeline, ordered by start.
    2. A run continues while the next stretch is the same side and starts at most ``max_pause``
       (the silence threshold) after the run's end; any stretch of the other side — even a short
       "mm-hmm" inside it — or a longer pause ends the run.
    3. A run lasts from its first start to its last end. The longest wins (the earlier on a tie);
       if it is shorter than ``min_seconds`` or zero there is no monologue: ``(0.0, None)``.
    """
    timeline = sorted([(s, e, "agent") for s, e in agent] + [(s, e, "customer") for s, e in customer])
    best: tuple[float, str | None] = (0.0, None)
    run_side: str | None = None
    run_start = run_end = 0.0
    for start, end, side in timeline:
        if side == run_side and start - run_end <= max_pause:
            run_end = max(run_end, end)
            continue
        if run_side is not None and run_end - run_start > best[0]:
            best = (run_end - run_start, run_side)
        run_side, run_start, run_end = side, start, end
    if run_side is not None and run_end - run_start > best[0]:
        best = (run_end - run_start, run_side)
    if best[0] <= 0 or best[0] < min_seconds:
        return (0.0, None)
    return best


def compute_metrics(
    utterances: Sequence[Utterance],
    thresholds: Thresholds,
    holds: Iterable[Interval] = (),
    *,
    normalized: Sequence[str] | None = None,
) -> Metrics:
    """Metrics of one interaction (see docs/enrichment.md for the formulas).

    1. Per side (agent, customer), merge the utterance intervals: talk seconds = length of the union.
    2. ``talk_to_listen_ratio`` = agent talk ÷ customer talk (None when the customer never talks);
       ``*_talk_share`` = side talk ÷ (agent + customer talk) (None when nobody talks).
    3. Words (:func:`count_words`) and fillers (:func:`count_fillers`) per side; per minute = count ÷
       (side talk seconds ÷ 60), None when that side has no talk time.
    4. Holds as reported by the source: clipped (end ≥ start), zero-length dropped, merged.
    5. Silence events from the union of both sides' talk and the holds (:func:`silence_events`),
       crosstalk events from the intersection of the sides (:func:`crosstalk_events`), the longest
       monologue from the merged stretches (:func:`longest_monologue`).
    6. ``duration`` = the latest end of any utterance (system lines included) or hold, 0 when empty:
       utterance times are measured from the start of the interaction.

    ``normalized`` may pass ``normalize_texts([u.text for u in utterances])`` already computed.
    """
    if normalized is None:
        normalized = normalize_texts([u.text for u in utterances])
    spans: dict[str, list[Interval]] = {"agent": [], "customer": []}
    texts: dict[str, list[str]] = {"agent": [], "customer": []}  # the side's non-empty normalised texts
    duration = 0.0
    for utterance, text in zip(utterances, normalized, strict=True):
        start, end = utterance.start, utterance.end
        if end < start:
            end = start
        if end > duration:
            duration = end
        side_spans = spans.get(utterance.speaker)
        if side_spans is None:
            continue
        side_spans.append((start, end))
        if text:
            texts[utterance.speaker].append(text)
    words = {side: _count_words_of(side_texts) for side, side_texts in texts.items()}
    fillers = {side: count_fillers(side_texts, thresholds.filler_words) for side, side_texts in texts.items()}
    hold_events = merge_intervals((s, e) for s, e in holds if e > s)
    if hold_events:
        duration = max(duration, hold_events[-1][1])
    agent = merge_intervals(spans["agent"])
    customer = merge_intervals(spans["customer"])
    agent_talk, customer_talk = _total(agent), _total(customer)
    both = agent_talk + customer_talk
    monologue_seconds, monologue_side = longest_monologue(
        agent, customer, thresholds.silence_seconds, thresholds.monologue_min_seconds
    )
    return Metrics(
        duration=duration,
        agent_talk_seconds=agent_talk,
        customer_talk_seconds=customer_talk,
        agent_talk_share=agent_talk / both if both > 0 else None,
        customer_talk_share=customer_talk / both if both > 0 else None,
        talk_to_listen_ratio=agent_talk / customer_talk if customer_talk > 0 else None,
        longest_monologue_seconds=monologue_seconds,
        longest_monologue_side=monologue_side,
        agent_words=words["agent"],
        customer_words=words["customer"],
        agent_words_per_minute=_per_minute(words["agent"], agent_talk),
        customer_words_per_minute=_per_minute(words["customer"], customer_talk),
        agent_fillers=fillers["agent"],
        customer_fillers=fillers["customer"],
        agent_filler_words_per_minute=_per_minute(fillers["agent"], agent_talk),
        customer_filler_words_per_minute=_per_minute(fillers["customer"], customer_talk),
        silence_events=silence_events(merge_intervals(agent + customer), hold_events, thresholds.silence_seconds),
        crosstalk_events=crosstalk_events(agent, customer, thresholds.crosstalk_min_seconds),
        hold_events=hold_events,
    )
