"""Moment notices: a moment shared with you or with a team you are in (docs/moments.md#sharing)."""

from __future__ import annotations

from cxq.accounts.models import Team, User
from cxq.events import DomainEvent
from cxq.notifications.services import notify


def on_shared(event: DomainEvent) -> None:
    moment, by = event.subject, event.actor
    people = set(event.data.get("user_ids", ()))
    for team in Team.objects.filter(pk__in=event.data.get("team_ids", ())):
        people |= set(team.members.values_list("pk", flat=True)) | set(team.leads.values_list("pk", flat=True))
    people.discard(getattr(by, "pk", None))
    who = by.full_name if by is not None else "Someone"
    for user in User.objects.filter(pk__in=people, is_active=True).order_by("pk"):
        notify(
            recipient=user,
            kind="moment.shared",
            title=f"{who} shared a moment with you: {moment.title}"[:200],
            body=(moment.note or moment.excerpt_text)[:300],
            url=f"/moments/{moment.uuid}/",
        )
