"""Every write of moments (docs/moments.md): create and cut, share inside the organisation, external
links (made, opened, revoked) and each role's sharing policy. Each write publishes one event."""

from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxq.accounts.models import Role, Team, User
from cxq.accounts.permissions import require
from cxq.events import AuditTrail, Name, publish
from cxq.interactions.models import Interaction, Recording
from cxq.interactions.selectors import interaction_scope
from cxq.moments import clips, policies
from cxq.moments.filters import tag_clean
from cxq.moments.models import Moment, MomentShare, ShareLink, ShareLinkView, SharePolicy
from cxq.moments.selectors import token_digest

MAX_SECONDS = 15 * 60  # the longest moment
MAX_TAGS = 10
MIN_LINK_PASSWORD = 8


def _clean_range(interaction: Interaction, start, end) -> tuple[float, float]:
    try:
        start, end = round(float(start), 3), round(float(end), 3)
    except (TypeError, ValueError):
        raise ValidationError({"start": "The start and the end must be numbers of seconds."}) from None
    if not (0 <= start < 10**7):
        raise ValidationError({"start": "The start must be 0 seconds or later."})
    if not (end <= 10**7) or end <= start:
        raise ValidationError({"end": "The end must come after the start."})
    if end - start > MAX_SECONDS:
        raise ValidationError({"end": f"A moment lasts at most {MAX_SECONDS // 60} minutes."})
    length = max([interaction.duration_seconds or 0, *(u.end for u in interaction.utterances)])
    if length and start >= length:
        raise ValidationError({"start": f"The interaction lasts {length:.0f} seconds: the start is after its end."})
    return start, min(end, length) if length else end


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    clean = []
    for tag in tags or ():
        value = tag_clean(tag)
        if value and value not in clean:
            clean.append(value)
    if len(clean) > MAX_TAGS:
        raise ValidationError({"tags": f"At most {MAX_TAGS} tags."})
    return clean


def _clean_text(value, field: str, *, max_length: int, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if field == "title" else str(value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: "This text contains a NUL character."})
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"At most {max_length} characters."})
    return value


def excerpt_of(interaction: Interaction, start: float, end: float) -> list[list]:
    """The utterances that overlap the range, as the interaction stores them."""
    return [list(line) for line in interaction.transcript or () if line[2] > start and line[1] < end]


@transaction.atomic
def moment_create(*, by, interaction: Interaction, start, end, title: str, note: str = "", tags=()) -> Moment:
    """A moment of an interaction the creator may see; its clip is cut by the worker (docs/moments.md#clips)."""
    require(by, "moments.share")
    if not interaction_scope(viewer=by).filter(pk=interaction.pk).exists():
        raise PermissionDenied("You cannot see this interaction.")
    start, end = _clean_range(interaction, start, end)
    tag_list = _clean_tags(tags)
    excerpt = excerpt_of(interaction, start, end)
    recording = (
        interaction.recordings.filter(status=Recording.Status.READY).exclude(file="").order_by("-created_at").first()
    )
    moment = Moment.objects.create(
        interaction=interaction,
        recording=recording,
        title=_clean_text(title, "title", max_length=200, required=True),
        note=_clean_text(note, "note", max_length=5000),
        tags=tag_list,
        tags_index="|" + "|".join(tag_list) + "|" if tag_list else "",
        start_seconds=start,
        end_seconds=end,
        excerpt=excerpt,
        excerpt_text="\n".join(line[3] for line in excerpt),
        status=Moment.Status.PENDING if recording else Moment.Status.NO_MEDIA,
        created_by=by,
    )
    publish(
        Name.MOMENT_CREATED,
        subject=moment,
        actor=by,
        data={"interaction": str(interaction.uuid), "start": start, "end": end},
        audit=AuditTrail(after={"title": moment.title, "start": start, "end": end, "tags": tag_list}),
    )
    if recording:
        transaction.on_commit(lambda: _enqueue(moment.pk))
    return moment


def _enqueue(moment_id: int) -> None:
    from cxq.moments.tasks import cut_moment

    cut_moment(moment_id)


def moment_cut(*, moment_id: int) -> Moment:
    """Cut a pending moment's clip (idempotent: a ready, failed or media-less moment is left alone)."""
    moment = Moment.objects.select_related("recording").get(pk=moment_id)
    if moment.status != Moment.Status.PENDING:
        return moment
    recording = moment.recording
    if recording is None or not recording.file:
        moment.status, moment.error = Moment.Status.FAILED, "The recording is no longer available."
        moment.save(update_fields=["status", "error", "updated_at"])
        return moment
    with tempfile.TemporaryDirectory(prefix="cxq-clip-") as work:
        try:
            with recording.file.open("rb") as source:
                path = getattr(source, "name", None)
                if not path or not Path(path).exists():  # storage without local files: copy it out first
                    path = Path(work) / "source"
                    with open(path, "wb") as copy:
                        for chunk in source.chunks():
                            copy.write(chunk)
                clip = clips.cut(path, Path(work) / "clip", moment.start_seconds, moment.end_seconds)
        except (clips.ClipError, OSError) as exc:
            moment.status, moment.error = Moment.Status.FAILED, str(exc)[:2000]
            moment.save(update_fields=["status", "error", "updated_at"])
            return moment
        with open(clip.path, "rb") as handle:
            moment.clip.save(f"{moment.uuid}{clip.extension}", File(handle), save=False)
    moment.clip_content_type = clip.content_type
    moment.clip_size = moment.clip.size
    moment.clip_start = round(clip.start, 3)
    moment.clip_duration = round(clip.duration, 3)
    moment.clip_method = clip.method
    moment.status, moment.error = Moment.Status.READY, ""
    moment.save()
    return moment


@transaction.atomic
def moment_delete(*, by, moment: Moment) -> None:
    if not policies.may_delete(by, moment):
        raise PermissionDenied("Only its creator or an administrator can delete a moment.")
    name = moment.clip.name
    publish(
        Name.MOMENT_DELETED,
        subject=moment,
        actor=by,
        audit=AuditTrail(before={"title": moment.title, "interaction": str(moment.interaction.uuid)}),
    )
    moment.delete()
    if name:
        storage = Moment._meta.get_field("clip").storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def moment_share(*, by, moment: Moment, users=(), teams=()) -> list[MomentShare]:
    """Share with people and teams inside the organisation; they are notified (docs/moments.md#sharing).
    Someone already shared with is not shared with twice."""
    require(by, "moments.share")
    users = [u for u in users if u.is_active]
    if not users and not teams:
        raise ValidationError({"users": "Choose at least one person or team to share with."})
    made = []
    for user in users:
        share, created = MomentShare.objects.get_or_create(moment=moment, user=user, defaults={"shared_by": by})
        if created:
            made.append(share)
    for team in teams:
        share, created = MomentShare.objects.get_or_create(moment=moment, team=team, defaults={"shared_by": by})
        if created:
            made.append(share)
    if made:
        user_ids = [s.user_id for s in made if s.user_id]
        team_ids = [s.team_id for s in made if s.team_id]
        publish(
            Name.MOMENT_SHARED,
            subject=moment,
            actor=by,
            data={"user_ids": user_ids, "team_ids": team_ids},
            audit=AuditTrail(
                after={
                    "users": [u.email for u in User.objects.filter(pk__in=user_ids)],
                    "teams": [t.name for t in Team.objects.filter(pk__in=team_ids)],
                }
            ),
        )
    return made


# --- External links (docs/moments.md#external-links) ---------------------------------------------


@transaction.atomic
def link_create(*, by, moment: Moment, expires_in_days, password: str = "") -> tuple[ShareLink, str]:
    """A link for people outside the account; the raw token is returned once and only its digest kept.
    The creator's role policy decides whether it may be made, whether it needs a password and for
    how long at most."""
    policy = policies.policy_for(by)
    if not policy.allowed:
        raise PermissionDenied("Your role does not allow sharing moments outside the organisation.")
    if not interaction_scope(viewer=by).filter(pk=moment.interaction_id).exists():
        raise PermissionDenied("You can share externally only moments of interactions you can see.")
    try:
        days = int(expires_in_days)
    except (TypeError, ValueError):
        raise ValidationError({"expires_in_days": "Give the number of days the link works."}) from None
    if days < 1 or days > policy.max_expiry_days:
        raise ValidationError({"expires_in_days": f"Your role allows links of 1 to {policy.max_expiry_days} days."})
    password = str(password or "")
    if policy.password_required and not password:
        raise ValidationError({"password": "Your role requires a password on external links."})
    if password and len(password) < MIN_LINK_PASSWORD:
        raise ValidationError({"password": f"The password needs at least {MIN_LINK_PASSWORD} characters."})
    if len(password) > 128 or "\x00" in password:
        raise ValidationError({"password": "The password is too long or has a NUL character."})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = ShareLink.objects.create(
        moment=moment,
        digest=token_digest(token),
        password=make_password(password) if password else "",
        expires_at=now + timedelta(days=days),
        created_by=by,
    )
    publish(
        Name.MOMENT_SHARE_LINK_CREATED,
        subject=link,
        actor=by,
        data={"moment": str(moment.uuid), "expires_at": link.expires_at.isoformat()},
        audit=AuditTrail(
            after={"moment": moment.title, "expires_at": link.expires_at.isoformat(), "password": bool(password)}
        ),
    )
    return link, token


@transaction.atomic
def link_revoke(*, by, link: ShareLink) -> ShareLink:
    require(by, "moments.share")
    if link.created_by_id != getattr(by, "pk", None) and not policies.may_share_external(by):
        raise PermissionDenied("Only the link's creator or someone who may share externally can revoke it.")
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.revoked_by = by
    link.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    publish(
        Name.MOMENT_SHARE_LINK_REVOKED,
        subject=link,
        actor=by,
        data={"moment": str(link.moment.uuid)},
        audit=AuditTrail(after={"revoked_at": link.revoked_at.isoformat()}),
    )
    return link


class LinkLocked(Exception):
    """Too many wrong passwords: the link refuses every attempt from here (or from anywhere) for a while."""


def _attempt_keys(link: ShareLink, ip: str | None) -> tuple[str, str]:
    # by the link's digest, not its row id: a deleted link's count never falls on a new one
    key = f"cxq:sharelink:{link.digest[:32]}"
    return f"{key}:ip:{ip or '-'}", f"{key}:all"


def link_locked(link: ShareLink, ip: str | None) -> bool:
    by_ip, overall = _attempt_keys(link, ip)
    return (cache.get(by_ip) or 0) >= settings.CXQ_SHARE_LINK_ATTEMPTS or (
        cache.get(overall) or 0
    ) >= settings.CXQ_SHARE_LINK_ATTEMPTS_PER_LINK


def _count_failure(key: str) -> None:
    window = settings.CXQ_SHARE_LINK_LOCKOUT_MINUTES * 60
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


def link_check_password(*, link: ShareLink, password: str, ip: str | None) -> bool:
    """Whether ``password`` opens the link; raises LinkLocked once too many wrong ones came from this address
    (or from anywhere) within the lockout window. A locked link does not even check the password."""
    if link_locked(link, ip):
        raise LinkLocked
    if check_password(str(password or ""), link.password):
        return True
    for key in _attempt_keys(link, ip):
        _count_failure(key)
    if link_locked(link, ip):
        raise LinkLocked
    return False


def link_viewed(*, link: ShareLink, ip: str | None, user_agent: str) -> None:
    """Record one opening in the view log (not an event: a visitor outside the account is no actor)."""
    now = timezone.now()
    ShareLinkView.objects.create(link=link, ip=ip or None, user_agent=(user_agent or "")[:300])
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)


# --- The sharing policy per role (docs/moments.md#the-sharing-policy) -----------------------------


@transaction.atomic
def policy_update(*, by, role: Role, password_required: bool, max_expiry_days) -> SharePolicy:
    require(by, "settings.edit")
    try:
        days = int(max_expiry_days)
    except (TypeError, ValueError):
        raise ValidationError({"max_expiry_days": "Give a number of days."}) from None
    if not 1 <= days <= 365:
        raise ValidationError({"max_expiry_days": "Between 1 and 365 days."})
    policy, _ = SharePolicy.objects.get_or_create(role=role)
    before = {"password_required": policy.password_required, "max_expiry_days": policy.max_expiry_days}
    policy.password_required = bool(password_required)
    policy.max_expiry_days = days
    policy.save()
    after = {"password_required": policy.password_required, "max_expiry_days": policy.max_expiry_days}
    if after != before:
        publish(
            Name.MOMENT_POLICY_UPDATED,
            subject=policy,
            actor=by,
            data={"role": role.key},
            audit=AuditTrail(before=before, after=after, object_repr=f"Sharing policy of {role.name}"),
        )
    return policy
