"""Writes for interactions (IN-2, IN-3): upsert one, upsert a batch, enrichment, agent matching.

Ingest is validated by ``schemas.InteractionIn`` first; a service never writes half an interaction.
Re-ingesting the same external id updates that interaction and replaces its transcript.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from cxq.accounts.models import OrgSettings, Role, Team, User
from cxq.interactions.choices import EnrichmentStatus, Source
from cxq.interactions.models import Interaction, Utterance
from cxq.interactions.schemas import AgentRef, InteractionIn, error_messages
from cxq.lib.db import insert_rows

FIELDS = (
    "channel",
    "direction",
    "queue",
    "disposition",
    "language",
    "customer_ref",
    "csat",
    "nps",
    "resolved",
    "metadata",
    "notes",
)


class IngestError(ValidationError):
    """An interaction that cannot be ingested; ``messages`` name the fields."""


def parse_payload(payload: Any) -> InteractionIn:
    if not isinstance(payload, dict):
        raise IngestError(["an interaction must be a JSON object"])
    try:
        return InteractionIn.model_validate(payload)
    except SchemaError as exc:
        raise IngestError(error_messages(exc)) from None


# --- Agents -------------------------------------------------------------------------------------


@dataclass
class AgentResolver:
    """Matches agents by external id, then email; creates unknown ones (no login) or rejects them
    per the organisation setting. Caches look-ups so a batch costs one query per distinct agent."""

    policy: str
    cache: dict[tuple[str, str], User] = field(default_factory=dict)
    agent_role: Role | None = None
    teams: dict[int, Team | None] = field(default_factory=dict)

    @classmethod
    def from_settings(cls) -> AgentResolver:
        return cls(policy=OrgSettings.get().unknown_agents, agent_role=Role.objects.filter(key="agent").first())

    def resolve(self, ref: AgentRef | None, path: str = "agent") -> User | None:
        if ref is None:
            return None
        key = (ref.external_id or "", ref.email or "")
        if key in self.cache:
            return self.cache[key]
        user = None
        if ref.external_id:
            user = User.objects.filter(external_id=ref.external_id).first()
        if user is None and ref.email:
            user = User.objects.filter(email__iexact=ref.email).first()
        if user is None:
            if self.policy == "reject":
                raise IngestError(
                    [
                        f"{path}: no user matches {ref.external_id or ref.email} (unknown agents are "
                        "rejected by the organisation settings)"
                    ]
                )
            if not ref.email:
                raise IngestError([f"{path}: unknown agent {ref.external_id}; give an email to create them"])
            user = User.objects.create_user(
                email=ref.email,
                full_name=ref.name or ref.email.split("@")[0],
                role=self.agent_role,
                external_id=ref.external_id or None,
            )
        self.cache[key] = user
        return user

    def team_of(self, agent: User | None) -> Team | None:
        """The agent's team (first by name), looked up once per agent for the resolver's lifetime."""
        if agent is None:
            return None
        if agent.pk not in self.teams:
            self.teams[agent.pk] = _team_of(agent)
        return self.teams[agent.pk]


# --- Upsert -------------------------------------------------------------------------------------


def _team_of(agent: User | None) -> Team | None:
    if agent is None:
        return None
    return agent.teams.order_by("name").first()


def _fill(interaction: Interaction, data: InteractionIn, agent: User | None, team: Team | None) -> None:
    for name in FIELDS:
        setattr(interaction, name, getattr(data, name))
    interaction.channel = data.channel.value
    interaction.direction = data.direction.value
    interaction.started_at = data.started_at
    interaction.ended_at = data.resolved_end()
    interaction.duration_seconds = data.resolved_duration()
    interaction.agent = agent
    interaction.team = team
    if data.holds:
        interaction.metadata = {**interaction.metadata, "holds": [list(h) for h in data.holds]}
    interaction.transcript_text = "\n".join(u.text for u in data.transcript)
    interaction.utterance_count = len(data.transcript)
    interaction.enrichment_status = EnrichmentStatus.PENDING


UTTERANCE_COLUMNS = ("interaction", "index", "speaker", "speaker_name", "start", "end", "text")


def _utterances(interaction: Interaction, data: InteractionIn) -> list[tuple]:
    """Utterance rows for ``insert_rows`` (no model instances: this is the bulk-ingest hot path)."""
    return [
        (interaction.pk, i, u.speaker.value, u.speaker_name, u.start, u.end, u.text)
        for i, u in enumerate(data.transcript)
    ]


@transaction.atomic
def interaction_upsert(
    *,
    data: InteractionIn,
    source: str = Source.API,
    by: User | None = None,
    resolver: AgentResolver | None = None,
    enrich: bool = True,
) -> tuple[Interaction, bool]:
    """Create or update (by external id) one interaction with its transcript; enrich it inline."""
    resolver = resolver or AgentResolver.from_settings()
    agent = resolver.resolve(data.agent)
    others = [resolver.resolve(ref, f"other_agents.{i}") for i, ref in enumerate(data.other_agents)]
    interaction = None
    if data.external_id:
        interaction = Interaction.objects.select_for_update().filter(external_id=data.external_id).first()
    created = interaction is None
    if created:
        interaction = Interaction(external_id=data.external_id, source=source, created_by=by)
    _fill(interaction, data, agent, resolver.team_of(agent))
    interaction.save()
    if not created:
        interaction.utterances.all().delete()
        interaction.hits.all().delete()
    insert_rows(Utterance, UTTERANCE_COLUMNS, _utterances(interaction, data))
    interaction.other_agents.set([u for u in others if u is not None])
    if enrich:
        from cxq.interactions.enrich import interaction_enrich

        interaction_enrich(interaction=interaction)
    return interaction, created


@dataclass
class BulkReport:
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


class Enrichment:
    """When a bulk upsert enriches what it wrote."""

    QUEUE = "queue"  # the worker enriches after commit (API bulk: the request stays short)
    INLINE = "inline"  # enriched from the validated payloads in the same transaction (imports, demo)
    LATER = "later"  # left pending for the caller or the periodic sweep


def interaction_bulk_upsert(
    *,
    payloads: Sequence[Any],
    source: str = Source.API,
    by: User | None = None,
    offset: int = 0,
    resolver: AgentResolver | None = None,
    enrichment: str = Enrichment.QUEUE,
) -> BulkReport:
    """Validate every item, then write the valid ones in one transaction (per-item errors are
    reported by index and written nothing). New interactions are bulk-inserted. Enrichment is
    queued for the worker, done inline from the validated payloads (no re-read), or left pending."""
    report = BulkReport()
    resolver = resolver or AgentResolver.from_settings()
    valid: list[tuple[int, InteractionIn]] = []
    for i, payload in enumerate(payloads):
        try:
            valid.append((i, parse_payload(payload)))
        except IngestError as exc:
            report.errors.append({"index": offset + i, "errors": exc.messages})
    enricher = None
    if enrichment == Enrichment.INLINE:
        from cxq.interactions.enrich import Enricher

        enricher = Enricher()
    with transaction.atomic():
        agents: dict[int, User | None] = {}
        for i, data in list(valid):
            try:
                agents[i] = resolver.resolve(data.agent)
            except IngestError as exc:
                report.errors.append({"index": offset + i, "errors": exc.messages})
                valid.remove((i, data))
        seen: set[str] = set()
        unique: list[tuple[int, InteractionIn]] = []
        for i, data in valid:
            if data.external_id and data.external_id in seen:
                report.errors.append(
                    {
                        "index": offset + i,
                        "errors": [f"external_id: {data.external_id!r} appears twice in this batch"],
                    }
                )
                continue
            if data.external_id:
                seen.add(data.external_id)
            unique.append((i, data))
        valid = unique
        existing = {i.external_id: i for i in Interaction.objects.select_for_update().filter(external_id__in=seen)}
        new_rows: list[tuple[Interaction, InteractionIn]] = []
        hits: list[tuple[Interaction, Any]] = []
        for i, data in valid:
            current = existing.get(data.external_id) if data.external_id else None
            row = current or Interaction(external_id=data.external_id, source=source, created_by=by)
            _fill(row, data, agents[i], resolver.team_of(agents[i]))
            if enricher is not None:
                hits.append((row, _enrich_inline(enricher, row, data)))
            if current is not None:
                current.save()
                current.utterances.all().delete()
                current.hits.all().delete()
                insert_rows(Utterance, UTTERANCE_COLUMNS, _utterances(current, data))
                report.updated += 1
                report.ids.append(current.pk)
            else:
                new_rows.append((row, data))
        if new_rows:
            Interaction.objects.bulk_create([row for row, _ in new_rows], batch_size=500)
            insert_rows(Utterance, UTTERANCE_COLUMNS, (u for row, data in new_rows for u in _utterances(row, data)))
            report.created += len(new_rows)
            report.ids.extend(row.pk for row, _ in new_rows)
        if hits:
            from cxq.interactions.enrich import HIT_COLUMNS
            from cxq.interactions.models import PhraseHit

            insert_rows(PhraseHit, HIT_COLUMNS, (h for row, done in hits for h in done.hit_rows(row.pk)))
        ids = list(report.ids)
        if enrichment == Enrichment.QUEUE:
            transaction.on_commit(lambda: _queue_enrichment(ids))
    report.errors.sort(key=lambda e: e["index"])
    return report


def _enrich_inline(enricher, row: Interaction, data: InteractionIn):
    """Enrich one validated payload before it is written; sets the row's enrichment fields."""
    from cxq.interactions.enrich import UtteranceSpec

    done = enricher.run(
        [
            UtteranceSpec(index=i, speaker=u.speaker.value, start=u.start, end=u.end, text=u.text)
            for i, u in enumerate(data.transcript)
        ],
        channel=row.channel,
        language=row.language,
        metadata=row.metadata,
    )
    row.topics = done.topics
    row.language = done.language
    row.metrics = done.metrics
    row.enrichment_status = EnrichmentStatus.DONE
    row.enriched_at = timezone.now()
    return done


def _queue_enrichment(ids: list[int]) -> None:
    from cxq.interactions.tasks import enrich_batch

    for start in range(0, len(ids), 500):
        enrich_batch(ids[start : start + 500])


def interactions_mark_for_enrichment(*, ids: Iterable[int] | None = None) -> int:
    """Re-run enrichment (after an indicator changed): mark pending; the worker picks them up."""
    qs = Interaction.objects.all() if ids is None else Interaction.objects.filter(pk__in=list(ids))
    return qs.update(enrichment_status=EnrichmentStatus.PENDING, updated_at=timezone.now())
