"""The pure enrichment engine (docs/enrichment.md): metrics, phrase matching, language, enrich().

No database: every test builds plain dataclasses. Numbers in the metric tests are worked out by hand in
the comments next to them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxq.enrichment import (
    Hit,
    PhraseMatcher,
    PhraseSet,
    Thresholds,
    Utterance,
    compute_metrics,
    detect_language,
    enrich,
    normalize,
    normalize_language_code,
)
from cxq.enrichment.metrics import _count_words_of, count_words, intersect_intervals, merge_intervals
from cxq.enrichment.normalize import _span_by_tokens, normalize_texts, normalize_words, original_span

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def u(index: int, speaker: str, start: float, end: float, text: str = "") -> Utterance:
    return Utterance(index=index, speaker=speaker, start=start, end=end, text=text)


def phrase_set(set_id: str, *phrases: str, side: str = "any", kind: str = "indicator") -> PhraseSet:
    return PhraseSet(id=set_id, name=set_id, kind=kind, side=side, phrases=tuple(phrases))


def only_hit(matcher: PhraseMatcher, utterances: list[Utterance]) -> Hit:
    hits = matcher.match(utterances)
    assert len(hits) == 1, hits
    return hits[0]


# --- metrics ----------------------------------------------------------------------------------------

# agent:    [0,4] [3,6] (same side, merged to [0,6])  [8.8,10]  [22,24] [26.5,30]
# customer:              [5,9]                               [14,20]
# system:                                                           [20,21] (ignored except duration)
CALL = [
    u(0, "agent", 0.0, 4.0, "Thank you for calling"),
    u(1, "agent", 3.0, 6.0, "how can I help"),
    u(2, "customer", 5.0, 9.0, "I want a refund"),
    u(3, "agent", 8.8, 10.0, "sure"),
    u(4, "customer", 14.0, 20.0, "it arrived broken"),
    u(5, "system", 20.0, 21.0, "Customer verified"),
    u(6, "agent", 22.0, 24.0, "I am sorry"),
    u(7, "agent", 26.5, 30.0, "the refund is on its way"),
]


def test_it_merges_overlapping_utterances_of_one_side_before_counting_talk_time() -> None:
    metrics = compute_metrics(CALL, Thresholds())
    # agent: [0,6]=6 + [8.8,10]=1.2 + [22,24]=2 + [26.5,30]=3.5 = 12.7 (not 4+3+... = 13.7)
    assert metrics.agent_talk_seconds == pytest.approx(12.7)
    # customer: [5,9]=4 + [14,20]=6 = 10
    assert metrics.customer_talk_seconds == pytest.approx(10.0)
    assert metrics.talk_to_listen_ratio == pytest.approx(1.27)
    assert metrics.agent_talk_share == pytest.approx(12.7 / 22.7)
    assert metrics.customer_talk_share == pytest.approx(10.0 / 22.7)
    # latest end of any utterance, the system line included (it ends at 21 < 30)
    assert metrics.duration == pytest.approx(30.0)


def test_it_reports_crosstalk_only_when_the_overlap_reaches_the_threshold() -> None:
    metrics = compute_metrics(CALL, Thresholds(crosstalk_min_seconds=0.5))
    # overlaps: [5,6] = 1.0 s (kept) and [8.8,9] = 0.2 s (< 0.5, dropped)
    assert metrics.crosstalk_events == [(5.0, 6.0)]
    assert metrics.crosstalk_count == 1
    assert compute_metrics(CALL, Thresholds(crosstalk_min_seconds=0.1)).crosstalk_events == [
        (5.0, 6.0),
        (8.8, 9.0),
    ]


def test_it_reports_silence_only_for_gaps_where_nobody_speaks_longer_than_the_threshold() -> None:
    metrics = compute_metrics(CALL, Thresholds(silence_seconds=3.0))
    # union of speech: [0,10] [14,20] [22,24] [26.5,30]; gaps 4 (>3), 2, 2.5 -> one event
    assert metrics.silence_events == [(10.0, 14.0)]
    assert metrics.silence_seconds == pytest.approx(4.0)
    # with a 2-second threshold the 2.5 s gap counts too, the 2.0 s gap (not strictly longer) does not
    assert compute_metrics(CALL, Thresholds(silence_seconds=2.0)).silence_events == [
        (10.0, 14.0),
        (24.0, 26.5),
    ]


def test_a_gap_filled_by_the_other_side_is_not_silence() -> None:
    utterances = [u(0, "agent", 0, 2), u(1, "customer", 1, 10), u(2, "agent", 8, 12)]
    # the agent is quiet from 2 to 8 but the customer talks all along: no silence
    assert compute_metrics(utterances, Thresholds(silence_seconds=1.0)).silence_events == []


def test_the_longest_monologue_spans_short_pauses_but_stops_at_the_other_side() -> None:
    metrics = compute_metrics(CALL, Thresholds(silence_seconds=3.0))
    # runs: A[0,6]=6, C[5,9]=4, A[8.8,10]=1.2, C[14,20]=6, A[22,24]+[26.5,30] (pause 2.5 <= 3) = 8
    assert metrics.longest_monologue_seconds == pytest.approx(8.0)
    assert metrics.longest_monologue_side == "agent"
    # a 2-second silence threshold splits the last agent run: the longest are then 6 s (agent first)
    shorter = compute_metrics(CALL, Thresholds(silence_seconds=2.0))
    assert shorter.longest_monologue_seconds == pytest.approx(6.0)
    assert shorter.longest_monologue_side == "agent"


def test_a_backchannel_inside_a_long_turn_interrupts_the_monologue() -> None:
    utterances = [u(0, "agent", 0, 60), u(1, "customer", 30, 31, "mm-hmm"), u(2, "agent", 61, 90)]
    metrics = compute_metrics(utterances, Thresholds(silence_seconds=3.0))
    # runs: A[0,60]=60, C[30,31]=1, A[61,90]=29 (the customer spoke in between)
    assert metrics.longest_monologue_seconds == pytest.approx(60.0)
    assert metrics.longest_monologue_side == "agent"


def test_a_monologue_shorter_than_the_minimum_is_not_reported() -> None:
    metrics = compute_metrics(CALL, Thresholds(monologue_min_seconds=10.0))
    assert metrics.longest_monologue_seconds == 0.0
    assert metrics.longest_monologue_side is None


def test_it_computes_words_and_filler_words_per_minute_per_side() -> None:
    utterances = [
        # "um so i mean we can uh refund it": 9 words, fillers um + i mean + uh = 3, over 15 s
        u(0, "agent", 0, 15, "Um, so I mean we can, uh, refund it."),
        # "you know i dont hmm want that": 7 words ("don't" is one), fillers you know + hmm = 2, 30 s
        u(1, "customer", 15, 45, "You know, I don't... hmm, want that!"),
    ]
    metrics = compute_metrics(utterances, Thresholds())
    assert (metrics.agent_words, metrics.customer_words) == (9, 7)
    assert metrics.agent_words_per_minute == pytest.approx(9 / 0.25)  # 36
    assert metrics.customer_words_per_minute == pytest.approx(7 / 0.5)  # 14
    assert (metrics.agent_fillers, metrics.customer_fillers) == (3, 2)
    assert metrics.agent_filler_words_per_minute == pytest.approx(12.0)
    assert metrics.customer_filler_words_per_minute == pytest.approx(4.0)


def test_fillers_are_whole_words_from_the_configured_list_and_each_occurrence_counts() -> None:
    utterances = [u(0, "agent", 0, 60, "Um um, like, I'd like... umbrella? Likely!")]
    # "um" twice, "like" twice; "umbrella" and "likely" are other words
    assert compute_metrics(utterances, Thresholds()).agent_fillers == 4
    # the organisation's own list replaces the default
    assert compute_metrics(utterances, Thresholds(filler_words=("umbrella",))).agent_fillers == 1
    assert compute_metrics(utterances, Thresholds(filler_words=())).agent_fillers == 0


def test_without_customer_speech_the_ratio_and_customer_rates_are_none() -> None:
    utterances = [u(0, "agent", 0, 30, "hello is anyone there"), u(1, "system", 30, 31, "call dropped")]
    metrics = compute_metrics(utterances, Thresholds())
    assert metrics.customer_talk_seconds == 0.0
    assert metrics.talk_to_listen_ratio is None
    assert metrics.customer_words_per_minute is None
    assert metrics.customer_filler_words_per_minute is None
    assert metrics.agent_talk_share == 1.0
    assert metrics.customer_talk_share == 0.0
    assert metrics.agent_words_per_minute == pytest.approx(8.0)  # 4 words in half a minute


def test_holds_are_reported_and_are_not_silence() -> None:
    utterances = [u(0, "agent", 0, 10, "one moment please"), u(1, "agent", 70, 80, "thanks for holding")]
    metrics = compute_metrics(utterances, Thresholds(silence_seconds=3.0), holds=[(12, 68), (11, 13)])
    # holds merge to [11,68]; the 10..70 gap minus the hold leaves 10..11 (1 s) and 68..70 (2 s)
    assert metrics.hold_events == [(11, 68)]
    assert metrics.hold_seconds == pytest.approx(57.0)
    assert metrics.silence_events == []
    no_holds = compute_metrics(utterances, Thresholds(silence_seconds=3.0))
    assert no_holds.silence_events == [(10.0, 70.0)]
    assert no_holds.hold_events == []


def test_a_hold_after_the_last_utterance_extends_the_duration() -> None:
    metrics = compute_metrics([u(0, "agent", 0, 5, "hi")], Thresholds(), holds=[(5, 40), (50, 50)])
    assert metrics.duration == 40.0
    assert metrics.hold_events == [(5, 40)]  # the zero-length hold is dropped


def test_an_untimed_chat_has_no_rates_and_no_events() -> None:
    chat = [u(0, "agent", 0, 0, "Hi! How can I help?"), u(1, "customer", 0, 0, "Where is my order")]
    metrics = compute_metrics(chat, Thresholds())
    assert metrics.duration == 0.0
    assert metrics.agent_words_per_minute is None
    assert metrics.agent_talk_share is None
    assert (metrics.longest_monologue_seconds, metrics.longest_monologue_side) == (0.0, None)
    assert metrics.silence_events == metrics.crosstalk_events == []
    assert metrics.agent_words == 5


def test_metrics_as_dict_is_json_serialisable() -> None:
    data = compute_metrics(CALL, Thresholds(), holds=[(10.5, 12.0)]).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["crosstalk_events"] == [[5.0, 6.0]]
    assert data["talk_to_listen_ratio"] == 1.27
    assert data["hold_count"] == 1


def test_thresholds_reject_negative_values() -> None:
    with pytest.raises(ValueError):
        Thresholds(silence_seconds=-1)


# --- normalisation ----------------------------------------------------------------------------------


def test_normalisation_drops_case_accents_punctuation_and_apostrophes() -> None:
    assert normalize("  Thank you, for CALLING!!  ") == "thank you for calling"
    assert normalize("Café crème — s'il vous plaît") == "cafe creme sil vous plait"
    assert normalize("I’m sorry; e-mail_me") == "im sorry e mail me"
    assert normalize("Straße") == "strasse"
    texts = ["Hi!", "", "Ça va?", "a\x1eb"]
    assert normalize_texts(texts) == [normalize(t) for t in texts]


def test_original_span_returns_the_matched_words_as_written() -> None:
    assert original_span("Hi!! How can I help you?", 1, 4) == "How can I help"
    assert original_span("I'd like a refund', please", 3, 1) == "refund"
    assert original_span("rock ' n roll, refund!", 2, 2) == "roll, refund"
    assert original_span("Un café, s'il vous plaît", 2, 2) == "s'il vous"


# --- matching -----------------------------------------------------------------------------------------


def test_matching_ignores_case_punctuation_and_accents() -> None:
    matcher = PhraseMatcher([phrase_set("thanks", "merci beaucoup"), phrase_set("cafe", "café au lait")])
    hits = matcher.match([u(0, "customer", 0, 4, "MERCI, beaucoup!!"), u(1, "agent", 4, 8, "A CAFE au lait?")])
    assert [(h.phrase_set_id, h.utterance_index, h.matched_text, h.score) for h in hits] == [
        ("thanks", 0, "MERCI, beaucoup", 1.0),
        ("cafe", 1, "CAFE au lait", 1.0),
    ]


def test_a_multi_word_phrase_matches_across_punctuation() -> None:
    matcher = PhraseMatcher([phrase_set("greeting", "thank you for calling", side="agent")])
    hit = only_hit(matcher, [u(0, "agent", 0, 3, "Thank you, for calling ACME!")])
    assert hit.matched_text == "Thank you, for calling"
    assert hit.phrase == "thank you for calling"


def test_apostrophes_do_not_matter() -> None:
    matcher = PhraseMatcher([phrase_set("empathy", "I'm sorry")])
    for text in ("Im sorry", "I’m SORRY.", "i'm sorry"):
        assert only_hit(matcher, [u(0, "agent", 0, 1, text)]).score == 1.0


def test_sets_only_search_their_speaker_side_and_never_system_lines() -> None:
    matcher = PhraseMatcher(
        [
            phrase_set("agent_only", "refund", side="agent"),
            phrase_set("customer_only", "refund", side="customer"),
            phrase_set("both", "refund", side="any"),
        ]
    )
    hits = matcher.match(
        [u(0, "agent", 0, 1, "refund"), u(1, "customer", 1, 2, "refund"), u(2, "system", 2, 3, "refund")]
    )
    assert [(h.phrase_set_id, h.utterance_index) for h in hits] == [
        ("agent_only", 0),
        ("both", 0),
        ("customer_only", 1),
        ("both", 1),
    ]


def test_only_whole_words_match() -> None:
    matcher = PhraseMatcher([phrase_set("refund", "refund")])
    for text in ("refunds please", "it was refunded", "prerefund", "refunding"):
        assert matcher.match([u(0, "customer", 0, 1, text)]) == [], text
    assert only_hit(matcher, [u(0, "customer", 0, 1, "A refund.")]).matched_text == "refund"


def test_a_small_misspelling_of_a_long_word_still_matches_with_a_lower_score() -> None:
    matcher = PhraseMatcher([phrase_set("refund", "refund"), phrase_set("cancel", "cancellation")])
    hit = only_hit(matcher, [u(0, "customer", 0, 1, "I want a refnd")])
    assert (hit.phrase_set_id, hit.matched_text) == ("refund", "refnd")
    assert hit.score == pytest.approx(1 - 1 / 6)  # one edit over six letters
    hit = only_hit(matcher, [u(0, "customer", 0, 1, "the cancelation fee")])
    assert (hit.phrase_set_id, hit.matched_text) == ("cancel", "cancelation")
    assert hit.score == pytest.approx(1 - 1 / 12)


def test_the_spelling_difference_works_both_ways_and_swapped_letters_are_one_edit() -> None:
    matcher = PhraseMatcher([phrase_set("cancel", "cancelation"), phrase_set("address", "address")])
    assert only_hit(matcher, [u(0, "customer", 0, 1, "cancellation")]).score == pytest.approx(1 - 1 / 11)
    assert only_hit(matcher, [u(0, "customer", 0, 1, "my adrdess")]).score == pytest.approx(1 - 1 / 7)


def test_long_words_tolerate_two_edits_and_shorter_ones_only_one() -> None:
    matcher = PhraseMatcher([phrase_set("s", "subscription"), phrase_set("r", "refund")])
    assert only_hit(matcher, [u(0, "customer", 0, 1, "my subscriptoin")]).phrase_set_id == "s"  # 1 swap
    assert only_hit(matcher, [u(0, "customer", 0, 1, "my subscrption")]).phrase_set_id == "s"  # 1 edit
    assert only_hit(matcher, [u(0, "customer", 0, 1, "my subscrpton")]).phrase_set_id == "s"  # 2 edits
    assert matcher.match([u(0, "customer", 0, 1, "my sbscrpton")]) == []  # 3 edits
    assert matcher.match([u(0, "customer", 0, 1, "a rfnd")]) == []  # 2 edits on a 6-letter word


def test_short_words_and_first_letter_changes_must_match_exactly() -> None:
    matcher = PhraseMatcher([phrase_set("help", "help"), phrase_set("latte", "latte"), phrase_set("r", "refund")])
    assert matcher.match([u(0, "customer", 0, 1, "I need hepl or halp")]) == []  # 4 letters: exact only
    assert matcher.match([u(0, "customer", 0, 1, "sorry I am late")]) == []  # "late" has 4 letters
    assert matcher.match([u(0, "customer", 0, 1, "a fefund")]) == []  # first letter differs


def test_digits_are_never_fuzzy() -> None:
    matcher = PhraseMatcher([phrase_set("plan", "plan 12345")])
    assert matcher.match([u(0, "agent", 0, 1, "plan 12346")]) == []
    assert only_hit(matcher, [u(0, "agent", 0, 1, "Plan 12345.")]).score == 1.0


def test_fuzzy_matching_can_be_switched_off() -> None:
    matcher = PhraseMatcher([phrase_set("refund", "refund")], fuzzy_min_length=None)
    assert matcher.match([u(0, "customer", 0, 1, "I want a refnd")]) == []


def test_one_hit_per_set_and_utterance_the_best_then_the_earliest() -> None:
    matcher = PhraseMatcher([phrase_set("billing", "refund", "invoice", "charged twice")])
    hit = only_hit(matcher, [u(0, "customer", 0, 1, "a refnd for the invoice I was charged twice for")])
    assert hit.phrase == "invoice"  # exact beats the earlier misspelt "refnd"
    hit = only_hit(matcher, [u(0, "customer", 0, 1, "charged twice so I want a refund")])
    assert hit.phrase == "charged twice"  # both exact: the earlier one


def test_hits_are_sorted_by_utterance_index_and_timed_by_word_position() -> None:
    matcher = PhraseMatcher([phrase_set("refund", "refund"), phrase_set("sorry", "sorry")])
    hits = matcher.match(
        [
            u(7, "agent", 20.0, 30.0, "I am so very sorry, you will get the refund today"),
            u(3, "customer", 0.0, 5.0, "refund"),
        ]
    )
    assert [(h.utterance_index, h.phrase_set_id) for h in hits] == [
        (3, "refund"),
        (7, "sorry"),
        (7, "refund"),
    ]
    # "sorry" is word 4 of 11 in a 10-second utterance that starts at 20 s
    assert hits[1].start == pytest.approx(20.0 + 10.0 * 4 / 11)
    assert hits[2].start == pytest.approx(20.0 + 10.0 * 9 / 11)
    assert hits[0].start == 0.0


def test_a_phrase_shared_by_two_sets_hits_both() -> None:
    matcher = PhraseMatcher([phrase_set("a", "money back"), phrase_set("b", "Money back!", kind="topic")])
    assert {h.phrase_set_id for h in matcher.match([u(0, "customer", 0, 1, "I want my money back")])} == {
        "a",
        "b",
    }


def test_a_reused_matcher_gives_the_same_answers() -> None:
    matcher = PhraseMatcher([phrase_set("refund", "refund"), phrase_set("greeting", "good afternoon")])
    utterances = [u(0, "agent", 0, 1, "Good afternon"), u(1, "customer", 1, 2, "refnd refunds")]
    first = matcher.match(utterances)
    assert [h.matched_text for h in first] == ["Good afternon", "refnd"]
    assert matcher.match(utterances) == first
    assert PhraseMatcher(matcher.phrase_sets).match(utterances) == first


def test_phrase_sets_validate_kind_and_side() -> None:
    with pytest.raises(ValueError):
        PhraseSet(id="x", name="x", kind="keyword", side="any", phrases=("a",))
    with pytest.raises(ValueError):
        PhraseSet(id="x", name="x", kind="topic", side="bot", phrases=("a",))
    with pytest.raises(TypeError):
        PhraseSet(id="x", name="x", kind="topic", side="any", phrases="refund")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Utterance(index=0, speaker="robot", start=0, end=1, text="")


def test_empty_phrases_and_empty_transcripts_are_harmless() -> None:
    matcher = PhraseMatcher([phrase_set("blank", "", "!!!"), phrase_set("agent", "hello", side="agent")])
    assert matcher.match([]) == []
    assert matcher.match([u(0, "customer", 0, 1, "hello"), u(1, "agent", 1, 2, "...")]) == []
    assert PhraseMatcher([]).match([u(0, "agent", 0, 1, "hello")]) == []


# --- language -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Hello, I ordered a jacket last week and it still has not arrived. Can you help me?"),
        ("es", "Hola, pedí una chaqueta la semana pasada y todavía no ha llegado. ¿Me puede ayudar?"),
        ("nl", "Hallo, ik heb vorige week een jas besteld en die is nog steeds niet aangekomen."),
        ("de", "Hallo, ich habe letzte Woche eine Jacke bestellt und sie ist immer noch nicht angekommen."),
        ("fr", "Bonjour, j'ai commandé une veste la semaine dernière et elle n'est toujours pas arrivée."),
    ],
)
def test_it_detects_the_language_of_the_conversation(language: str, text: str) -> None:
    assert detect_language([text]) == language


def test_the_metadata_hint_wins_when_it_is_a_language_code() -> None:
    english = ["Hello, I ordered a jacket last week and it still has not arrived."]
    assert detect_language(english, hint="es-MX") == "es"
    assert detect_language(english, hint="pt_BR") == "pt"
    assert detect_language(english, hint="NL") == "nl"
    assert detect_language(english, hint="iw") == "he"  # withdrawn code of Hebrew
    for not_a_code in ("xx", "english", "eng", "", None):
        assert detect_language(english, hint=not_a_code) == "en"


def test_too_little_text_gives_no_language() -> None:
    assert detect_language(["Hi!", "ok thanks"]) is None  # 11 letters
    assert detect_language(["123 456 789 000 111 222 333"]) is None  # no letters at all
    assert detect_language([]) is None


def test_normalize_language_code() -> None:
    assert normalize_language_code(" en-US ") == "en"
    assert normalize_language_code("zh-Hant-TW") == "zh"
    assert normalize_language_code("klingon") is None


# --- enrich -------------------------------------------------------------------------------------------


def test_enrich_combines_hits_topics_indicators_language_and_metrics() -> None:
    matcher = PhraseMatcher(
        [
            PhraseSet(id="1", name="Greeting", kind="indicator", side="agent", phrases=("thank you for calling",)),
            PhraseSet(id="2", name="Refunds", kind="topic", side="customer", phrases=("refund",)),
            PhraseSet(id="3", name="Shipping", kind="topic", side="any", phrases=("tracking number",)),
            PhraseSet(id="4", name="Empathy", kind="indicator", side="agent", phrases=("I am sorry",)),
        ]
    )
    result = enrich(CALL, matcher, Thresholds(), language_hint=None, holds=[(10.5, 12.0)])
    assert [(h.phrase_set_id, h.utterance_index) for h in result.hits] == [("1", 0), ("2", 2), ("4", 6)]
    assert result.topics == ["Refunds"]
    assert result.indicators == ["Greeting", "Empathy"]
    assert result.language == "en"
    assert result.metrics.hold_events == [(10.5, 12.0)]
    assert result.metrics.silence_events == []  # 10..14 minus the hold: 0.5 s and 2 s
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()
    assert enrich(CALL, matcher, Thresholds(), language_hint="de-AT").language == "de"


# --- real conversations (../shared/data) ---------------------------------------------------------------


def load_conversations(name: str) -> dict[str, list[Utterance]]:
    """Real chats with derived timing: each turn lasts 0.4 s per word and follows the previous one
    after 1 s (the files carry no timestamps). ABCD's "action" lines become system utterances."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real conversation data not found at {path} (shared/data is not laid out next to the repo)")
    conversations = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        clock, utterances = 0.0, []
        for turn in record["turns"]:
            speaker = turn["speaker"] if turn["speaker"] in ("agent", "customer") else "system"
            length = 0.4 * max(1, len(turn["text"].split()))
            utterances.append(u(turn["turn_index"], speaker, clock, clock + length, turn["text"]))
            clock += length + 1.0
        conversations[record["id"]] = utterances
    return conversations


def test_real_abcd_chats_hit_the_greeting_and_the_returns_topic() -> None:
    chats = load_conversations("abcd_sample_3.jsonl")
    matcher = PhraseMatcher(
        [
            PhraseSet(
                id="greeting",
                name="Greeting",
                kind="indicator",
                side="agent",
                phrases=("how can I help", "how may I help", "thank you for calling"),
            ),
            PhraseSet(
                id="returns",
                name="Returns",
                kind="topic",
                side="customer",
                phrases=("return an item", "send it back", "wrong size"),
            ),
            PhraseSet(id="refund", name="Refund", kind="topic", side="customer", phrases=("refund",)),
        ]
    )
    hits = matcher.match(chats["abcd-3592"])
    assert [(h.phrase_set_id, h.utterance_index, h.matched_text) for h in hits] == [
        ("greeting", 2, "How can I help"),  # agent: "How can I help you?"
        ("returns", 3, "return an item"),  # customer: "Hi! I need to return an item, can you help me…"
        ("returns", 8, "wrong size"),  # customer: "I got the wrong size."
    ]
    # "just wanted to check on the status of a refund" hits; "how much long till it is refunded" does not
    refund_hits = [h for h in matcher.match(chats["abcd-9489"]) if h.phrase_set_id == "refund"]
    assert [(h.utterance_index, h.matched_text) for h in refund_hits] == [(2, "refund")]
    greeting = [h for h in matcher.match(chats["abcd-3695"]) if h.phrase_set_id == "greeting"]
    assert [(h.utterance_index, h.matched_text) for h in greeting] == [(2, "how can I help")]


def test_real_taskmaster_dialogs_tolerate_their_own_typos() -> None:
    dialogs = load_conversations("taskmaster4_sample_200.jsonl")
    assert len(dialogs) == 200
    matcher = PhraseMatcher(
        [
            PhraseSet(
                id="drinks",
                name="Drinks",
                kind="topic",
                side="customer",
                phrases=("cappuccino", "hazelnut", "americano"),
            ),
            PhraseSet(
                id="pickup",
                name="Pickup",
                kind="indicator",
                side="agent",
                phrases=("ready soon", "ready shortly", "at the coffee bar"),
            ),
        ]
    )
    hits = matcher.match(dialogs["dlg-7bb2af50-ccb8-4c1b-b995-acd8a9d6ab46"])
    assert [(h.phrase_set_id, h.utterance_index, h.matched_text, round(h.score, 3)) for h in hits] == [
        ("drinks", 0, "cappuccion", 0.9),  # "I would like to order a cappuccion, pleaese." (1 swap)
        ("drinks", 4, "hazelnut", 1.0),  # "Can you add hazelnut to the cappuccion please." (exact wins)
        ("pickup", 7, "ready soon", 1.0),
    ]
    hits = matcher.match(dialogs["dlg-4e7c72b0-8c88-49c6-864d-041aa35ce354"])
    assert ("drinks", "Hazlenut") in {(h.phrase_set_id, h.matched_text) for h in hits}
    # across all 200 dialogs: every one is English, and the pickup indicator is never found in a
    # customer turn
    every_hit = [(d, h) for d, turns in dialogs.items() for h in matcher.match(turns)]
    speakers = {(d, t.index): t.speaker for d, turns in dialogs.items() for t in turns}
    assert all(speakers[(d, h.utterance_index)] == "agent" for d, h in every_hit if h.phrase_set_id == "pickup")
    assert sum(h.phrase_set_id == "drinks" for _, h in every_hit) > 50
    languages = {enrich(turns, matcher, Thresholds()).language for turns in dialogs.values()}
    assert languages == {"en"}


# --- properties ---------------------------------------------------------------------------------------

times = st.floats(min_value=0, max_value=600, allow_nan=False, allow_infinity=False)
spoken = st.builds(
    lambda speaker, start, length: (speaker, start, start + length),
    st.sampled_from(["agent", "customer", "system"]),
    times,
    st.floats(min_value=0, max_value=60, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(spoken, max_size=30), st.lists(st.tuples(times, times), max_size=3))
def test_metric_invariants_hold_for_any_timing(raw: list[tuple[str, float, float]], holds) -> None:
    utterances = [u(i, speaker, start, end, "word " * 3) for i, (speaker, start, end) in enumerate(raw)]
    metrics = compute_metrics(utterances, Thresholds(silence_seconds=2.0, crosstalk_min_seconds=0.5), holds)
    assert 0 <= metrics.agent_talk_seconds <= metrics.duration + 1e-9
    assert 0 <= metrics.customer_talk_seconds <= metrics.duration + 1e-9
    overlap = metrics.crosstalk_seconds
    assert overlap <= min(metrics.agent_talk_seconds, metrics.customer_talk_seconds) + 1e-9
    assert all(end - start >= 0.5 for start, end in metrics.crosstalk_events)
    assert all(end - start > 2.0 for start, end in metrics.silence_events)
    # nobody speaks during a silence event
    for start, end in metrics.silence_events:
        for utterance in utterances:
            if utterance.speaker != "system":
                assert utterance.end <= start + 1e-9 or utterance.start >= end - 1e-9
    # talk (overlap counted once) and silence never add up to more than the whole call
    every_overlap = compute_metrics(utterances, Thresholds(silence_seconds=2.0, crosstalk_min_seconds=0), holds)
    union = metrics.agent_talk_seconds + metrics.customer_talk_seconds - every_overlap.crosstalk_seconds
    assert union + metrics.silence_seconds <= metrics.duration + 1e-6
    assert metrics.longest_monologue_seconds <= metrics.duration + 1e-9


words = st.sampled_from(
    ["the", "order", "is", "late", "please", "help", "me", "with", "my", "account", "today", "thanks"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(words, max_size=12), st.lists(words, max_size=12), st.sampled_from([",", "!", " -", "...", ""]))
def test_an_exact_phrase_is_always_found_whatever_surrounds_it(before, after, punctuation) -> None:
    matcher = PhraseMatcher([phrase_set("x", "cancel my subscription"), phrase_set("y", "refund")])
    text = " ".join([*before, f"Cancel{punctuation} my SUBSCRIPTION{punctuation}", *after])
    hits = matcher.match([u(0, "customer", 0, 10, text)])
    assert [(h.phrase_set_id, h.score) for h in hits] == [("x", 1.0)]
    assert normalize(hits[0].matched_text) == "cancel my subscription"


def test_a_full_word_cache_is_replaced_without_changing_results(monkeypatch) -> None:
    from cxq.enrichment import matching

    utterances = [u(0, "customer", 0, 1, "I want a refnd for my cancelation, please")]
    matcher = PhraseMatcher([phrase_set("r", "refund"), phrase_set("c", "cancellation")])
    expected = matcher.match(utterances)
    monkeypatch.setattr(matching, "_MAX_CACHED_WORDS", 3)
    for _ in range(3):
        assert matcher.match(utterances) == expected
    assert len(expected) == 2


def test_a_vanishingly_short_utterance_has_no_word_rate_rather_than_an_error() -> None:
    """Found by hypothesis: a 5e-324 s utterance made seconds / 60 underflow to 0.0."""
    from cxq.enrichment import Utterance as U

    metrics = compute_metrics(
        [U(index=0, speaker="agent", start=0.0, end=5e-324, text="hello there you")],
        Thresholds(silence_seconds=2.0, crosstalk_min_seconds=0.5),
        [],
    )
    assert metrics.agent_words_per_minute is None and metrics.agent_filler_words_per_minute in (None, 0.0)


# --- fast paths agree with their plain definitions ------------------------------------------------------


def test_utterances_and_hits_are_immutable_values() -> None:
    utterance = Utterance(index=3, speaker="agent", start=1.0, end=2.0, text="hi")
    assert utterance == Utterance(3, "agent", 1.0, 2.0, "hi", "")  # positional construction works too
    assert (utterance.index, utterance.speaker_name) == (3, "")
    assert hash(utterance) == hash(Utterance(3, "agent", 1.0, 2.0, "hi"))
    with pytest.raises(AttributeError):
        utterance.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError, match="'robot'"):
        Utterance(0, "robot", 0.0, 1.0, "")
    hit = only_hit(PhraseMatcher([phrase_set("r", "refund")]), [u(0, "customer", 0, 3, "a refund please")])
    assert hit == Hit("r", 0, 1.0, "refund", "refund", 1.0, position=1, length=1)
    with pytest.raises(AttributeError):
        hit.score = 0.5  # type: ignore[misc]


def test_a_misspelling_is_only_matched_on_the_side_of_its_set() -> None:
    """The near-word look-up is shared by both sides; the phrases checked are still the side's own."""
    matcher = PhraseMatcher([phrase_set("a", "refund", side="agent"), phrase_set("c", "cancellation", side="customer")])
    hits = matcher.match([u(0, "customer", 0, 1, "refnd cancelation"), u(1, "agent", 1, 2, "refnd cancelation")])
    assert [(h.phrase_set_id, h.utterance_index, h.matched_text) for h in hits] == [
        ("c", 0, "cancelation"),
        ("a", 1, "refnd"),
    ]


def _apostrophes_only_run(text: str) -> bool:
    return any(set(run) <= {"'", "`"} for run in re.findall(r"[A-Za-z0-9'`]+", text))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab Z9'`,.-!\t", max_size=30), st.data())
def test_the_ascii_span_shortcut_agrees_with_the_word_runs(text: str, data: st.DataObject) -> None:
    words = normalize(text).split()
    assume(words)
    first = data.draw(st.integers(0, len(words) - 1))
    n_words = data.draw(st.integers(1, len(words) - first))
    if _apostrophes_only_run(text):  # the shortcut does not apply: the token walk answers
        assert original_span(text, first, n_words) == _span_by_tokens(text, first, n_words)
    else:  # the normalised words are the runs of letters, digits and apostrophes
        runs = list(re.finditer(r"[A-Za-z0-9'`]+", text))
        expected = text[runs[first].start() : runs[first + n_words - 1].end()].strip("'`")
        assert original_span(text, first, n_words) == expected


def _merge_by_definition(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


interval_lists = st.lists(
    st.tuples(times, st.floats(min_value=0, max_value=30, allow_nan=False)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists)
def test_interval_merge_and_intersection_agree_with_their_definitions(first, second) -> None:
    merged_first, merged_second = merge_intervals(first), merge_intervals(second)
    assert merged_first == _merge_by_definition(first)
    every_overlap = sorted(
        (max(a_start, b_start), min(a_end, b_end))
        for a_start, a_end in merged_first
        for b_start, b_end in merged_second
        if min(a_end, b_end) > max(a_start, b_start)
    )
    assert intersect_intervals(merged_first, merged_second) == every_overlap


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=8))
def test_words_per_side_are_the_sum_of_the_words_per_text(texts: list[str]) -> None:
    normalized = [text for text in normalize_texts(texts) if text]
    assert _count_words_of(normalized) == sum(count_words(text) for text in normalized)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=6))
def test_batch_normalisation_equals_normalising_each_text(texts: list[str]) -> None:
    assert normalize_words(texts) == [normalize(text).split() for text in texts]
    assert normalize_texts(texts) == [normalize(text) for text in texts]


# Mostly ASCII with the characters that take the batch's other paths: accents and ß (folded to ASCII),
# a compatibility capital (ℍ → H), symbols, apostrophes, another script (per-text path), the separator.
_MIXED = st.text(alphabet=st.sampled_from("aZ9 ,'’`-éüßİℍ€¿\u0301\u2028Жж\x1e\t"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(st.lists(_MIXED, max_size=6))
def test_batch_normalisation_of_mostly_ascii_text_equals_normalising_each_text(texts: list[str]) -> None:
    assert normalize_words(texts) == [normalize(text).split() for text in texts]


def test_a_batch_with_a_few_accents_is_normalised_in_one_pass() -> None:
    texts = ["¿Dónde está?", "Straße — 5 €", "I’m ﬁne, ℍotel", "plain"]
    assert normalize_words(texts) == [["donde", "esta"], ["strasse", "5"], ["im", "fine", "Hotel"], ["plain"]]


def test_the_matcher_gives_the_same_hits_whatever_it_is_handed() -> None:
    matcher = PhraseMatcher([phrase_set("r", "refund"), phrase_set("g", "thank you for calling", side="agent")])
    utterances = [u(0, "agent", 0, 2, "Thank you, for calling!"), u(1, "customer", 2, 4, "A refnd; please.")]
    texts = [utterance.text for utterance in utterances]
    expected = matcher.match(utterances)
    assert [h.phrase_set_id for h in expected] == ["g", "r"]
    assert matcher.match(utterances, normalized=normalize_texts(texts)) == expected
    assert matcher.match(utterances, words=normalize_words(texts)) == expected


def test_a_hit_without_its_text_says_where_to_cut_it_out_later() -> None:
    """Bulk ingest skips cutting matched words out (``matched_text=False``); ``original_span`` with the
    hit's position and length, on the utterance's text, gives exactly the text the matcher would have."""
    dialogs = load_conversations("taskmaster4_sample_200.jsonl")
    matcher = PhraseMatcher(
        [
            PhraseSet(id="drinks", name="Drinks", kind="topic", side="customer", phrases=("cappuccino", "hazelnut")),
            PhraseSet(id="size", name="Size", kind="topic", side="any", phrases=("large", "medium size", "small one")),
            PhraseSet(id="thanks", name="Thanks", kind="indicator", side="any", phrases=("thank you", "thanks a lot")),
        ]
    )
    checked = 0
    for utterances in dialogs.values():
        full = matcher.match(utterances)
        bare = matcher.match(utterances, matched_text=False)
        assert [h._replace(matched_text="") for h in full] == bare
        texts = {u.index: u.text for u in utterances}
        for hit in bare:
            assert original_span(texts[hit.utterance_index], hit.position, hit.length) == next(
                h.matched_text
                for h in full
                if (h.phrase_set_id, h.utterance_index) == (hit.phrase_set_id, hit.utterance_index)
            )
            checked += 1
    assert checked > 50
    one = next(iter(dialogs.values()))
    assert enrich(one, matcher, Thresholds(), matched_text=False).hits == matcher.match(one, matched_text=False)
