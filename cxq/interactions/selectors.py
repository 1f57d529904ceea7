"""Reads of interactions, scoped by who is asking (docs/accounts.md#scope): everyone with scope.all_teams sees all;
leads see their teams' interactions; agents see only their own."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm, require
from cxq.accounts.selectors import led_team_ids
from cxq.enrichment import original_span
from cxq.interactions.choices import PhraseKind
from cxq.interactions.filters import InteractionFilter
from cxq.interactions.models import Interaction, PhraseSet
from cxq.lib import filters as lib_filters
from cxq.lib import keyset


def interaction_scope(*, viewer) -> QuerySet[Interaction]:
    condition = interaction_scope_condition(viewer=viewer)
    qs = Interaction.objects.all()
    return qs if condition is None else qs.filter(condition)


def interaction_scope_condition(*, viewer, path: str = "") -> Q | None:
    """The interaction scope as a condition on the interaction at ``path`` (``"interaction__"`` from a row
    that points at one), or None when the viewer sees every interaction. A list of such rows filters on the
    join (the moments library): ``interaction IN (every interaction in scope)`` makes PostgreSQL read all
    of them first, a million for an administrator (docs/performance.md#list-pages)."""
    require(viewer, "interactions.view")
    if has_perm(viewer, "scope.all_teams"):
        return None
    led = led_team_ids(viewer)
    own = Q(**{f"{path}agent": viewer})
    return Q(**{f"{path}team__in": led}) | own if led else own


def interaction_get_for(*, viewer, uuid) -> Interaction:
    return get_object_or_404(interaction_scope(viewer=viewer).select_related("agent", "team"), uuid=uuid)


# Whether the viewer may see an evaluation of the interaction (evaluations' scope; plugged in by
# cxq/wiring.py, interactions never import evaluations).
sees_an_evaluation_of: Callable[[User, int], bool] | None = None


def recording_interaction_get_for(*, viewer, uuid) -> Interaction:
    """The interaction whose recordings the viewer may play (docs/interactions.md#recordings): one in their
    interaction scope, or one of an evaluation they may see — a calibration assessor's session call, a
    task outside the evaluator's teams — so the player on an evaluation page always plays."""
    require(viewer, "interactions.view")
    interaction = get_object_or_404(Interaction.objects.select_related("agent", "team"), uuid=uuid)
    if interaction_scope(viewer=viewer).filter(pk=interaction.pk).exists():
        return interaction
    if sees_an_evaluation_of is not None and sees_an_evaluation_of(viewer, interaction.pk):
        return interaction
    raise Http404("No interaction matches the given query.")


def indicator_lookup() -> dict[str, tuple[str, str]]:
    """Every indicator (active or not) by public id: its name and side, for scorecards' questions
    answered from indicators (docs/scoring.md#questions-answered-from-indicators)."""
    rows = PhraseSet.objects.filter(kind=PhraseKind.INDICATOR).values_list("uuid", "name", "side")
    return {str(uuid): (name, side) for uuid, name, side in rows}


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


def interaction_list(*, viewer, filters: InteractionFilter | None = None, **values) -> QuerySet[Interaction]:
    """The interactions the viewer may see, newest first, narrowed by ``filters`` (a validated
    ``InteractionFilter``) or, from code, by its filters' values as keywords (``channel="voice"``).
    A list never shows the transcript: its two biggest columns stay in the database."""
    if values:
        filters = InteractionFilter.of(values)
    if filters is not None:
        filters.viewer = viewer  # "evaluated by me"
    qs = interaction_scope(viewer=viewer).select_related("agent", "team").defer("transcript", "transcript_text")
    return lib_filters.apply(filters, qs).order_by("-started_at", "-id")


# --- Keyset pagination (cxq/lib/keyset.py, docs/interactions.md#paging) --------------------------------

LIST_KEY = "-started_at"  # newest first, then by id
Page = keyset.Page


def decode_cursor(cursor: str) -> keyset.Position | None:
    """The position a cursor of the list names, or None when it is not one the list could have made."""
    return keyset.decode(Interaction, LIST_KEY, cursor)


def page_at(qs: QuerySet[Interaction], cursor: str, size: int) -> Page:
    """One page of the list, newest first: the first, the one after a ``next`` cursor or the one before a
    ``previous`` cursor; with the cursors of the pages around it."""
    return keyset.page_at(qs, cursor, size, key=LIST_KEY)


def interaction_suggestions(*, viewer, text: str, limit: int = 10) -> list[Interaction]:
    """Interactions for a picker (docs/interactions.md#picking-an-interaction): the newest in the viewer's scope
    whose CXQ id, external id or customer reference is ``text``, or whose agent's name contains it."""
    text = " ".join(text.split())[:200]
    qs = (
        interaction_scope(viewer=viewer)
        .select_related("agent")
        .defer("transcript", "transcript_text", "hits", "metrics", "metadata")
        .order_by("-started_at", "-id")
    )
    if not text:
        return list(qs[:limit])
    condition = Q(external_id=text) | Q(customer_ref=text)
    with contextlib.suppress(ValueError):
        condition |= Q(uuid=uuid.UUID(text))
    agents = list(User.objects.filter(full_name__icontains=text).values_list("pk", flat=True)[:50])
    if agents:
        condition |= Q(agent_id__in=agents)
    return list(qs.filter(condition)[:limit])
