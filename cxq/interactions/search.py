"""Full-text search on transcripts: SQLite FTS5 or PostgreSQL full text, behind one call
(docs/performance.md#lists-and-reports-at-scale)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from cxq.interactions.models import Interaction


def search_transcripts(qs: QuerySet[Interaction], text: str) -> QuerySet[Interaction]:
    """Full-text search on transcripts: SQLite FTS5 or PostgreSQL full text, behind one call.

    Every word must appear. The list shows the newest matches first, so the fast plan depends on how
    common the words are (docs/performance.md#lists-and-reports-at-scale): see :func:`_fts5_plan` and
    :func:`_postgres_plan`.
    """
    text = " ".join(text.split())
    if not text:
        return qs
    if connection.vendor == "postgresql":
        return _postgres_plan(qs, text)
    # FTS5: quote every word so user input is never read as query syntax; all words must appear.
    return _fts5_plan(qs, " ".join('"' + w.replace('"', '""') + '"' for w in text.split()))


SAMPLE = 300  # newest rows of the filtered list tried against the index to estimate how common the words are
COMMON = 15  # matches among them that make the words "common" (5 %)
RARE_DOCS = 20_000  # fewer interactions than this with the rarest word: collect and sort the matches


def _fts5_plan(qs: QuerySet[Interaction], query: str) -> QuerySet[Interaction]:
    """Three ways to get the newest matches, chosen per search:

    * common words (≥ 5 % of the newest filtered rows match): walk the list in order and probe the index
      per row — the page fills after a few hundred probes;
    * rare words (the rarest word is in < 20,000 interactions): collect the matching ids from the index,
      look them up and sort them;
    * in between: walk the list in order, testing membership in the set of matching ids built once.
    """
    ordered = qs.order_by("-started_at", "-id").values("id")[:SAMPLE]
    try:
        sample_sql, params = ordered.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (csat=-1, a duration beyond the column's range)
        return qs.none()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (" + sample_sql + ") sample WHERE EXISTS (SELECT 1 FROM interactions_fts "  # noqa: S608 (Django's own SQL)
            "WHERE interactions_fts MATCH %s AND interactions_fts.rowid = sample.id)",
            [*params, query],
        )
        common = cursor.fetchone()[0] >= COMMON
    if common:
        return qs.extra(
            where=[
                "EXISTS (SELECT 1 FROM interactions_fts WHERE interactions_fts MATCH %s "
                "AND interactions_fts.rowid = interactions_interaction.id)"
            ],
            params=[query],
        )
    if _rarest_word_docs(query) < RARE_DOCS:
        return qs.extra(
            where=[
                "interactions_interaction.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH %s)"
            ],
            params=[query],
        )
    # the unary plus keeps SQLite from looking every match up by id (and sorting them all)
    return qs.extra(
        where=["+interactions_interaction.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH %s)"],
        params=[query],
    )


def _rarest_word_docs(query: str) -> int:
    """How many interactions contain the rarest word of ``query`` (fts5vocab; costs ∝ that number)."""
    words = [w.strip('"').replace('""', '"') for w in query.split('" "')]
    terms = {t for w in words for t in _fts_terms(w)}
    if not terms:
        return 0
    with connection.cursor() as cursor:
        counts = []
        for term in terms:
            cursor.execute("SELECT doc FROM interactions_fts_vocab WHERE term = %s", [term])
            row = cursor.fetchone()
            counts.append(row[0] if row else 0)
    return min(counts)


def _fts_terms(word: str) -> list[str]:
    """The index terms of a word as FTS5's unicode61 tokenizer (remove_diacritics 2) makes them."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    return re.findall(r"\w+", folded)


def _postgres_plan(qs: QuerySet[Interaction], text: str) -> QuerySet[Interaction]:
    return qs.extra(
        where=["transcript_search @@ plainto_tsquery('simple', %s)"],
        params=[text],
    )
