"""Comment notices: mentioned in a comment, a reply to one's comment."""

from __future__ import annotations

from cxq.accounts.models import User
from cxq.events import DomainEvent
from cxq.notifications.services import notify


def on_comment_created(event: DomainEvent) -> None:
    comment, by = event.subject, event.actor
    link = f"/interactions/{comment.interaction.uuid}/#comment-{comment.uuid}"
    mentioned = list(User.objects.filter(pk__in=event.data.get("mentions", ())).order_by("pk"))
    for user in mentioned:
        if user.pk != by.pk:
            notify(
                recipient=user,
                kind="comment.mention",
                title=f"{by.full_name} mentioned you in a comment",
                body=comment.body[:300],
                url=link,
            )
    parent = comment.parent
    if parent is not None and parent.author_id != by.pk and parent.author not in mentioned:
        notify(
            recipient=parent.author,
            kind="comment.reply",
            title=f"{by.full_name} replied to your comment",
            body=comment.body[:300],
            url=link,
        )
