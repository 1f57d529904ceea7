"""Enrichment of stored interactions (IN-7): loads utterances, runs the pure enrichment package
(``cxq.interactions.enrichment``) and stores hits, topics, language and metrics.

The compiled phrase matcher is cached per process and rebuilt when any phrase set changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.interactions.choices import EnrichmentStatus
from cxq.interactions.enrichment import PhraseMatcher, Thresholds, enrich
from cxq.interactions.enrichment import PhraseSet as PhraseSetSpec
from cxq.interactions.enrichment import Utterance as UtteranceSpec
from cxq.interactions.models import Interaction, PhraseHit, PhraseSet, Utterance
from cxq.lib.db import insert_rows, update_rows

_cache: dict[str, object] = {}
HIT_COLUMNS = ("interaction", "phrase_set", "utterance_index", "start", "phrase", "matched_text", "score")


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


def enrich_ids(ids: Iterable[int]) -> int:
    """Enrich these interactions (one query for all their utterances). Returns how many."""
    ids = list(ids)
    if not ids:
        return 0
    matcher, sets = current_matcher()
    thresholds = current_thresholds()
    interactions = {i.pk: i for i in Interaction.objects.filter(pk__in=ids)}
    grouped: dict[int, list[UtteranceSpec]] = defaultdict(list)
    rows = (
        Utterance.objects.filter(interaction_id__in=ids)
        .order_by("interaction_id", "index")
        .values_list("interaction_id", "index", "speaker", "start", "end", "text", "speaker_name")
    )
    for iid, index, speaker, start, end, text, name in rows.iterator(chunk_size=5000):
        grouped[iid].append(
            UtteranceSpec(index=index, speaker=speaker, start=start, end=end, text=text, speaker_name=name)
        )
    hits: list[tuple] = []
    updates: list[tuple] = []
    now = timezone.now()
    for iid, interaction in interactions.items():
        holds = [tuple(h) for h in (interaction.metadata or {}).get("holds", [])]
        hint = interaction.language or (interaction.metadata or {}).get("language")
        result = enrich(grouped.get(iid, []), matcher, thresholds, language_hint=hint, holds=holds)
        hits.extend(
            (iid, int(h.phrase_set_id), h.utterance_index, h.start, h.phrase[:300], h.matched_text[:300], h.score)
            for h in result.hits
        )
        metrics = _for_channel(result.metrics.as_dict(), interaction.channel)
        language = result.language or interaction.language or ""
        updates.append(
            (json.dumps(sorted(result.topics)), language, json.dumps(metrics), EnrichmentStatus.DONE, now, iid)
        )
    with transaction.atomic():
        PhraseHit.objects.filter(interaction_id__in=ids).delete()
        insert_rows(PhraseHit, HIT_COLUMNS, hits)
        update_rows(Interaction, ("topics", "language", "metrics", "enrichment_status", "enriched_at"), updates)
    return len(interactions)


def interaction_enrich(*, interaction: Interaction) -> Interaction:
    enrich_ids([interaction.pk])
    interaction.refresh_from_db()
    return interaction


def enrich_pending(*, limit: int = 2000) -> int:
    """The sweep: enrich interactions still pending (bulk ingest, re-runs, a worker that died)."""
    ids = list(
        Interaction.objects.filter(enrichment_status=EnrichmentStatus.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for start in range(0, len(ids), 500):
        done += enrich_ids(ids[start : start + 500])
    return done
