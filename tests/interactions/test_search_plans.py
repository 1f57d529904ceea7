"""Transcript search picks its plan by how common the words are (docs/performance.md#lists-and-reports-at-scale); every
plan finds the same rows
in the same order, on SQLite (three plans) and PostgreSQL (one query, the planner chooses)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from cxq.interactions import search
from cxq.interactions.models import Interaction
from cxq.interactions.search import search_transcripts
from cxq.interactions.selectors import interaction_list, page_at

WORDS = ["router", "refund", "password", "router refund", "zeppelin", "ROUTER", "Rechnung", "café"]


@pytest.fixture
def bench(db):
    call_command("seed_bench", interactions=400, agents=6, teams=2, utterances=10, seed=4, stdout=io.StringIO())
    return Interaction.objects.all()


def naive(text: str) -> list[int]:
    """Newest first, every word present as a whole word (case and accents folded like the index)."""
    words = [w.lower() for w in text.split()]
    found = []
    for pk, transcript in Interaction.objects.order_by("-started_at", "-id").values_list("pk", "transcript_text"):
        tokens = set(re.findall(r"\w+", transcript.lower()))
        if all(w in tokens for w in words):
            found.append(pk)
    return found


def searched(text: str) -> list[int]:
    qs = search_transcripts(Interaction.objects.all(), text).order_by("-started_at", "-id")
    return list(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("text", WORDS)
def test_search_finds_exactly_the_rows_with_every_word_newest_first(bench, text):
    if text == "café":
        Interaction.objects.filter(pk=Interaction.objects.order_by("id").first().pk).update(
            transcript_text="Un café, s'il vous plaît"
        )
        assert len(searched("café")) == 1
        if connection.vendor == "sqlite":  # FTS5 folds accents (remove_diacritics 2); PostgreSQL's 'simple' does not
            assert searched("cafe") == searched("café")
        return
    assert searched(text) == naive(text)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the three FTS5 plans are SQLite's")
@pytest.mark.parametrize(
    ("common", "rare_docs", "expected_sql"),
    [
        (0, 10**9, "EXISTS (SELECT 1 FROM interactions_fts"),  # every word counts as common: probe per row
        (10**9, 10**9, "interactions_interaction.id IN (SELECT rowid"),  # rare: collect and sort
        (10**9, 0, "+interactions_interaction.id IN (SELECT rowid"),  # in between: ordered walk, set test
    ],
)
def test_every_fts5_plan_gives_the_same_pages(bench, monkeypatch, common, rare_docs, expected_sql):
    monkeypatch.setattr(search, "COMMON", common)
    monkeypatch.setattr(search, "RARE_DOCS", rare_docs)
    for text in ["router", "refund", "router refund", "zeppelin"]:
        qs = search_transcripts(Interaction.objects.all(), text)
        assert expected_sql in str(qs.query)
        assert list(qs.order_by("-started_at", "-id").values_list("pk", flat=True)) == naive(text)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="fts5vocab is SQLite's")
def test_the_rarest_word_count_comes_from_the_index(bench):
    router = Interaction.objects.filter(transcript_text__iregex=r"\brouter\b").count()
    assert search._rarest_word_docs('"router"') == router > 0
    assert search._rarest_word_docs('"router" "zeppelin"') == 0
    assert search._fts_terms("Café-Crème") == ["cafe", "creme"]


def test_keyset_pages_of_a_search_join_up_without_gaps_or_repeats(bench, personas):
    seen, cursor = [], ""
    while True:
        rows, cursor, _ = page_at(interaction_list(viewer=personas.admin, q="router"), cursor, 7)
        seen.extend(r.pk for r in rows)
        if not cursor:
            break
    assert seen == naive("router")
