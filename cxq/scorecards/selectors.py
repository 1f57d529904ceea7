"""Reads of scorecards. Scorecards are organisation-wide: anyone with ``scorecards.view`` sees them."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxq.accounts.permissions import has_perm, require
from cxq.scorecards.choices import ScorecardStatus
from cxq.scorecards.models import Scorecard, ScorecardVersion


def can_view_scorecards(user) -> bool:
    return has_perm(user, "scorecards.view")


def scorecard_list(*, viewer, status: str = "", search: str = "") -> QuerySet[Scorecard]:
    require(viewer, "scorecards.view")
    qs = (
        Scorecard.objects.select_related("current_version")
        .prefetch_related("teams")
        .annotate(version_count=Count("versions"))
    )
    if status in ScorecardStatus.values:
        qs = qs.filter(status=status)
    elif status == "active":
        qs = qs.exclude(status=ScorecardStatus.ARCHIVED)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return qs.order_by("name", "id")


def scorecard_get_for(*, viewer, uuid) -> Scorecard:
    require(viewer, "scorecards.view")
    return get_object_or_404(
        Scorecard.objects.select_related("current_version", "created_by").prefetch_related("teams"), uuid=uuid
    )


def version_list(*, scorecard: Scorecard) -> QuerySet[ScorecardVersion]:
    return scorecard.versions.select_related("created_by").order_by("-number")


def version_get(*, scorecard: Scorecard, number: int) -> ScorecardVersion:
    return get_object_or_404(ScorecardVersion, scorecard=scorecard, number=number)


def usable_scorecards() -> QuerySet[Scorecard]:
    """Scorecards that can be used to evaluate: published only (docs/scoring.md#scorecard-versions)."""
    return Scorecard.objects.filter(status=ScorecardStatus.PUBLISHED).select_related("current_version")


def pickable_scorecards() -> QuerySet[Scorecard]:
    """Scorecards a list can be filtered by: every one ever published (archived ones keep their evaluations)."""
    return Scorecard.objects.exclude(current_version__isnull=True).order_by("name", "id")


def band_range(scorecard: Scorecard, key: str) -> tuple[Decimal, Decimal | None] | None:
    """The scores (on the pass mark's scale: percent, or earned points in points mode) that fall in the
    scorecard's band ``key``: from its start, inclusive, to the next band's start, exclusive (None: no
    upper end). None when the scorecard has no such band (docs/scoring.md#score-bands)."""
    bands = scorecard.bands or []
    for i, band in enumerate(bands):
        if band.get("key") == key:
            high = bands[i + 1]["from"] if i + 1 < len(bands) else None
            return Decimal(str(band["from"])), None if high is None else Decimal(str(high))
    return None


def answer_label(question: dict, answer) -> str:
    """How an answer reads on a page: the option's label, "N/A", or "—" when there is none."""
    if answer in (None, ""):
        return "—"
    if answer == "na":
        return "N/A"
    for option in question["options"]:
        if option["key"] == str(answer):
            return option.get("label") or option["key"]
    return str(answer)


def applies_to(scorecard: Scorecard, interaction) -> bool:
    """Whether a scorecard applies to an interaction (docs/scoring.md#applicability): its channel is one of the
    scorecard's channels and its team one of its teams, an empty list meaning every channel or team. Needs
    ``teams`` prefetched to stay one query for a list."""
    if scorecard.channels and interaction.channel not in scorecard.channels:
        return False
    team_ids = {t.pk for t in scorecard.teams.all()}
    return not team_ids or interaction.team_id in team_ids


def scorecards_for(interaction) -> tuple[list[Scorecard], list[Scorecard]]:
    """The usable scorecards for an interaction, split into (applicable, the others), each by name.
    ``interaction`` is anything with ``channel`` and ``team_id`` (an Interaction)."""
    applicable, others = [], []
    for scorecard in usable_scorecards().prefetch_related("teams").order_by("name", "id"):
        (applicable if applies_to(scorecard, interaction) else others).append(scorecard)
    return applicable, others


def applicable_scorecards(interaction) -> list[Scorecard]:
    """The published scorecards that apply to an interaction (docs/scoring.md#applicability): what "Evaluate"
    offers first, and what goals and automations use to pick a scorecard."""
    return scorecards_for(interaction)[0]
