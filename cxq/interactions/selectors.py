"""Reads of interactions, scoped by who is asking (docs/accounts.md#scope): everyone with scope.all_teams sees all;
leads see their teams' interactions; agents see only their own."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
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
from cxq.lib.inputs import moment_problem


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


# --- Keyset pagination ------------------------------------------------------------------------------


class Position(NamedTuple):
    started_at: datetime
    pk: int
    before: bool  # the page of newer rows before this one (a "previous" cursor)


class Page(NamedTuple):
    rows: list[Interaction]
    next: str | None  # the cursor of the older rows after this page
    previous: str | None  # the cursor of the newer rows before it


def encode_cursor(item: Interaction, *, before: bool = False) -> str:
    position = [item.started_at.isoformat(), item.pk, *(["before"] if before else [])]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position | None:
    """The position a cursor names, or None when it is not one :func:`encode_cursor` could have made
    (a crafted one may decode to a naive or far-off moment, which would overflow in the query)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        started, pk, *rest = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = Position(datetime.fromisoformat(started), int(pk), rest == ["before"])
    except (ValueError, TypeError, json.JSONDecodeError):
        return None
    if rest not in ([], ["before"]) or moment_problem(position.started_at) or not 0 < position.pk < 2**63:
        return None
    return position


def page_at(qs: QuerySet[Interaction], cursor: str, size: int) -> Page:
    """One page of a list ordered by (-started_at, -id): the first, the one after a ``next`` cursor or
    the one before a ``previous`` cursor; with the cursors of the pages around it."""
    position = decode_cursor(cursor) if cursor else None
    if position is None:
        rows = list(qs[: size + 1])
        return Page(rows[:size], encode_cursor(rows[size - 1]) if len(rows) > size else None, None)
    started, pk, before = position
    if before:
        # the newer rows, nearest first, then put back in the list's order
        newer = qs.filter(started_at__gte=started).exclude(started_at=started, id__lte=pk)
        rows = list(newer.order_by("started_at", "id")[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        if not rows:
            return Page([], None, None)
        return Page(rows, encode_cursor(rows[-1]), encode_cursor(rows[0], before=True) if more else None)
    # "at or before the cursor, minus the rows already shown at that instant": a plain range on the
    # (started_at, id) index; the equivalent OR form makes SQLite read and sort every older row.
    rows = list(qs.filter(started_at__lte=started).exclude(started_at=started, id__gte=pk)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        encode_cursor(rows[-1]) if more and rows else None,
        encode_cursor(rows[0], before=True) if rows else None,
    )


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
