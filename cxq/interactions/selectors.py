"""Reads of interactions, scoped by who is asking (docs/accounts.md#scope): everyone with scope.all_teams sees all;
leads see their teams' interactions; agents see only their own."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.accounts.models import Team, User
from cxq.accounts.permissions import has_perm, require
from cxq.accounts.selectors import led_team_ids
from cxq.enrichment import original_span
from cxq.interactions.models import Interaction, PhraseSet
from cxq.lib.db import dumps_json


def interaction_scope(*, viewer) -> QuerySet[Interaction]:
    require(viewer, "interactions.view")
    qs = Interaction.objects.all()
    if has_perm(viewer, "scope.all_teams"):
        return qs
    led = led_team_ids(viewer)
    if led:
        return qs.filter(Q(team_id__in=led) | Q(agent=viewer))
    return qs.filter(agent=viewer)


def interaction_get_for(*, viewer, uuid) -> Interaction:
    return get_object_or_404(interaction_scope(viewer=viewer).select_related("agent", "team"), uuid=uuid)


class HitView(NamedTuple):
    """An enrichment hit as pages and the API show it."""

    phrase_set: PhraseSet
    utterance_index: int
    start: float
    phrase: str
    matched_text: str
    score: float


def interaction_hits(interaction: Interaction) -> list[HitView]:
    """The interaction's hits in transcript order, with their phrase sets and the words they matched
    (cut out of the stored transcript here: ingest keeps only their position). Hits of a phrase set
    deleted since are left out."""
    rows = interaction.hits or []
    if not rows:
        return []
    sets = PhraseSet.objects.in_bulk({row[0] for row in rows})
    texts = [u.text for u in interaction.utterances]
    hits = []
    for set_id, index, start, phrase, position, length, score in rows:
        phrase_set = sets.get(set_id)
        if phrase_set is None:
            continue
        text = texts[index] if index < len(texts) else ""
        matched = original_span(text, position, length) if text else ""
        hits.append(HitView(phrase_set, index, start, phrase, matched, score))
    return hits


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
    sample_sql, params = ordered.query.sql_with_params()
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
    import re
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))
    return re.findall(r"\w+", folded)


def _postgres_plan(qs: QuerySet[Interaction], text: str) -> QuerySet[Interaction]:
    return qs.extra(
        where=["transcript_search @@ plainto_tsquery('simple', %s)"],
        params=[text],
    )


@dataclass
class Filters:
    q: str = ""
    channel: str = ""
    direction: str = ""
    agent: str = ""  # uuid
    team: str = ""  # uuid
    queue: str = ""
    disposition: str = ""
    language: str = ""
    topic: str = ""
    indicator: str = ""  # phrase set uuid: mentioned
    without_indicator: str = ""  # phrase set uuid: not mentioned
    date_from: datetime | None = None
    date_to: datetime | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    csat: int | None = None
    resolved: bool | None = None
    source: str = ""


def _topic_text(topic: str) -> Q:
    """SQLite has no JSON containment: look for the topic as a JSON string in the stored array's
    text. Rows are written with raw UTF-8 (orjson) or, by older versions and the bench generator,
    with ``\\u`` escapes (``json.dumps``): a non-ASCII topic is looked for in both spellings."""
    spellings = {dumps_json(topic), json.dumps(topic)}
    condition = Q()
    for spelling in spellings:
        condition |= Q(topics__icontains=spelling)
    return condition


def interaction_list(*, viewer, filters: Filters) -> QuerySet[Interaction]:
    # a list never shows the transcript: leave its two biggest columns in the database
    qs = interaction_scope(viewer=viewer).select_related("agent", "team").defer("transcript", "transcript_text")
    f = filters
    exact = {
        "channel": f.channel,
        "direction": f.direction,
        "queue": f.queue,
        "disposition": f.disposition,
        "language": f.language,
        "source": f.source,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    # Agent and team by id, looked up first: a join on their uuid hides the value from PostgreSQL's
    # planner, which then guesses a handful of rows and sorts every match instead of walking the
    # (team, started_at) index newest-first (docs/performance.md#lists-and-reports-at-scale: 120 → a few ms for a team's
    # SMS at 1M).
    if f.agent:
        qs = qs.filter(agent_id=User.objects.filter(uuid=f.agent).values_list("pk", flat=True).first() or 0)
    if f.team:
        qs = qs.filter(team_id=Team.objects.filter(uuid=f.team).values_list("pk", flat=True).first() or 0)
    if f.topic:
        qs = (
            qs.filter(topics__contains=[f.topic])
            if connection.vendor == "postgresql"
            else qs.filter(_topic_text(f.topic))
        )
    if f.indicator:  # one mention row per (interaction, set): no duplicates to remove
        qs = qs.filter(mentions__phrase_set__uuid=f.indicator)
    if f.without_indicator:
        qs = qs.exclude(mentions__phrase_set__uuid=f.without_indicator)
    if f.date_from:
        qs = qs.filter(started_at__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(started_at__lt=f.date_to)
    if f.min_duration is not None:
        qs = qs.filter(duration_seconds__gte=f.min_duration)
    if f.max_duration is not None:
        qs = qs.filter(duration_seconds__lte=f.max_duration)
    if f.csat is not None:
        qs = qs.filter(csat=f.csat)
    if f.resolved is not None:
        qs = qs.filter(resolved=f.resolved)
    if f.q:
        qs = search_transcripts(qs, f.q)
    return qs.order_by("-started_at", "-id")


# --- Keyset pagination ------------------------------------------------------------------------------


def encode_cursor(item: Interaction) -> str:
    raw = json.dumps([item.started_at.isoformat(), item.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        started, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(started), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def page_after(qs: QuerySet[Interaction], cursor: str, size: int) -> tuple[list[Interaction], str | None]:
    """One page of a list ordered by (-started_at, -id), after the cursor; and the next cursor."""
    position = decode_cursor(cursor) if cursor else None
    if position:
        started, pk = position
        # "at or before the cursor, minus the rows already shown at that instant": a plain range on the
        # (started_at, id) index; the equivalent OR form makes SQLite read and sort every older row.
        qs = qs.filter(started_at__lte=started).exclude(started_at=started, id__gte=pk)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)
