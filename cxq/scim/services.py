"""Writes of SCIM provisioning (docs/scim.md): tokens, and the users and teams an identity provider
creates, replaces and deletes. People and teams are written by the accounts services (which publish
``user.*`` and ``team.*``, so each change is audited), acting as the token's service actor."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from scim2_models import UniquenessException

from cxq.accounts import services as accounts
from cxq.accounts.models import Role, Team, User
from cxq.accounts.permissions import ServiceActor
from cxq.events import AuditTrail, Name, publish
from cxq.scim.models import ScimGroup, ScimToken, ScimUser
from cxq.scim.policies import SCIM_CODES, can_manage_tokens

TOKEN_PREFIX = "cxqscim_"  # never "cxq_": a SCIM token is refused by the API at once, and vice versa

# --- Tokens -------------------------------------------------------------------------------------


@transaction.atomic
def scim_token_create(*, by: User, name: str, role: Role | None = None) -> tuple[ScimToken, str]:
    """A new SCIM token; returns the row and the raw token, which is never stored."""
    if not can_manage_tokens(by):
        raise PermissionDenied("Managing SCIM tokens needs the permissions to manage users and teams.")
    name = accounts.token_name_clean(name)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=accounts.token_digest(raw),
        role=role,
        created_by=by,
    )
    trail = AuditTrail(after={"name": name, "prefix": token.prefix, "role_for_new_people": _role_label(role)})
    publish(Name.SCIM_TOKEN_CREATED, subject=token, actor=by, audit=trail)
    return token, raw


def _role_label(role: Role | None) -> str:
    return role.name if role is not None else "(default role)"


@transaction.atomic
def scim_token_revoke(*, by: User, token: ScimToken) -> ScimToken:
    if not can_manage_tokens(by):
        raise PermissionDenied("Managing SCIM tokens needs the permissions to manage users and teams.")
    token = ScimToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        publish(Name.SCIM_TOKEN_REVOKED, subject=token, actor=by, audit=AuditTrail(after={"name": token.name}))
    return token


def scim_token_authenticate(raw: str, *, now: datetime | None = None) -> ScimToken | None:
    """The unrevoked SCIM token ``raw`` is, or None (a personal API token is never one)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or timezone.now()
    token = ScimToken.objects.select_related("role").filter(digest=accounts.token_digest(raw)).first()
    if token is None or token.revoked_at is not None:
        return None
    # Record use at most once a minute: a directory sync sends hundreds of requests.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def actor_for(token: ScimToken) -> ServiceActor:
    """Who the audit log and the notices name for what this token's client does."""
    return ServiceActor(label=f"Identity provider (SCIM token “{token.name}”)", permission_codes=SCIM_CODES)


# --- Users ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserData:
    """What a SCIM User resource says about a person, in CXQ's terms (cxq/scim/resources.py reads it).
    ``None`` leaves a value as it is."""

    email: str
    full_name: str | None = None
    active: bool | None = None
    time_zone: str | None = None
    external_id: str | None = None


def _link_set(*, by: ServiceActor, subject: User | Team, model, external_id=None, deleted_at=...) -> None:
    """Write the SCIM side of a user or team, publishing ``scim.link_updated`` when it changed."""
    field = "user" if isinstance(subject, User) else "team"
    link = model.objects.filter(**{field: subject}).first()
    before = {"external_id": link.external_id if link else ""}
    if field == "user":
        before["deleted"] = bool(link and link.deleted_at)
    after = dict(before)
    if external_id is not None:
        after["external_id"] = external_id
    if deleted_at is not ...:
        after["deleted"] = deleted_at is not None
    if after == before:
        return
    link = link or model(**{field: subject})
    link.external_id = after["external_id"]
    if deleted_at is not ...:
        link.deleted_at = deleted_at
    link.save()
    publish(Name.SCIM_LINK_UPDATED, subject=subject, actor=by, audit=AuditTrail(before=before, after=after))


def _duplicate_email(email: str, *, exclude: User | None = None) -> None:
    qs = User.objects.filter(email__iexact=email)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if qs.exists():
        raise UniquenessException(detail=f"userName {email!r} is already taken by another user.")


@transaction.atomic
def scim_user_create(*, token: ScimToken, data: UserData) -> User:
    """Create a person with the token's role (else the default one). A person deleted through SCIM
    earlier comes back as themselves (reactivated, history kept) rather than as a duplicate."""
    by = actor_for(token)
    previous = User.objects.filter(email__iexact=data.email, scim__deleted_at__isnull=False).first()
    if previous is not None:
        user = scim_user_replace(token=token, user=previous, data=data, undelete=True)
        return user
    _duplicate_email(data.email)
    user = accounts.user_create(
        by=by,
        email=data.email,
        full_name=data.full_name or data.email.split("@")[0],
        role=token.role,
        time_zone=data.time_zone or "",
    )
    if data.active is False:
        user = accounts.user_update(by=by, user=user, is_active=False)
    if data.external_id:
        _link_set(by=by, subject=user, model=ScimUser, external_id=data.external_id)
    return user


@transaction.atomic
def scim_user_replace(*, token: ScimToken, user: User, data: UserData, undelete: bool = False) -> User:
    """Apply a User resource to a person (PUT, and PATCH once patched): only what changed is written,
    so replaying the same request changes nothing and records nothing."""
    by = actor_for(token)
    _duplicate_email(data.email, exclude=user)
    active = data.active
    if undelete and active is None:
        active = True
    changes = {
        "email": data.email if data.email.lower() != user.email.lower() else None,
        "full_name": data.full_name if data.full_name and data.full_name != user.full_name else None,
        "is_active": active if active is not None and active != user.is_active else None,
        "time_zone": data.time_zone if data.time_zone is not None and data.time_zone != user.time_zone else None,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        user = accounts.user_update(by=by, user=user, **changes)
    _link_set(
        by=by,
        subject=user,
        model=ScimUser,
        external_id=data.external_id if data.external_id is not None else None,
        deleted_at=None if undelete else ...,
    )
    return user


@transaction.atomic
def scim_user_delete(*, token: ScimToken, user: User) -> None:
    """SCIM's DELETE of a person: deactivated, never removed (their evaluations and history stay), and
    unknown to SCIM from then on (docs/scim.md#deleting)."""
    by = actor_for(token)
    if user.is_active:
        accounts.user_update(by=by, user=user, is_active=False)
    _link_set(by=by, subject=user, model=ScimUser, deleted_at=timezone.now())


# --- Groups (teams) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupData:
    name: str
    members: tuple[User, ...] | None = None  # None: leave the members as they are
    external_id: str | None = None


def _duplicate_team(name: str, *, exclude: Team | None = None) -> None:
    qs = Team.objects.filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if qs.exists():
        raise UniquenessException(detail=f"displayName {name!r} is already the name of another team.")


@transaction.atomic
def scim_group_create(*, token: ScimToken, data: GroupData) -> Team:
    by = actor_for(token)
    _duplicate_team(data.name)
    team = accounts.team_create(by=by, name=data.name, members=data.members or ())
    if data.external_id:
        _link_set(by=by, subject=team, model=ScimGroup, external_id=data.external_id)
    return team


@transaction.atomic
def scim_group_replace(*, token: ScimToken, team: Team, data: GroupData) -> Team:
    """Apply a Group resource to a team: its name and its members. Leads are CXQ's own business."""
    by = actor_for(token)
    _duplicate_team(data.name, exclude=team)
    kwargs: dict = {}
    if data.name != team.name:
        kwargs["name"] = data.name
    if data.members is not None:
        # People deleted through SCIM are not in the group SCIM sees; they stay in the team.
        hidden = list(team.members.filter(scim__deleted_at__isnull=False))
        members = [*data.members, *hidden]
        if _ids(members) != set(team.members.values_list("pk", flat=True)):
            kwargs["members"] = members
    if kwargs:
        team = accounts.team_update(by=by, team=team, **kwargs)
    if data.external_id is not None:
        _link_set(by=by, subject=team, model=ScimGroup, external_id=data.external_id)
    return team


def _ids(users: Iterable[User]) -> set[int]:
    return {u.pk for u in users}


@transaction.atomic
def scim_group_delete(*, token: ScimToken, team: Team) -> None:
    accounts.team_delete(by=actor_for(token), team=team)
