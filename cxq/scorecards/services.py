"""Writes for scorecards (docs/scoring.md#scorecard-versions): create, edit (classified as cosmetic or a new version),
publish, archive, restore, duplicate, delete drafts, import. Each is atomic, checks
``scorecards.edit``, validates the document with the pure engine and records an audit event."""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cxq.accounts.models import Team
from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.lib.channels import Channel
from cxq.scorecards.choices import ChangeKind, ScorecardStatus
from cxq.scorecards.links import carried_over, clean_links
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scoring import Scorecard as ScorecardDoc
from cxq.scoring import ScorecardError, parse_document
from cxq.scoring.diff import classify_change, diff_documents

# How an edit was recorded → the event that says so.
_CHANGE_EVENTS = {
    ChangeKind.SAVED: Name.SCORECARD_SAVED,
    ChangeKind.COSMETIC: Name.SCORECARD_REWORDED,
    ChangeKind.NEW_VERSION: Name.SCORECARD_NEW_VERSION,
}


def parse_or_invalid(document: object) -> ScorecardDoc:
    """Parse a docs/scoring.md#the-scorecard-document document or raise a ValidationError whose message names the key
    path."""
    try:
        return parse_document(document)
    except ScorecardError as exc:
        raise ValidationError({"document": [str(exc)]}, code="invalid_document") from exc


def publish_problems(doc: ScorecardDoc) -> list[str]:
    """Why a document cannot be used to evaluate yet (empty is fine for a draft, not for use)."""
    problems = []
    if not doc.sections:
        problems.append("Add at least one section.")
    for section in doc.sections:
        if not section.questions:
            problems.append(f"Section “{section.title}” has no questions.")
    questions = doc.questions()
    if questions and all(q.max_points == 0 for q in questions):
        problems.append("No question can earn points; give some options points above 0.")
    return problems


def _summary(scorecard: Scorecard) -> dict:
    version = scorecard.current_version
    return {
        "name": scorecard.name,
        "status": scorecard.status,
        "scoring_mode": scorecard.scoring_mode,
        "version": version.number if version else None,
    }


def _sync_fields(scorecard: Scorecard, doc: ScorecardDoc) -> None:
    scorecard.name = doc.name
    scorecard.description = doc.description
    scorecard.scoring_mode = doc.scoring_mode
    scorecard.bands = doc.to_document().get("bands", [])


def _applicability(scorecard: Scorecard | None) -> dict:
    if scorecard is None or scorecard.pk is None:
        return {"channels": [], "teams": []}
    return {"channels": list(scorecard.channels), "teams": sorted(t.name for t in scorecard.teams.all())}


def clean_applicability(*, channels, teams) -> tuple[list[str] | None, list[Team] | None]:
    """Channel values and team public ids → (channels in Channel order, Team rows); ``None`` leaves a part
    unchanged. Raises a ValidationError naming the field and the value it refuses."""
    clean_channels = None
    if channels is not None:
        if not isinstance(channels, list | tuple) or not all(isinstance(c, str) for c in channels):
            raise ValidationError({"channels": "Give a list of channels."})
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            raise ValidationError(
                {"channels": f"Unknown channel {unknown[0]!r}; use one of {', '.join(Channel.values)}."}
            )
        clean_channels = [c for c in Channel.values if c in set(channels)]
    clean_teams = None
    if teams is not None:
        if not isinstance(teams, list | tuple) or not all(isinstance(t, str) for t in teams):
            raise ValidationError({"teams": "Give a list of team ids."})
        ids = []
        for value in teams:
            try:
                ids.append(uuid_module.UUID(str(value)))
            except ValueError:
                raise ValidationError({"teams": f"{value!r} is not a team id."}) from None
        found = {t.uuid: t for t in Team.objects.filter(uuid__in=ids)}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise ValidationError({"teams": f"No team has the id {missing[0]}."})
        clean_teams = list(found.values())
    return clean_channels, clean_teams


def _apply_applicability(*, by, scorecard: Scorecard, channels, teams, before: dict) -> None:
    """Store where the scorecard applies (docs/scoring.md#applicability) and record it once if it changed."""
    if channels is None and teams is None:
        return
    if channels is not None and channels != scorecard.channels:
        scorecard.channels = channels
        scorecard.save(update_fields=["channels", "updated_at"])
    if teams is not None:
        scorecard.teams.set(teams)
    after = _applicability(scorecard)
    if after != before:
        publish(
            Name.SCORECARD_APPLICABILITY_CHANGED,
            subject=scorecard,
            actor=by,
            audit=AuditTrail(before=before, after=after),
        )


@transaction.atomic
def scorecard_set_applicability(*, by, scorecard: Scorecard, channels=None, teams=None) -> Scorecard:
    """Which channels and teams the scorecard applies to (docs/scoring.md#applicability): channel values and team
    public ids; an empty list means all, ``None`` leaves that part as it is."""
    require(by, "scorecards.edit")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    clean_channels, clean_teams = clean_applicability(channels=channels, teams=teams)
    _apply_applicability(
        by=by, scorecard=scorecard, channels=clean_channels, teams=clean_teams, before=_applicability(scorecard)
    )
    return scorecard


@transaction.atomic
def scorecard_create(
    *,
    by,
    document: dict,
    change_note: str = "",
    channels=None,
    teams=None,
    indicator_links: dict | None = None,
) -> Scorecard:
    """A new draft scorecard from a docs/scoring.md#the-scorecard-document document, as version 1, optionally with
    the channels and teams it applies to (docs/scoring.md#applicability) and its questions answered from
    indicators (docs/scoring.md#questions-answered-from-indicators)."""
    require(by, "scorecards.edit")
    doc = parse_or_invalid(document)
    clean_channels, clean_teams = clean_applicability(channels=channels, teams=teams)
    canonical = doc.to_document()
    links = clean_links(indicator_links, canonical)
    scorecard = Scorecard(created_by=by)
    _sync_fields(scorecard, doc)
    scorecard.save()
    version = ScorecardVersion.objects.create(
        scorecard=scorecard,
        number=1,
        document=canonical,
        indicator_links=links,
        created_by=by,
        change_note=change_note.strip() or "Created",
    )
    scorecard.current_version = version
    scorecard.save(update_fields=["current_version", "updated_at"])
    publish(Name.SCORECARD_CREATED, subject=scorecard, actor=by, audit=AuditTrail(after=_summary(scorecard)))
    _apply_applicability(
        by=by, scorecard=scorecard, channels=clean_channels, teams=clean_teams, before=_applicability(None)
    )
    return scorecard


@transaction.atomic
def scorecard_update(
    *,
    by,
    scorecard: Scorecard,
    document: dict,
    change_note: str = "",
    channels=None,
    teams=None,
    indicator_links: dict | None = None,
) -> tuple[Scorecard, str]:
    """Save an edited document (and, when given, where it applies: ``scorecard_set_applicability``). Returns the
    scorecard and what happened to the document (a ``ChangeKind``).

    - A draft is edited in place (nothing has been scored on it yet).
    - A published scorecard: a cosmetic change (texts only) updates the current version in place;
      any other change creates version N+1 with who/when/why, and older versions stay as they were.
    - Archived scorecards are read-only until restored.
    - ``indicator_links`` (docs/scoring.md#questions-answered-from-indicators) go with the version saved; ``None``
      keeps the current ones that still fit the document. Changing only them changes no score: they
      are updated on the current version (``scorecard.links_changed``).
    """
    require(by, "scorecards.edit")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status == ScorecardStatus.ARCHIVED:
        raise ValidationError({"status": "This scorecard is archived; restore it before editing."})
    doc = parse_or_invalid(document)
    clean_channels, clean_teams = clean_applicability(channels=channels, teams=teams)
    _apply_applicability(
        by=by, scorecard=scorecard, channels=clean_channels, teams=clean_teams, before=_applicability(scorecard)
    )
    canonical = doc.to_document()
    current = scorecard.current_version
    if indicator_links is None:
        links = carried_over(current.indicator_links, canonical)
    else:
        links = clean_links(indicator_links, canonical)
    kind = classify_change(current.document, canonical)
    if kind == "unchanged":
        if links != current.indicator_links:
            _links_changed(by, scorecard, current, links)
            return scorecard, ChangeKind.LINKS
        return scorecard, ChangeKind.UNCHANGED
    changes = [c.describe() for c in diff_documents(current.document, canonical)]
    if scorecard.status == ScorecardStatus.PUBLISHED and kind == "structural":
        problems = publish_problems(doc)
        if problems:
            raise ValidationError({"document": problems})
        if not change_note.strip():
            raise ValidationError({"change_note": "This change can alter scores, so it makes a new version: say why."})
        number = (scorecard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ScorecardVersion.objects.create(
            scorecard=scorecard,
            number=number,
            document=canonical,
            indicator_links=links,
            created_by=by,
            change_note=change_note.strip(),
        )
        scorecard.current_version = version
        outcome = ChangeKind.NEW_VERSION
    else:
        current.document = canonical
        current.indicator_links = links
        if change_note.strip() and scorecard.status == ScorecardStatus.DRAFT:
            current.change_note = change_note.strip()
        current.save(update_fields=["document", "indicator_links", "change_note", "updated_at"])
        outcome = ChangeKind.SAVED if scorecard.status == ScorecardStatus.DRAFT else ChangeKind.COSMETIC
    _sync_fields(scorecard, doc)
    scorecard.save()
    publish(
        _CHANGE_EVENTS[outcome],
        subject=scorecard,
        actor=by,
        audit=AuditTrail(
            before={"version": current.number},
            after={
                "version": scorecard.current_version.number,
                "changes": changes[:200],
                "why": change_note.strip(),
            },
        ),
    )
    return scorecard, outcome


def _links_changed(by, scorecard: Scorecard, version: ScorecardVersion, links: dict) -> None:
    before = version.indicator_links
    version.indicator_links = links
    version.save(update_fields=["indicator_links", "updated_at"])
    publish(
        Name.SCORECARD_LINKS_CHANGED,
        subject=scorecard,
        actor=by,
        audit=AuditTrail(before={"indicator_links": before}, after={"indicator_links": links}),
    )


@transaction.atomic
def scorecard_publish(*, by, scorecard: Scorecard) -> Scorecard:
    require(by, "scorecards.edit")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status != ScorecardStatus.DRAFT:
        raise ValidationError({"status": f"Only drafts can be published; this one is {scorecard.status}."})
    problems = publish_problems(parse_or_invalid(scorecard.current_version.document))
    if problems:
        raise ValidationError({"document": problems})
    before = _summary(scorecard)
    scorecard.status = ScorecardStatus.PUBLISHED
    scorecard.published_at = timezone.now()
    scorecard.save(update_fields=["status", "published_at", "updated_at"])
    publish(
        Name.SCORECARD_PUBLISHED,
        subject=scorecard,
        actor=by,
        audit=AuditTrail(before=before, after=_summary(scorecard)),
    )
    return scorecard


@transaction.atomic
def scorecard_archive(*, by, scorecard: Scorecard) -> Scorecard:
    """Retire a published scorecard: it can no longer be used for new evaluations; history stays."""
    require(by, "scorecards.edit")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status != ScorecardStatus.PUBLISHED:
        raise ValidationError({"status": "Only published scorecards can be archived; delete a draft instead."})
    before = _summary(scorecard)
    scorecard.status = ScorecardStatus.ARCHIVED
    scorecard.archived_at = timezone.now()
    scorecard.save(update_fields=["status", "archived_at", "updated_at"])
    publish(
        Name.SCORECARD_ARCHIVED, subject=scorecard, actor=by, audit=AuditTrail(before=before, after=_summary(scorecard))
    )
    return scorecard


@transaction.atomic
def scorecard_restore(*, by, scorecard: Scorecard) -> Scorecard:
    require(by, "scorecards.edit")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status != ScorecardStatus.ARCHIVED:
        raise ValidationError({"status": "Only archived scorecards can be restored."})
    before = _summary(scorecard)
    scorecard.status = ScorecardStatus.PUBLISHED
    scorecard.archived_at = None
    scorecard.save(update_fields=["status", "archived_at", "updated_at"])
    publish(
        Name.SCORECARD_RESTORED, subject=scorecard, actor=by, audit=AuditTrail(before=before, after=_summary(scorecard))
    )
    return scorecard


@transaction.atomic
def scorecard_duplicate(*, by, scorecard: Scorecard, name: str = "") -> Scorecard:
    """A new draft with the current version's content, applying where the original applies."""
    scorecard = Scorecard.objects.select_related("current_version").get(pk=scorecard.pk)
    document = dict(scorecard.current_version.document)
    document["name"] = (name or "").strip() or f"{scorecard.name} (copy)"
    links = carried_over(scorecard.current_version.indicator_links, document)
    return scorecard_create(
        by=by,
        document=document,
        change_note=f"Copied from {scorecard.name}",
        channels=list(scorecard.channels),
        teams=[str(t.uuid) for t in scorecard.teams.all()],
        indicator_links=links,
    )


@transaction.atomic
def scorecard_delete(*, by, scorecard: Scorecard) -> None:
    """Drafts only: a published scorecard may have scores pinned to it, so it is archived instead."""
    require(by, "scorecards.edit")
    if scorecard.status != ScorecardStatus.DRAFT:
        raise ValidationError({"status": "Only drafts can be deleted; archive a published scorecard instead."})
    publish(Name.SCORECARD_DELETED, subject=scorecard, actor=by, audit=AuditTrail(before=_summary(scorecard)))
    Scorecard.objects.filter(pk=scorecard.pk).update(current_version=None)
    scorecard.delete()
