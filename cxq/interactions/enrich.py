"""Enrichment of stored interactions (docs/enrichment.md): reads transcripts, runs the pure enrichment package
(``cxq.enrichment``) and stores hits, topics, language and metrics.

The compiled phrase matcher is cached per process and rebuilt when any phrase set changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from django.db import transaction
from django.db.models import Count, Max, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.enrichment import PhraseMatcher, Thresholds, enrich
from cxq.enrichment import PhraseSet as PhraseSetSpec
from cxq.enrichment import Utterance as UtteranceSpec
from cxq.events import Name, publish
from cxq.interactions.choices import EnrichmentStatus
from cxq.interactions.conditions import FACT_COLUMNS, Facts
from cxq.interactions.models import Interaction, PhraseMention, PhraseSet
from cxq.lib.db import dumps_json, insert_rows, update_rows

_cache: dict[str, object] = {}


def current_matcher() -> tuple[PhraseMatcher, dict[str, PhraseSet]]:
    state = PhraseSet.objects.filter(is_active=True).aggregate(n=Count("id"), changed=Max("updated_at"))
    key = f"{state['n']}:{state['changed']}"
    if _cache.get("key") != key:
        sets = list(PhraseSet.objects.filter(is_active=True))
        specs = [
            PhraseSetSpec(id=str(s.pk), name=s.name, kind=s.kind, side=s.side, phrases=tuple(s.phrases)) for s in sets
        ]
        _cache.update(key=key, matcher=PhraseMatcher(specs), sets={str(s.pk): s for s in sets})
    return _cache["matcher"], _cache["sets"]  # type: ignore[return-value]


def current_thresholds() -> Thresholds:
    org = OrgSettings.get()
    return Thresholds(silence_seconds=float(org.silence_seconds), crosstalk_min_seconds=float(org.crosstalk_seconds))


TIMED_CHANNELS = {"voice", "video"}


def _for_channel(metrics: dict, channel: str) -> dict:
    """Silence and crosstalk only mean something where people talk in real time: for chat, email,
    SMS and social the gaps between messages are waiting, not silence, so they are not counted."""
    if channel in TIMED_CHANNELS:
        return metrics
    cleared = {
        "silence_events": [],
        "silence_count": 0,
        "silence_seconds": 0.0,
        "crosstalk_events": [],
        "crosstalk_count": 0,
        "crosstalk_seconds": 0.0,
    }
    return {**metrics, **{k: v for k, v in cleared.items() if k in metrics}, "timing_metrics": "not applicable"}


@dataclass(frozen=True)
class Enriched:
    """What enrichment stores for one interaction: its fields, its hits (as ``Interaction.hits`` holds
    them) and a mention row per phrase set found."""

    topics: list[str]
    language: str
    metrics: dict
    hits: list[list]  # [phrase set id, utterance index, start, phrase, word position, word count, score]
    mentions: dict[int, int]  # phrase set id -> hits
    said_by: dict[int, str]  # phrase set id -> "agent", "customer" or "both" (PhraseMention.said_by)
    sides: dict[int, frozenset[str]]  # phrase set id -> every speaker who said it (conditions.Facts)

    def mention_rows(self, interaction_id: int) -> list[tuple]:
        said_by = self.said_by
        return [(interaction_id, set_id, count, said_by[set_id]) for set_id, count in self.mentions.items()]


MENTION_COLUMNS = ("interaction", "phrase_set", "hits", "said_by")


def sides_of(hits: list[list], utterances) -> tuple[dict[int, str], dict[int, frozenset[str]]]:
    """Phrase set id → who said it: "agent", "customer" or "both" (docs/conditions.md#indicators); and
    phrase set id → every speaker who said it (what ``conditions.mentioned_by`` reads off the transcript)."""
    speakers: dict[int, set[str]] = {}
    for hit in hits:
        found = speakers.get(hit[0])
        if found is None:
            speakers[hit[0]] = {utterances[hit[1]].speaker}
        else:
            found.add(utterances[hit[1]].speaker)
    said_by = {k: "both" if len(v) > 1 else next(iter(v)) for k, v in speakers.items()}
    return said_by, {k: frozenset(v) for k, v in speakers.items()}


class Enricher:
    """The current phrase matcher and thresholds, loaded once for a batch."""

    def __init__(self) -> None:
        self.matcher, self.sets = current_matcher()
        self.set_pks = {key: int(key) for key in self.sets}  # the matcher's phrase set ids are the pks as text
        self.thresholds = current_thresholds()

    def run(self, utterances: list[UtteranceSpec], *, channel: str, language: str, metadata: dict | None) -> Enriched:
        metadata = metadata or {}
        holds = [tuple(h) for h in metadata.get("holds", [])]
        hint = language or metadata.get("language")
        # matched words are cut out of the transcript when a hit is shown, not for every hit stored
        result = enrich(utterances, self.matcher, self.thresholds, language_hint=hint, holds=holds, matched_text=False)
        # by position (phrase_set_id, utterance_index, start, phrase, _, score, position, length): faster
        # than by name for the ~15 hits of each interaction
        set_pks = self.set_pks
        hits: list[list[Any]] = [[set_pks[h[0]], h[1], round(h[2], 3), h[3], h[6], h[7], h[5]] for h in result.hits]
        said_by, sides = sides_of(hits, utterances)
        mentions: dict[int, int] = {}
        for hit in hits:
            mentions[hit[0]] = mentions.get(hit[0], 0) + 1
        return Enriched(
            topics=sorted(result.topics),
            language=result.language or language or "",
            metrics=_for_channel(result.metrics.as_dict(), channel),
            hits=hits,
            mentions=mentions,
            said_by=said_by,
            sides=sides,
        )


def enrich_ids(ids: Iterable[int], *, only_pending: bool = False) -> int:
    """Enrich these stored interactions (one query reads them with their transcripts). Returns how many.

    ``only_pending`` (the worker's task and the sweep): skip those no longer pending when read, and
    write only those still pending once the write lock is held — a batch that the sweep and its queued
    task both picked up is enriched, and its automation cards fire, once."""
    ids = list(ids)
    if not ids:
        return 0
    enricher = Enricher()
    # the transcript as text, decoded by orjson (Django's JSONField would use json.loads, 2x slower)
    rows = Interaction.objects.filter(pk__in=ids)
    if only_pending:
        rows = rows.filter(enrichment_status=EnrichmentStatus.PENDING)
    rows = rows.annotate(lines=Cast("transcript", TextField())).values_list("pk", "metadata", "lines", *FACT_COLUMNS)
    mentions: list[tuple] = []
    updates: list[tuple] = []
    facts: list[Facts] = []
    now = timezone.now()
    for iid, metadata, lines, *columns in rows.iterator(chunk_size=500):
        fields = dict(zip(FACT_COLUMNS, columns, strict=True))
        channel, language = fields["channel"], fields["language"]
        done = enricher.run(
            UtteranceSpec.from_rows(orjson.loads(lines)) if lines else [],
            channel=channel,
            language=language,
            metadata=metadata,
        )
        mentions.extend(done.mention_rows(iid))
        fields["language"] = done.language
        facts.append(Facts(iid, fields, topics=done.topics, metrics=done.metrics, hits=done.hits, sides=done.sides))
        updates.append(
            (
                dumps_json(done.topics),
                done.language,
                dumps_json(done.metrics),
                dumps_json(done.hits),
                EnrichmentStatus.DONE,
                now,
                iid,
            )
        )
    with transaction.atomic():
        if only_pending and updates:
            pending = Interaction.objects.select_for_update().filter(
                pk__in=[row[-1] for row in updates], enrichment_status=EnrichmentStatus.PENDING
            )
            keep = set(pending.values_list("pk", flat=True))
            if len(keep) < len(updates):  # enriched by another worker meanwhile
                updates = [row for row in updates if row[-1] in keep]
                mentions = [row for row in mentions if row[0] in keep]
                facts = [fact for fact in facts if fact.pk in keep]
            ids = [row[-1] for row in updates]
        PhraseMention.objects.filter(interaction_id__in=ids).delete()
        insert_rows(PhraseMention, MENTION_COLUMNS, mentions)
        update_rows(Interaction, ("topics", "language", "metrics", "hits", "enrichment_status", "enriched_at"), updates)
        if updates:
            # the facts ride along so that subscribers need not read the batch again (docs/automations.md#speed)
            publish(
                Name.INTERACTION_ENRICHED,
                data={"interaction_ids": [row[-1] for row in updates], "path": "worker", "facts": facts},
            )
    return len(updates)


def interaction_enrich(*, interaction: Interaction) -> Interaction:
    enrich_ids([interaction.pk])
    interaction.refresh_from_db()
    return interaction


def enrich_pending(*, limit: int = 2000, settled: timedelta | None = None) -> int:
    """The sweep: enrich interactions still pending (bulk ingest, re-runs, a worker that died).
    ``settled``: only those pending (not changed) for at least that long — the periodic sweep leaves a
    batch just stored to the task queued for it, instead of enriching it a second time alongside."""
    pending = Interaction.objects.filter(enrichment_status=EnrichmentStatus.PENDING)
    if settled is not None:
        pending = pending.filter(updated_at__lt=timezone.now() - settled)
    ids = list(pending.order_by("id").values_list("pk", flat=True)[:limit])
    done = 0
    for start in range(0, len(ids), 500):
        done += enrich_ids(ids[start : start + 500], only_pending=True)
    return done
