"""Comments on interactions (docs/interactions.md#comments). Private comments exist only for viewers with
comments.private:
the selector never returns them to anyone else (page, API, export)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import user_scope
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Comment, Interaction
from cxq.interactions.selectors import interaction_scope

MAX_BODY = 5000


def can_see_private(user) -> bool:
    return has_perm(user, "comments.private")


def comment_list(*, viewer, interaction: Interaction) -> QuerySet[Comment]:
    """Top-level comments with their replies, oldest first, limited to what the viewer may read."""
    qs = Comment.objects.filter(interaction=interaction).select_related("author").prefetch_related("mentions")
    if not can_see_private(viewer):
        qs = qs.filter(visibility=Comment.Visibility.PUBLIC)
    replies = qs.filter(parent__isnull=False).order_by("created_at", "id")
    return (
        qs.filter(parent__isnull=True)
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def comment_get_for(*, viewer, uuid) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("interaction", "author"), uuid=uuid)
    # visible interaction and visible comment, else 404 (never reveal a private comment exists)
    if not interaction_scope(viewer=viewer).filter(pk=comment.interaction_id).exists():
        raise Http404("No such comment.")
    if comment.visibility == Comment.Visibility.PRIVATE and not can_see_private(viewer):
        raise Http404("No such comment.")
    return comment


def mention_candidates(*, interaction: Interaction, private: bool) -> list[User]:
    """People who can open this interaction (and, for a private comment, read private comments)."""
    people = []
    for user in User.objects.filter(is_active=True, role__isnull=False).select_related("role").order_by("full_name"):
        if not has_perm(user, "interactions.view"):
            continue
        if private and not can_see_private(user):
            continue
        if interaction_scope(viewer=user).filter(pk=interaction.pk).exists():
            people.append(user)
    return people


def _outsiders_message(*, author, outsiders: list[User]) -> str:
    """Name only the mentioned people the author may see anyway (``user_scope``); anyone else stays
    unnamed, so a user id from elsewhere never turns into a name."""
    visible = set(user_scope(viewer=author).filter(pk__in=[u.pk for u in outsiders]).values_list("pk", flat=True))
    named = [u.full_name for u in outsiders if u.pk in visible]
    unnamed = len(outsiders) - len(named)
    parts = [f"{', '.join(named)} cannot read this comment."] if named else []
    if unnamed and named:
        parts.append(f"Nor can {unnamed} other {'person' if unnamed == 1 else 'people'} you mentioned.")
    elif unnamed:
        who = "One of the people" if unnamed == 1 else f"{unnamed} of the people"
        parts.append(f"{who} you mentioned cannot read this comment.")
    return " ".join(parts)


def _clean(body: str, utterance_index, utterance_end_index, interaction: Interaction) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Keep it under {MAX_BODY} characters."})
    count = interaction.utterance_count
    for name, value in (("utterance_index", utterance_index), ("utterance_end_index", utterance_end_index)):
        if value is not None and not 0 <= value < max(count, 1):
            raise ValidationError({name: f"The transcript has utterances 0–{max(count - 1, 0)}."})
    if utterance_end_index is not None and (utterance_index is None or utterance_end_index < utterance_index):
        raise ValidationError({"utterance_end_index": "The range must end at or after where it starts."})
    return body


@transaction.atomic
def comment_create(
    *,
    by,
    interaction: Interaction,
    body: str,
    visibility: str = Comment.Visibility.PUBLIC,
    utterance_index: int | None = None,
    utterance_end_index: int | None = None,
    timestamp: float | None = None,
    parent: Comment | None = None,
    mentions: Iterable[User] = (),
) -> Comment:
    if not interaction_scope(viewer=by).filter(pk=interaction.pk).exists():
        raise PermissionDenied("You cannot see this interaction.")
    if visibility not in Comment.Visibility.values:
        raise ValidationError({"visibility": "Choose public or private."})
    if visibility == Comment.Visibility.PRIVATE and not can_see_private(by):
        raise PermissionDenied("Your role cannot write private comments.")
    if parent is not None:
        if parent.interaction_id != interaction.pk or parent.parent_id is not None:
            raise ValidationError({"parent": "Reply to a comment of this interaction."})
        if parent.visibility == Comment.Visibility.PRIVATE:
            visibility = Comment.Visibility.PRIVATE  # a reply never makes a private thread public
    if timestamp is not None and not 0 <= timestamp <= max(interaction.duration_seconds, 1) + 1:
        raise ValidationError({"timestamp": "The moment is outside the interaction."})
    body = _clean(body, utterance_index, utterance_end_index, interaction)
    mentions = list(mentions)
    allowed = {u.pk for u in mention_candidates(interaction=interaction, private=visibility == "private")}
    outsiders = [u for u in mentions if u.pk not in allowed]
    if outsiders:
        raise ValidationError({"mentions": _outsiders_message(author=by, outsiders=outsiders)})
    comment = Comment.objects.create(
        interaction=interaction,
        author=by,
        parent=parent,
        body=body,
        visibility=visibility,
        utterance_index=utterance_index,
        utterance_end_index=utterance_end_index,
        timestamp=timestamp,
    )
    comment.mentions.set(mentions)
    publish(Name.COMMENT_CREATED, subject=comment, actor=by, data={"mentions": [u.pk for u in mentions]})
    return comment


@transaction.atomic
def comment_update(*, by, comment: Comment, body: str) -> Comment:
    if comment.author_id != by.pk:
        raise PermissionDenied("You can only edit your own comments.")
    before = comment.body
    comment.body = _clean(body, comment.utterance_index, comment.utterance_end_index, comment.interaction)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    if comment.body != before:
        trail = AuditTrail(
            object_repr=f"comment on {comment.interaction}", before={"body": before}, after={"body": comment.body}
        )
        publish(Name.COMMENT_EDITED, subject=comment, actor=by, audit=trail)
    return comment


@transaction.atomic
def comment_delete(*, by, comment: Comment) -> None:
    if comment.author_id != by.pk:
        raise PermissionDenied("You can only delete your own comments.")
    trail = AuditTrail(
        object_repr=f"comment on {comment.interaction}", before={"body": comment.body, "visibility": comment.visibility}
    )
    publish(Name.COMMENT_DELETED, subject=comment, actor=by, audit=trail)
    comment.delete()
