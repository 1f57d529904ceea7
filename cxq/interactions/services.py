"""Writes for interactions (docs/interactions.md#ingest-paths, docs/interactions.md#offline-form): upsert one, upsert a
batch, enrichment, agent matching.

Ingest is validated by ``schemas.InteractionIn`` first; a service never writes half an interaction.
Re-ingesting the same external id updates that interaction and replaces its transcript.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from cxq.accounts.models import OrgSettings, Role, Team, User
from cxq.accounts.permissions import require
from cxq.enrichment import Utterance as Line
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.choices import EnrichmentStatus, Source
from cxq.interactions.conditions import Facts
from cxq.interactions.models import Interaction, SavedFilter
from cxq.interactions.schemas import AgentRef, InteractionIn, error_messages
from cxq.interactions.selectors import interaction_scope
from cxq.lib.db import insert_returning_ids, insert_rows
from cxq.lib.snapshot import snapshot

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


# What a bulk upsert writes for a new interaction, in one multi-row INSERT (no model instances:
# docs/performance.md#ingest-throughput).
INSERT_COLUMNS = (
    *FIELDS,
    "uuid",
    "created_at",
    "updated_at",
    "external_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "agent_id",
    "team_id",
    "topics",
    "metrics",
    "source",
    "transcript",
    "transcript_text",
    "utterance_count",
    "hits",
    "enrichment_status",
    "enriched_at",
    "created_by_id",
)


class IngestError(ValidationError):
    """An interaction that cannot be ingested; ``messages`` name the fields."""


# Said when an external id belongs to an interaction the person may not see: an upsert by external id
# must never let someone overwrite another team's interaction (nor tell them whose it is).
TAKEN = "is already used by an interaction you cannot change; use another external id"


def _may_overwrite(by: User, pks: list[int]) -> set[int]:
    """The interactions among ``pks`` that ``by`` may update by re-ingesting them: those in their scope."""
    if not pks:
        return set()
    return set(interaction_scope(viewer=by).filter(pk__in=pks).values_list("pk", flat=True))


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

    def prefetch(self, refs: Iterable[AgentRef | None]) -> None:
        """Look up the known agents among ``refs`` and their teams in three queries, instead of one
        or two per distinct agent in :meth:`resolve` (a bulk batch names dozens). Unknown ones are
        left to :meth:`resolve`, which creates or rejects them."""
        wanted = {(r.external_id or "", r.email or ""): r for r in refs if r is not None}
        wanted = {key: ref for key, ref in wanted.items() if key not in self.cache}
        if not wanted:
            return
        external_ids = {ext for ext, _ in wanted if ext}
        emails = {email for ext, email in wanted if email}
        by_external_id = (
            {u.external_id: u for u in User.objects.filter(external_id__in=external_ids)} if external_ids else {}
        )
        by_email = (
            {u.lower_email: u for u in User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=emails)}
            if emails
            else {}
        )
        found: dict[tuple[str, str], User] = {}
        for key in wanted:
            user = by_external_id.get(key[0]) if key[0] else None
            if user is None and key[1]:
                user = by_email.get(key[1])
            if user is not None:
                found[key] = user
        self.cache.update(found)
        pending = {user.pk for user in found.values()} - set(self.teams)
        if pending:
            memberships = (
                Team.members.through.objects.filter(user_id__in=pending)
                .select_related("team")
                .order_by("team__name", "team_id")
            )
            for membership in memberships:
                self.teams.setdefault(membership.user_id, membership.team)
            self.teams.update({pk: None for pk in pending if pk not in self.teams})

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
            try:
                with transaction.atomic():  # a savepoint: another import process may create them first
                    user = User.objects.create_user(
                        email=ref.email,
                        full_name=ref.name or ref.email.split("@")[0],
                        role=self.agent_role,
                        external_id=ref.external_id or None,
                    )
            except IntegrityError:
                user = User.objects.filter(email__iexact=ref.email).first()
                if user is None:
                    raise IngestError([f"{path}: external id {ref.external_id} belongs to another user"]) from None
        self.cache[key] = user
        return user

    def forget(self) -> None:
        """Drop what was looked up or created: after a rolled-back write the agents it created are gone."""
        self.cache.clear()
        self.teams.clear()

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
    return agent.teams.order_by("name", "id").first()


def _lines(fields: dict[str, Any]) -> list[Line]:
    """The transcript of :func:`_fields` as the enrichment engine reads it (only when enriching inline:
    the API's bulk path stores the rows and the worker makes these from what it reads)."""
    return Line.from_rows(fields["transcript"])


def _fields(data: InteractionIn) -> dict[str, Any]:
    """The interaction's columns (attribute names) that ingest sets from a validated payload, but
    for the agent and team, which need the database."""
    rows = [[u["speaker"], u["start"], u["end"], u["text"], u["speaker_name"]] for u in data.transcript]
    values = {name: getattr(data, name) for name in FIELDS}
    if data.holds:
        values["metadata"] = {**data.metadata, "holds": [list(h) for h in data.holds]}
    duration = data.resolved_duration()
    values.update(
        external_id=data.external_id,
        channel=data.channel.value,
        direction=data.direction.value,
        started_at=data.started_at,
        ended_at=data.ended_at or data.started_at + timedelta(seconds=duration),
        duration_seconds=duration,
        transcript=rows,  # [speaker, start, end, text, speaker name]
        transcript_text="\n".join([row[3] for row in rows]),
        utterance_count=len(rows),
        hits=None,  # they point into the transcript: enrichment makes them anew
        enrichment_status=EnrichmentStatus.PENDING,
    )
    return values


def _fill(interaction: Interaction, data: InteractionIn, agent: User | None, team: Team | None) -> None:
    for name, value in _fields(data).items():
        setattr(interaction, name, value)
    interaction.agent = agent
    interaction.team = team


@transaction.atomic
def interaction_upsert(
    *,
    data: InteractionIn,
    source: str = Source.API,
    by: User | None = None,
    resolver: AgentResolver | None = None,
    enrich: bool = True,
) -> tuple[Interaction, bool]:
    """Create or update (by external id) one interaction with its transcript; enrich it inline. A
    ``download_url`` queues a fetch of its recording (docs/interactions.md#fetch-by-url)."""
    from cxq.interactions import recordings

    if data.download_url:
        recordings.check_download_url(data.download_url)
    resolver = resolver or AgentResolver.from_settings()
    agent = resolver.resolve(data.agent)
    others = [resolver.resolve(ref, f"other_agents.{i}") for i, ref in enumerate(data.other_agents)]
    interaction = None
    if data.external_id:
        interaction = Interaction.objects.select_for_update().filter(external_id=data.external_id).first()
    created = interaction is None
    if not created and by is not None and not _may_overwrite(by, [interaction.pk]):
        raise IngestError({"external_id": TAKEN})
    rechanneled = not created and interaction.channel != data.channel.value
    if created:
        interaction = Interaction(external_id=data.external_id, source=source, created_by=by)
    _fill(interaction, data, agent, resolver.team_of(agent))
    interaction.save()
    if not created:
        interaction.mentions.all().delete()
    interaction.other_agents.set([u for u in others if u is not None])
    if rechanneled:
        _channels_changed([interaction.pk])
    if enrich:
        from cxq.interactions.enrich import interaction_enrich

        interaction_enrich(interaction=interaction)
    if data.download_url:
        recordings.recording_queue_fetch(interaction=interaction, url=data.download_url)
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


@dataclass(slots=True)
class Prepared:
    """A validated payload made ready to write — columns, enrichment, agent references — without the
    database, so a parallel import can prepare in worker processes what one process writes."""

    index: int
    fields: dict[str, Any]
    agent: AgentRef | None
    other_agents: list[AgentRef]
    enriched: Any = None  # cxq.interactions.enrich.Enriched, when enriched inline
    download_url: str | None = None  # a recording to fetch after the write


def interactions_prepare(
    payloads: Sequence[Any], *, offset: int = 0, enrich: bool = False, contain_failures: bool = False
) -> tuple[list[Prepared], list[dict[str, Any]]]:
    """Validate each payload and, with ``enrich``, enrich it from its own transcript: the pure part of
    a bulk upsert. Returns the prepared items and the errors (by ``offset`` + index). With
    ``contain_failures`` (an import), an exception while validating or enriching one payload is that
    payload's error instead of the whole batch's."""
    enricher = None
    if enrich:
        from cxq.interactions.enrich import Enricher

        enricher = Enricher()
    now = timezone.now()
    prepared: list[Prepared] = []
    errors: list[dict[str, Any]] = []
    for i, payload in enumerate(payloads):
        try:
            data = parse_payload(payload)
            fields = _fields(data)
            if data.download_url:
                _check_download_url(data.download_url)
        except IngestError as exc:
            errors.append({"index": offset + i, "errors": exc.messages})
            continue
        except Exception as exc:
            if not contain_failures:
                raise
            errors.append({"index": offset + i, "errors": [f"could not be validated ({describe_failure(exc)})"]})
            continue
        done = None
        if enricher is not None:
            try:
                done = _enrich_inline(enricher, _lines(fields), fields)
            except Exception as exc:
                if not contain_failures:
                    raise
                errors.append({"index": offset + i, "errors": [f"enrichment failed ({describe_failure(exc)})"]})
                continue
            fields.update(
                topics=done.topics,
                language=done.language,
                metrics=done.metrics,
                hits=done.hits,
                enrichment_status=EnrichmentStatus.DONE,
                enriched_at=now,
            )
        prepared.append(Prepared(offset + i, fields, data.agent, list(data.other_agents), done, data.download_url))
    return prepared, errors


def interaction_bulk_upsert(
    *,
    payloads: Sequence[Any] = (),
    prepared: tuple[list[Prepared], list[dict[str, Any]]] | None = None,
    source: str = Source.API,
    by: User | None = None,
    offset: int = 0,
    resolver: AgentResolver | None = None,
    enrichment: str = Enrichment.QUEUE,
) -> BulkReport:
    """Validate every item, then write the valid ones in one transaction (per-item errors are
    reported by index and written nothing). New interactions are bulk-inserted. Enrichment is
    queued for the worker, done inline from the validated payloads (no re-read), or left pending.
    ``prepared`` passes what :func:`interactions_prepare` made elsewhere instead of ``payloads``."""
    report = BulkReport()
    resolver = resolver or AgentResolver.from_settings()
    # Validate and enrich before the transaction: on SQLite it holds the database's write lock, so
    # it should only write.
    if prepared is None:
        prepared = interactions_prepare(payloads, offset=offset, enrich=enrichment == Enrichment.INLINE)
    valid, errors = prepared
    report.errors.extend(errors)
    now = timezone.now()
    with transaction.atomic():
        by_id = by.pk if by else None
        resolver.prefetch([ref for item in valid for ref in (item.agent, *item.other_agents)])
        seen: set[str] = set()
        resolved: list[tuple[str | None, dict[str, Any], Any, list[User], str | None]] = []
        resolved_index: list[int] = []
        for item in valid:
            fields, external_id = item.fields, item.fields["external_id"]
            try:
                agent = resolver.resolve(item.agent)
                others = [resolver.resolve(ref, f"other_agents.{k}") for k, ref in enumerate(item.other_agents)]
            except IngestError as exc:
                report.errors.append({"index": item.index, "errors": exc.messages})
                continue
            if external_id and external_id in seen:
                report.errors.append({"index": item.index, "errors": [twice_in_batch(external_id)]})
                continue
            if external_id:
                seen.add(external_id)
            team = resolver.team_of(agent)
            fields.update(agent_id=agent.pk if agent else None, team_id=team.pk if team else None)
            resolved.append(
                (external_id, fields, item.enriched, [u for u in others if u is not None], item.download_url)
            )
            resolved_index.append(item.index)
        existing = {i.external_id: i for i in Interaction.objects.select_for_update().filter(external_id__in=seen)}
        if by is not None:  # a person updates only interactions they can see; the others are per-item errors
            writable = _may_overwrite(by, [i.pk for i in existing.values()])
            for item_index, (external_id, *_rest) in reversed(list(enumerate(resolved))):
                current = existing.get(external_id) if external_id else None
                if current is not None and current.pk not in writable:
                    report.errors.append({"index": resolved_index[item_index], "errors": [f"external_id: {TAKEN}"]})
                    del resolved[item_index]
        new_rows: list[tuple] = []
        new_mentions: list[Any] = []
        new_others: list[list[User]] = []
        mention_rows: list[tuple] = []
        rechanneled: list[int] = []
        facts: list[Facts] = []  # what automations match on, inline enrichment only
        fetches: list[tuple[int, str]] = []  # (interaction id, download_url)
        new_urls: list[str | None] = []
        for external_id, fields, done, others, url in resolved:
            current = existing.get(external_id) if external_id else None
            if current is not None:
                if current.channel != fields["channel"]:
                    rechanneled.append(current.pk)
                for name, value in fields.items():
                    setattr(current, name, value)
                current.save()
                current.mentions.all().delete()
                current.other_agents.set(others)
                if done is not None:
                    mention_rows.extend(done.mention_rows(current.pk))
                    facts.append(_facts(current.pk, fields, done))
                report.updated += 1
                report.ids.append(current.pk)
                if url:
                    fetches.append((current.pk, url))
            else:
                fields.update(uuid=uuid4(), created_at=now, updated_at=now, source=source, created_by_id=by_id)
                if done is None:
                    fields.update(topics=[], metrics={}, enriched_at=None)
                new_rows.append(tuple(fields[c] for c in INSERT_COLUMNS))
                new_mentions.append(done)
                new_others.append(others)
                new_urls.append(url)
        if new_rows:
            new_ids = insert_returning_ids(Interaction, INSERT_COLUMNS, new_rows)
            mention_rows.extend(
                row for pk, done in zip(new_ids, new_mentions, strict=True) if done for row in done.mention_rows(pk)
            )
            facts.extend(
                _facts(pk, dict(zip(INSERT_COLUMNS, row, strict=True)), done)
                for pk, row, done in zip(new_ids, new_rows, new_mentions, strict=True)
                if done
            )
            insert_rows(
                Interaction.other_agents.through,
                ("interaction", "user"),
                [(pk, u.pk) for pk, users in zip(new_ids, new_others, strict=True) for u in users],
            )
            report.created += len(new_rows)
            report.ids.extend(new_ids)
            fetches.extend((pk, url) for pk, url in zip(new_ids, new_urls, strict=True) if url)
        if mention_rows:
            from cxq.interactions.enrich import MENTION_COLUMNS
            from cxq.interactions.models import PhraseMention

            insert_rows(PhraseMention, MENTION_COLUMNS, mention_rows)
        _channels_changed(rechanneled)
        if fetches:
            from cxq.interactions import recordings

            by_pk = Interaction.objects.in_bulk([pk for pk, _ in fetches])
            for pk, url in fetches:
                recordings.recording_queue_fetch(interaction=by_pk[pk], url=url)
        ids = list(report.ids)
        if enrichment == Enrichment.QUEUE:
            transaction.on_commit(lambda: _queue_enrichment(ids))
        elif enrichment == Enrichment.INLINE and ids:
            # the facts ride along so that subscribers need not read the batch again (docs/automations.md#speed)
            publish(Name.INTERACTION_ENRICHED, data={"interaction_ids": ids, "path": "ingest", "facts": facts})
    report.errors.sort(key=lambda e: e["index"])
    return report


def _facts(pk: int, fields: dict[str, Any], done: Any) -> Facts:
    return Facts(pk, fields, topics=done.topics, metrics=done.metrics, hits=done.hits, sides=done.sides)


def _check_download_url(url: str) -> None:
    """An item's download_url against the fetch allow-list, as that item's error."""
    from cxq.interactions import recordings

    try:
        recordings.check_download_url(url)
    except ValidationError as exc:
        raise IngestError([f"download_url: {m}" for m in exc.messages]) from None


def twice_in_batch(external_id: str) -> str:
    return f"external_id: {external_id!r} appears twice in this batch"


def describe_failure(exc: BaseException) -> str:
    """An unexpected exception in words for a rejected line: its kind and the first line of its message."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


def _channels_changed(interaction_ids: list[int]) -> None:
    """Re-ingest moved evaluated interactions to another channel: their evaluations' analytics are
    filed by channel, so they are brought up to date (in this transaction)."""
    if not interaction_ids:
        return
    publish(Name.INTERACTION_CHANNEL_CHANGED, data={"interaction_ids": list(interaction_ids)})


def _enrich_inline(enricher, lines: list[Line], fields: dict[str, Any]):
    """Enrich one validated payload from its own transcript, before it is written (no re-read)."""
    return enricher.run(
        lines,
        channel=fields["channel"],
        language=fields["language"],
        metadata=fields["metadata"],
    )


def _queue_enrichment(ids: list[int]) -> None:
    from cxq.interactions.tasks import enrich_batch

    for start in range(0, len(ids), 500):
        enrich_batch(ids[start : start + 500])


def interactions_mark_for_enrichment(*, ids: Iterable[int] | None = None) -> int:
    """Re-run enrichment (after an indicator changed): mark pending; the worker picks them up."""
    qs = Interaction.objects.all() if ids is None else Interaction.objects.filter(pk__in=list(ids))
    return qs.update(enrichment_status=EnrichmentStatus.PENDING, updated_at=timezone.now())


# --- Saved filters (docs/interactions.md#list-filters-and-search) -----------------------------------------------

SAVED_FILTER_KEYS_IGNORED = ("cursor",)


SAVED_FILTER_FIELDS = ("name", "query")


def _saved_filter_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Name the filter."})
    if len(name) > 100:
        raise ValidationError({"name": "At most 100 characters."})
    return name


@transaction.atomic
def saved_filter_save(*, by: User, name: str, query: str) -> SavedFilter:
    """Keep a named filter of the interactions list for ``by`` (the list's query string; a name they already
    use is replaced). The query is checked as the list's form checks it: an unknown parameter or a refused
    value is a ValidationError naming it (``query.agent``), nothing saved. Publishes saved_filter.created,
    or saved_filter.updated when a name in use got a new query (audited only, docs/interactions.md)."""
    from django.http import QueryDict

    from cxq.accounts.selectors import agents_in_scope, team_list
    from cxq.interactions.filters import InteractionFilter
    from cxq.interactions.models import PhraseSet

    require(by, "interactions.view")
    name = _saved_filter_name(name)
    data = QueryDict(query or "", mutable=True)
    for key in SAVED_FILTER_KEYS_IGNORED:
        data.pop(key, None)
    if not data:
        raise ValidationError({"query": "Set at least one filter before saving."})
    filterset = InteractionFilter(
        data, agents=agents_in_scope(viewer=by), teams=team_list(viewer=by), phrase_sets=PhraseSet.objects.all()
    )
    unknown = [key for key in data if key not in filterset.filters]
    if unknown:
        raise ValidationError({f"query.{unknown[0]}": "The interactions list has no such filter."})
    if not filterset.is_valid():
        field_name, errors = next(iter(filterset.form.errors.items()))
        raise ValidationError({f"query.{field_name}": errors[0]})
    text = data.urlencode()
    if len(text) > 2000:
        raise ValidationError({"query": "At most 2000 characters."})
    saved = SavedFilter.objects.select_for_update().filter(owner=by, name=name).first()
    if saved is None:
        try:
            with transaction.atomic():  # a savepoint: the same name saved at the same moment wins the race
                saved = SavedFilter.objects.create(owner=by, name=name, query=text)
        except IntegrityError:
            saved = SavedFilter.objects.select_for_update().get(owner=by, name=name)
        else:
            trail = AuditTrail(after=snapshot(saved, SAVED_FILTER_FIELDS))
            publish(Name.SAVED_FILTER_CREATED, subject=saved, actor=by, audit=trail)
            return saved
    return _saved_filter_change(by=by, saved=saved, query=text) if saved.query != text else saved


def _saved_filter_change(*, by: User, saved: SavedFilter, **values: str) -> SavedFilter:
    """Write new values of a saved filter and publish saved_filter.updated with them before and after."""
    before = snapshot(saved, SAVED_FILTER_FIELDS)
    for key, value in values.items():
        setattr(saved, key, value)
    saved.save(update_fields=[*values, "updated_at"])
    trail = AuditTrail(before=before, after=snapshot(saved, SAVED_FILTER_FIELDS))
    publish(Name.SAVED_FILTER_UPDATED, subject=saved, actor=by, audit=trail)
    return saved


@transaction.atomic
def saved_filter_rename(*, by: User, saved: SavedFilter, name: str) -> SavedFilter:
    """Give one of ``by``'s saved filters another name; a name they already use for another is refused
    (``name``), so renaming never replaces a filter. Publishes saved_filter.updated."""
    if saved.owner_id != by.pk:
        raise PermissionDenied("Only its owner can rename a saved filter.")
    name = _saved_filter_name(name)
    if name == saved.name:
        return saved
    if SavedFilter.objects.filter(owner=by, name=name).exclude(pk=saved.pk).exists():
        raise ValidationError({"name": f"You already have a saved filter named “{name}”."})
    return _saved_filter_change(by=by, saved=saved, name=name)


@transaction.atomic
def saved_filter_delete(*, by: User, saved: SavedFilter) -> None:
    if saved.owner_id != by.pk:
        raise PermissionDenied("Only its owner can delete a saved filter.")
    trail = AuditTrail(before=snapshot(saved, SAVED_FILTER_FIELDS))
    publish(Name.SAVED_FILTER_DELETED, subject=saved, actor=by, audit=trail)
    saved.delete()
