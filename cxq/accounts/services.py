"""Writes for users, roles, teams, org settings and API tokens. Each one is atomic, checks the
actor's permission, validates, records an audit event and queues notifications on commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cxq.accounts.models import ApiToken, OrgSettings, Role, Team, User
from cxq.accounts.permissions import (
    BUILTIN_ROLES,
    DEFAULT_ROLE_KEY,
    PERMISSION_CODES,
    ServiceActor,
    UnknownPermission,
    require,
    validate_codes,
)
from cxq.events import AuditTrail, Name, publish
from cxq.lib.inputs import text_problem
from cxq.lib.snapshot import snapshot
from cxq.lib.text import count
from cxq.lib.timezones import is_valid_time_zone
from cxq.lib.urls import absolute_url

USER_FIELDS = ("email", "full_name", "role", "time_zone", "external_id", "is_active")
TEAM_FIELDS = ("name", "description")
ROLE_FIELDS = ("name", "description", "permissions")


def password_login_refusal(user: User) -> str | None:
    """Why this person may not use a password (login, change or reset), or None. A higher app (single
    sign-on, docs/sso.md#password-login) plugs its answer in here at start-up (cxq/wiring.py)."""
    return None


SETTINGS_FIELDS = (
    "name",
    "default_time_zone",
    "acknowledgement_required",
    "acknowledgement_days",
    "automated_evaluations_count",
    "unknown_agents",
    "silence_seconds",
    "crosstalk_seconds",
    "dispute_window_days",
    "max_disputes",
    "dispute_response_days",
    "screen_recording_enabled",
    "recording_retention_days",
    "screen_retention_days",
)
# The range each whole-number setting may take, and what the refusal says (docs/evaluations.md#disputes).
SETTINGS_RANGES = {
    "acknowledgement_days": (1, 365, "Choose between 1 and 365 days."),
    "dispute_window_days": (1, 365, "Choose between 1 and 365 days."),
    "max_disputes": (1, 10, "Choose between 1 and 10 disputes."),
    "dispute_response_days": (1, 90, "Choose between 1 and 90 days."),
}
# Media retention: 1 day to 7 years, or empty to keep (docs/screen-recordings.md#retention)
RETENTION_MAX_DAYS = 2557
_KEEP = object()  # an argument not given (None means "keep media until deleted by hand")


# --- Users --------------------------------------------------------------------------------------


def _clean_email(email: str, *, exclude_pk: int | None = None) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."})
    if User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists():
        raise ValidationError({"email": "A user with this email already exists."})
    return email


def _clean_time_zone(value: str, field: str = "time_zone", *, allow_blank: bool = True) -> str:
    value = (value or "").strip()
    if value == "" and allow_blank:
        return ""
    if not is_valid_time_zone(value):
        raise ValidationError({field: f"Unknown time zone {value!r}."})
    return value


def _user_teams_snapshot(user: User) -> dict:
    return {
        "member_of": sorted(user.teams.values_list("name", flat=True)),
        "leads": sorted(user.led_teams.values_list("name", flat=True)),
    }


def _active_admins_excluding(user: User) -> int:
    return User.objects.filter(is_active=True, role__key="admin").exclude(pk=user.pk).count()


@transaction.atomic
def user_create(
    *,
    by: User | ServiceActor | None,
    email: str,
    full_name: str,
    role: Role | None = None,
    time_zone: str = "",
    password: str | None = None,
    external_id: str | None = None,
    member_of: Iterable[Team] = (),
    leads: Iterable[Team] = (),
) -> User:
    """Create a user. ``by`` None means the system (commands); otherwise it needs users.manage.

    A user created without a password cannot log in (agents known only from integrations)."""
    if by is not None:
        require(by, "users.manage")
    email = _clean_email(email)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": "Enter the person's name."})
    if role is None:
        role = Role.objects.filter(key=DEFAULT_ROLE_KEY).first()
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        time_zone=_clean_time_zone(time_zone),
        external_id=(external_id or "").strip() or None,
    )
    if external_id and User.objects.filter(external_id=user.external_id).exists():
        raise ValidationError({"external_id": "Another user already has this external id."})
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages})
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.teams.set(member_of)
    user.led_teams.set(leads)
    publish(
        Name.USER_CREATED,
        subject=user,
        actor=by,
        data={"can_log_in": user.has_usable_password()},
        audit=AuditTrail(after={**snapshot(user, USER_FIELDS), **_user_teams_snapshot(user)}),
    )
    return user


@transaction.atomic
def user_update(
    *,
    by: User | ServiceActor,
    user: User,
    email: str | None = None,
    full_name: str | None = None,
    role: Role | None | type[Ellipsis] = ...,
    time_zone: str | None = None,
    external_id: str | None | type[Ellipsis] = ...,
    is_active: bool | None = None,
    member_of: Iterable[Team] | None = None,
    leads: Iterable[Team] | None = None,
) -> User:
    """Change a user's details, role, status or teams (users.manage). Refuses changes that would
    leave the organisation without an active admin."""
    require(by, "users.manage")
    user = User.objects.select_for_update(of=("self",)).select_related("role").get(pk=user.pk)
    before = {**snapshot(user, USER_FIELDS), **_user_teams_snapshot(user)}
    old_role = user.role
    if email is not None:
        user.email = _clean_email(email, exclude_pk=user.pk)
    if full_name is not None:
        if not full_name.strip():
            raise ValidationError({"full_name": "Enter the person's name."})
        user.full_name = full_name.strip()
    if role is not ...:
        user.role = role
    if time_zone is not None:
        user.time_zone = _clean_time_zone(time_zone)
    if external_id is not ...:
        ext = (external_id or "").strip() or None
        if ext and User.objects.filter(external_id=ext).exclude(pk=user.pk).exists():
            raise ValidationError({"external_id": "Another user already has this external id."})
        user.external_id = ext
    if is_active is not None:
        user.is_active = is_active
    was_admin = old_role is not None and old_role.key == "admin"
    still_admin = user.is_active and user.role is not None and user.role.key == "admin"
    if was_admin and not still_admin and _active_admins_excluding(user) == 0:
        raise ValidationError({"role": "This is the last active admin; make someone else admin first."})
    user.save()
    if member_of is not None:
        user.teams.set(member_of)
    if leads is not None:
        user.led_teams.set(leads)
    user.__dict__.pop("permission_codes", None)
    after = {**snapshot(user, USER_FIELDS), **_user_teams_snapshot(user)}
    if after != before:
        publish(
            Name.USER_UPDATED,
            subject=user,
            actor=by,
            data={
                "role_from": old_role.name if old_role else None,
                "role_to": user.role.name if old_role != user.role and user.role is not None else None,
                "teams_joined": sorted(set(after["member_of"]) - set(before["member_of"])),
            },
            audit=AuditTrail(before=before, after=after),
        )
    return user


@transaction.atomic
def user_set_password(*, by: User, user: User, password: str, current_password: str | None = None) -> None:
    """Set a password: an admin resetting someone's (users.manage) or a user changing their own.

    Changing one's own password needs the current one, whatever the way in (page, API, the admin's
    user page): a borrowed session or a leaked API token must not be enough to take the account over.
    Every session opened before the change stops working, because Django ties a session to the
    password hash; the caller keeps its own with ``update_session_auth_hash``. API tokens are left
    alone: the mail sends the person to the tokens page to decide which to revoke."""
    own = by.pk == user.pk
    refusal = password_login_refusal(user)
    if refusal is not None:
        raise ValidationError({"password": refusal if own else f"{user} signs in through single sign-on: {refusal}"})
    if own:
        if not current_password:
            raise ValidationError({"current_password": "Enter your current password."})
        if not user.check_password(current_password):
            raise ValidationError({"current_password": "Your current password is not correct."})
    else:
        require(by, "users.manage")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages})
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    now = timezone.now()
    tokens_kept = user.api_tokens.filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()
    publish(
        Name.USER_PASSWORD_CHANGED if own else Name.USER_PASSWORD_RESET,
        subject=user,
        actor=by,
        data={"at": now.isoformat()},
        audit=AuditTrail(
            after={"password": "(changed)", "other_sessions": "signed out", "api_tokens_kept": tokens_kept}
        ),
    )


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    """A user's own profile: name and time zone."""
    before = snapshot(user, ("full_name", "time_zone"))
    if not (full_name or "").strip():
        raise ValidationError({"full_name": "Enter your name."})
    user.full_name = full_name.strip()
    user.time_zone = _clean_time_zone(time_zone)
    user.save(update_fields=["full_name", "time_zone", "updated_at"])
    after = snapshot(user, ("full_name", "time_zone"))
    if after != before:
        publish(Name.USER_PROFILE_UPDATED, subject=user, actor=user, audit=AuditTrail(before=before, after=after))
    return user


# --- Roles --------------------------------------------------------------------------------------


def _clean_role_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the role a name."})
    if Role.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"A role named {name!r} already exists."})
    return name


def _clean_permissions(codes: Iterable[str]) -> list[str]:
    try:
        return validate_codes(codes)
    except UnknownPermission as exc:
        raise ValidationError({"permissions": str(exc)})


def _unique_role_key(name: str) -> str:
    from django.utils.text import slugify

    base = slugify(name)[:40] or "role"
    key, n = base, 2
    while Role.objects.filter(key=key).exists():
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def role_create(*, by: User, name: str, description: str = "", permissions: Iterable[str] = ()) -> Role:
    require(by, "roles.manage")
    name = _clean_role_name(name)
    role = Role.objects.create(
        key=_unique_role_key(name),
        name=name,
        description=(description or "").strip(),
        permissions=_clean_permissions(permissions),
    )
    publish(Name.ROLE_CREATED, subject=role, actor=by, audit=AuditTrail(after=snapshot(role, ROLE_FIELDS)))
    return role


@transaction.atomic
def role_update(
    *,
    by: User,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: Iterable[str] | None = None,
) -> Role:
    """Edit a role. Built-in roles keep their names, and Admin keeps every permission (so the
    organisation can never lock itself out)."""
    require(by, "roles.manage")
    role = Role.objects.select_for_update().get(pk=role.pk)
    before = snapshot(role, ROLE_FIELDS)
    if name is not None and name.strip() != role.name:
        if role.is_builtin:
            raise ValidationError({"name": "Built-in roles cannot be renamed."})
        role.name = _clean_role_name(name, exclude_pk=role.pk)
    if description is not None:
        role.description = description.strip()
    if permissions is not None:
        codes = _clean_permissions(permissions)
        if role.key == "admin" and set(codes) != PERMISSION_CODES:
            raise ValidationError({"permissions": "The Admin role always has every permission."})
        role.permissions = codes
    role.save()
    after = snapshot(role, ROLE_FIELDS)
    if after != before:
        publish(Name.ROLE_UPDATED, subject=role, actor=by, audit=AuditTrail(before=before, after=after))
    return role


@transaction.atomic
def role_duplicate(*, by: User, role: Role, name: str = "") -> Role:
    """A new custom role with the same permissions (docs/accounts.md#roles-and-permissions)."""
    require(by, "roles.manage")
    name = (name or "").strip() or _free_copy_name(role.name)
    return role_create(by=by, name=name, description=role.description, permissions=role.permissions)


def _free_copy_name(name: str) -> str:
    candidate, n = f"{name} (copy)", 2
    while Role.objects.filter(name__iexact=candidate).exists():
        candidate, n = f"{name} (copy {n})", n + 1
    return candidate


@transaction.atomic
def role_delete(*, by: User, role: Role) -> None:
    require(by, "roles.manage")
    if role.is_builtin:
        raise ValidationError({"role": "Built-in roles cannot be deleted."})
    in_use = User.objects.filter(role=role).count()
    if in_use:
        raise ValidationError(
            {
                "role": f"{count(in_use, 'person', 'people')} still {'has' if in_use == 1 else 'have'} this role; "
                "give them another role first."
            }
        )
    before = snapshot(role, ROLE_FIELDS)
    publish(Name.ROLE_DELETED, subject=role, actor=by, audit=AuditTrail(before=before))
    role.delete()


def roles_ensure_builtin() -> list[Role]:
    """Create missing built-in roles (idempotent). Existing ones keep their edited permissions,
    except Admin, which always has every permission."""
    roles = []
    for spec in BUILTIN_ROLES:
        role, created = Role.objects.get_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "is_builtin": True,
                "permissions": sorted(spec.permissions),
            },
        )
        if spec.key == "admin" and set(role.permissions) != PERMISSION_CODES:
            role.permissions = sorted(PERMISSION_CODES)
            role.save(update_fields=["permissions", "updated_at"])
        roles.append(role)
    return roles


# --- Teams --------------------------------------------------------------------------------------


def _clean_team_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if Team.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"A team named {name!r} already exists."})
    return name


def _team_snapshot(team: Team) -> dict:
    return {
        **snapshot(team, TEAM_FIELDS),
        "members": sorted(team.members.values_list("email", flat=True)),
        "leads": sorted(team.leads.values_list("email", flat=True)),
    }


@transaction.atomic
def team_create(
    *,
    by: User | ServiceActor | None,
    name: str,
    description: str = "",
    members: Iterable[User] = (),
    leads: Iterable[User] = (),
) -> Team:
    if by is not None:
        require(by, "teams.manage")
    team = Team.objects.create(name=_clean_team_name(name), description=(description or "").strip())
    team.members.set(members)
    team.leads.set(leads)
    publish(
        Name.TEAM_CREATED,
        subject=team,
        actor=by,
        data={"joined": [u.pk for u in members]},
        audit=AuditTrail(after=_team_snapshot(team)),
    )
    return team


@transaction.atomic
def team_update(
    *,
    by: User | ServiceActor,
    team: Team,
    name: str | None = None,
    description: str | None = None,
    members: Iterable[User] | None = None,
    leads: Iterable[User] | None = None,
) -> Team:
    require(by, "teams.manage")
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = _team_snapshot(team)
    if name is not None:
        team.name = _clean_team_name(name, exclude_pk=team.pk)
    if description is not None:
        team.description = description.strip()
    team.save()
    old_members = set(team.members.values_list("pk", flat=True))
    joined: list[int] = []
    if members is not None:
        members = list(members)
        team.members.set(members)
        joined = [u.pk for u in members if u.pk not in old_members]
    if leads is not None:
        team.leads.set(leads)
    after = _team_snapshot(team)
    if after != before:
        publish(
            Name.TEAM_UPDATED,
            subject=team,
            actor=by,
            data={"joined": joined},
            audit=AuditTrail(before=before, after=after),
        )
    return team


@transaction.atomic
def team_delete(*, by: User | ServiceActor, team: Team) -> None:
    require(by, "teams.manage")
    team_id, trail = team.pk, AuditTrail(before=_team_snapshot(team))
    publish(Name.TEAM_DELETED, subject=team, actor=by, data={"team_id": team_id}, audit=trail)
    team.delete()


# --- Organisation settings ----------------------------------------------------------------------


@transaction.atomic
def org_settings_update(
    *,
    by: User,
    name: str | None = None,
    default_time_zone: str | None = None,
    acknowledgement_required: bool | None = None,
    acknowledgement_days: int | None = None,
    automated_evaluations_count: bool | None = None,
    unknown_agents: str | None = None,
    silence_seconds: float | None = None,
    crosstalk_seconds: float | None = None,
    dispute_window_days: int | None = None,
    max_disputes: int | None = None,
    dispute_response_days: int | None = None,
    webhook_secret: str | None = None,
    screen_recording_enabled: bool | None = None,
    recording_retention_days: int | None | object = _KEEP,
    screen_retention_days: int | None | object = _KEEP,
) -> OrgSettings:
    require(by, "settings.edit")
    OrgSettings.get()
    org = OrgSettings.objects.select_for_update().get(pk=1)
    before = snapshot(org, SETTINGS_FIELDS)
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": "Give the organisation a name."})
        org.name = name.strip()
    if default_time_zone is not None:
        org.default_time_zone = _clean_time_zone(default_time_zone, "default_time_zone", allow_blank=False)
    if acknowledgement_required is not None:
        org.acknowledgement_required = acknowledgement_required
    whole = {
        "acknowledgement_days": acknowledgement_days,
        "dispute_window_days": dispute_window_days,
        "max_disputes": max_disputes,
        "dispute_response_days": dispute_response_days,
    }
    for field, value in whole.items():
        if value is not None:
            low, high, message = SETTINGS_RANGES[field]
            if not low <= int(value) <= high:
                raise ValidationError({field: message})
            setattr(org, field, int(value))
    if automated_evaluations_count is not None:
        org.automated_evaluations_count = bool(automated_evaluations_count)
    if unknown_agents is not None:
        if unknown_agents not in ("create", "reject"):
            raise ValidationError({"unknown_agents": "Choose create or reject."})
        org.unknown_agents = unknown_agents
    for field, value in (("silence_seconds", silence_seconds), ("crosstalk_seconds", crosstalk_seconds)):
        if value is not None:
            if not 0.1 <= float(value) <= 60:
                raise ValidationError({field: "Choose between 0.1 and 60 seconds."})
            setattr(org, field, round(float(value), 1))
    if screen_recording_enabled is not None:
        org.screen_recording_enabled = bool(screen_recording_enabled)
    for field, value in (
        ("recording_retention_days", recording_retention_days),
        ("screen_retention_days", screen_retention_days),
    ):
        if value is _KEEP:
            continue
        if value is not None and (isinstance(value, bool) or not 1 <= int(value) <= RETENTION_MAX_DAYS):
            raise ValidationError({field: f"Choose between 1 and {RETENTION_MAX_DAYS} days (7 years), or none."})
        setattr(org, field, None if value is None else int(value))
    secret_changed = webhook_secret is not None and webhook_secret != org.webhook_secret
    if webhook_secret is not None:
        org.webhook_secret = webhook_secret.strip()
    org.save()
    after = snapshot(org, SETTINGS_FIELDS)
    if secret_changed:  # the secret itself never goes into the audit log
        before["webhook_secret"], after["webhook_secret"] = "(previous)", "(changed)"
    if after != before:
        publish(
            Name.SETTINGS_UPDATED, subject=org, actor=by, audit=AuditTrail(object_id="org", before=before, after=after)
        )
    if after["default_time_zone"] != before["default_time_zone"]:
        publish(Name.ORG_TIME_ZONE_CHANGED, subject=org, actor=by, data={"previous": before["default_time_zone"]})
    return org


# --- API tokens ---------------------------------------------------------------------------------

TOKEN_PREFIX = "cxq_"
TOKEN_NAME_MAX = ApiToken._meta.get_field("name").max_length


def token_name_clean(name: str) -> str:
    """A token's name, trimmed, on one line: it is shown in lists and goes into the subject of the
    security mail that tells the owner a token was created. The form and the API schema call this too."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it (e.g. 'nightly import')."})
    if text_problem(name):
        raise ValidationError({"name": "Keep the name on one line, without tabs or other control characters."})
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError({"name": f"Keep the name to {TOKEN_NAME_MAX} characters or fewer."})
    return name


def token_digest(raw: str) -> str:
    """What is stored of a token (personal API tokens, SCIM tokens): its SHA-256, hex.

    Tokens are 256-bit random secrets, so a fast hash is safe here (no dictionary to attack)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal token; returns the row and the raw token, which is never stored."""
    name = token_name_clean(name)
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationError({"expires_in_days": "Choose between 1 and 3650 days, or no expiry."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(raw),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    trail = AuditTrail(after={"name": name, "prefix": token.prefix})
    publish(Name.API_TOKEN_CREATED, subject=token, actor=user, audit=trail)
    return token, raw


@transaction.atomic
def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    if token.user_id != by.pk:
        require(by, "users.manage")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        publish(Name.API_TOKEN_REVOKED, subject=token, actor=by, audit=AuditTrail(after={"name": token.name}))
    return token


def api_token_authenticate(raw: str, *, now: datetime | None = None) -> User | None:
    """The user a raw token belongs to, if the token is valid, unrevoked and unexpired."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user", "user__role").filter(digest=token_digest(raw)).first()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    # Record use at most once a minute: keeps reads cheap under script load.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Forgotten passwords (docs/passwords-and-tokens.md#forgotten-passwords) -------------------------------


class TooManyResetRequests(Exception):
    """The address asking has asked too often: answered with a 429 and nothing is sent."""


def _reset_limited(key: str, limit: int) -> bool:
    """Count one request against ``key`` in the cache (shared by every process with Redis); True when it
    is over ``limit`` within the window. The window starts at the first request and is not extended."""
    window = settings.CXQ_PASSWORD_RESET_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return limit < 1


def password_reset_request(*, email: str, ip: str | None) -> bool:
    """Someone asks for a reset link for ``email`` (docs/passwords-and-tokens.md#forgotten-passwords).

    The caller answers the same whatever happens here, so nobody learns whether the address has an
    account. Too many requests from one address (``ip``) raise ``TooManyResetRequests``; too many for one
    email are silently not sent (the count is kept whether the account exists or not). A link goes only
    to an active person who may use a password. Returns whether a mail was queued (for tests and logs)."""
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    if ip and _reset_limited(f"cxq:pwreset:ip:{ip}", settings.CXQ_PASSWORD_RESET_PER_IP):
        raise TooManyResetRequests
    if _reset_limited(f"cxq:pwreset:email:{digest}", settings.CXQ_PASSWORD_RESET_PER_EMAIL):
        return False
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).select_related("role").first()
    if user is None or not user.has_usable_password() or password_login_refusal(user) is not None:
        return False
    with transaction.atomic():
        publish(
            Name.USER_PASSWORD_RESET_REQUESTED,
            subject=user,
            actor=None,
            audit=AuditTrail(after={"reset_link": "sent by email"}),
        )
    return True


def password_reset_link(user: User) -> str:
    """The single-use, time-limited link (Django's token: it stops working once the password or the last
    login changes, or after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


@transaction.atomic
def password_reset_complete(*, user: User, token: str, password: str) -> None:
    """Set a new password from a reset link: the token must still be valid (it is then spent, because the
    password hash it was made from changes), the password passes the validators, and every session of
    the person ends (sessions are tied to the password hash). The person then logs in with it."""
    if not user.is_active or not default_token_generator.check_token(user, token):
        raise ValidationError({"token": "This reset link is no longer valid; ask for a new one."})
    refusal = password_login_refusal(user)
    if refusal is not None:
        raise ValidationError({"password": refusal})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages})
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    now = timezone.now()
    tokens_kept = user.api_tokens.filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()
    publish(
        Name.USER_PASSWORD_RECOVERED,
        subject=user,
        actor=user,
        data={"at": now.isoformat()},
        audit=AuditTrail(
            after={
                "password": "(reset by email link)",
                "other_sessions": "signed out",
                "api_tokens_kept": tokens_kept,
            }
        ),
    )
