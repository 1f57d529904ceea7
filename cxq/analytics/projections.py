"""Analytics facts and rollups follow the domain events (in-transaction projections, cxq/wiring.py)."""

from __future__ import annotations

from cxq.analytics import services
from cxq.events import DomainEvent


def on_evaluation_changed(event: DomainEvent) -> None:
    """Completed, disputed, answered or voided: its facts appear, change or stop counting."""
    services.evaluation_changed(event.subject)


def on_evaluation_deleted(event: DomainEvent) -> None:
    services.evaluation_removed(event.data["evaluation_id"])


def on_team_deleted(event: DomainEvent) -> None:
    """Its evaluations now have no team: so do their figures."""
    services.team_removed(event.data["team_id"])


def on_time_zone_changed(event: DomainEvent) -> None:
    """The organisation's zone decides which day each evaluation counts on."""
    services.time_zone_changed(event.data["previous"])


def on_channel_changed(event: DomainEvent) -> None:
    """Facts are filed by channel: evaluations of re-ingested interactions that moved are refiled."""
    services.interactions_changed(event.data["interaction_ids"])
