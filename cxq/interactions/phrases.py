"""Indicators and topics (docs/enrichment.md): admin-managed phrase sets. Changing one does not rewrite history
by itself; ``enrichment_rerun`` re-enriches every interaction (a command and a button)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.choices import PhraseKind, Side
from cxq.interactions.models import PhraseSet
from cxq.interactions.services import interactions_mark_for_enrichment
from cxq.lib.snapshot import snapshot

FIELDS = ("name", "kind", "side", "phrases", "description", "is_active")
MAX_PHRASES = 200


def phrase_set_get(*, uuid) -> PhraseSet:
    return get_object_or_404(PhraseSet, uuid=uuid)


def _clean(phrase_set: PhraseSet) -> None:
    phrase_set.name = (phrase_set.name or "").strip()
    if not phrase_set.name:
        raise ValidationError({"name": "Name the indicator or topic."})
    if PhraseSet.objects.filter(name__iexact=phrase_set.name).exclude(pk=phrase_set.pk).exists():
        raise ValidationError({"name": f"An indicator or topic named {phrase_set.name!r} already exists."})
    if phrase_set.kind not in PhraseKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(PhraseKind.values)}."})
    if phrase_set.side not in Side.values:
        raise ValidationError({"side": f"Choose one of {', '.join(Side.values)}."})
    if not isinstance(phrase_set.phrases, list) or not all(isinstance(p, str) for p in phrase_set.phrases):
        raise ValidationError({"phrases": "Give the phrases as a list of texts."})
    cleaned = list(dict.fromkeys(" ".join(p.split()) for p in phrase_set.phrases if p.strip()))
    if not cleaned:
        raise ValidationError({"phrases": "Give at least one phrase."})
    if len(cleaned) > MAX_PHRASES:
        raise ValidationError({"phrases": f"At most {MAX_PHRASES} phrases per set."})
    phrase_set.phrases = cleaned


@transaction.atomic
def phrase_set_create(
    *,
    by,
    name: str,
    phrases: list[str],
    kind: str = "indicator",
    side: str = "any",
    description: str = "",
    is_active: bool = True,
) -> PhraseSet:
    require(by, "settings.edit")
    phrase_set = PhraseSet(
        name=name, kind=kind, side=side, phrases=phrases, description=description.strip(), is_active=is_active
    )
    _clean(phrase_set)
    phrase_set.save()
    trail = AuditTrail(after=snapshot(phrase_set, FIELDS))
    publish(Name.PHRASE_SET_CREATED, subject=phrase_set, actor=by, audit=trail)
    return phrase_set


@transaction.atomic
def phrase_set_update(*, by, phrase_set: PhraseSet, **changes) -> PhraseSet:
    require(by, "settings.edit")
    before = snapshot(phrase_set, FIELDS)
    for name, value in changes.items():
        if name in FIELDS and value is not None:
            setattr(phrase_set, name, value)
    _clean(phrase_set)
    phrase_set.save()
    after = snapshot(phrase_set, FIELDS)
    if after != before:
        publish(Name.PHRASE_SET_UPDATED, subject=phrase_set, actor=by, audit=AuditTrail(before=before, after=after))
    return phrase_set


@transaction.atomic
def phrase_set_delete(*, by, phrase_set: PhraseSet) -> None:
    require(by, "settings.edit")
    trail = AuditTrail(before=snapshot(phrase_set, FIELDS))
    publish(Name.PHRASE_SET_DELETED, subject=phrase_set, actor=by, audit=trail)
    phrase_set.delete()


def enrichment_rerun(*, by) -> int:
    """Mark every interaction for re-enrichment; the worker's sweep processes them in batches."""
    require(by, "settings.edit")
    count = interactions_mark_for_enrichment()
    trail = AuditTrail(object_type="interactions", after={"interactions": count})
    publish(Name.ENRICHMENT_RERUN_REQUESTED, actor=by, data={"interactions": count}, audit=trail)
    return count
