"""Single sign-on writes: the provider settings, and signing a person in from a provider's answer
(docs/sso.md). The protocol itself is in ``provider.py``; this module decides who the person is."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cxq.accounts import services as account_services
from cxq.accounts.models import Role, Team, User
from cxq.accounts.permissions import DEFAULT_ROLE_KEY, require
from cxq.events import AuditTrail, Name, publish
from cxq.lib.inputs import check_text
from cxq.lib.snapshot import snapshot
from cxq.sso import provider
from cxq.sso.models import DEFAULT_SCOPES, GroupMapping, SsoIdentity, SsoSettings

SETTINGS_FIELDS = (
    "enabled",
    "provider_name",
    "discovery_url",
    "client_id",
    "scopes",
    "email_claim",
    "name_claim",
    "groups_claim",
    "jit_create",
    "password_login_disabled",
)
FLOW_SECONDS = 600  # a sign-in must come back from the provider within ten minutes
MAX_FLOWS = 5  # sign-ins started in other tabs of the same browser stay valid


def redirect_uri() -> str:
    return settings.CXQ_BASE_URL + reverse("sso:callback")


def post_logout_redirect_uri() -> str:
    return settings.CXQ_BASE_URL + reverse("accounts:login")


# --- Settings -----------------------------------------------------------------------------------


def _parse_lines(text: str, *, field: str) -> list[tuple[int, str, str]]:
    """``group: target`` lines as (line number, group, target); blank lines and ``#`` comments skipped."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group, sep, target = line.rpartition(":")
        group, target = group.strip(), target.strip()
        if not sep or not group or not target:
            raise ValidationError({field: f"Line {number}: write it as “group: target”."})
        rows.append((number, group, target))
    return rows


def role_mappings_parse(text: str) -> list[tuple[str, Role]]:
    """``group: role`` lines; the role by name or key, case-insensitively."""
    found = []
    for number, group, target in _parse_lines(text, field="role_mappings"):
        role = Role.objects.filter(Q(key__iexact=target) | Q(name__iexact=target)).first()
        if role is None:
            raise ValidationError({"role_mappings": f"Line {number}: there is no role named “{target}”."})
        found.append((group, role))
    return found


def team_mappings_parse(text: str) -> list[tuple[str, Team]]:
    found = []
    for number, group, target in _parse_lines(text, field="team_mappings"):
        team = Team.objects.filter(name__iexact=target).first()
        if team is None:
            raise ValidationError({"team_mappings": f"Line {number}: there is no team named “{target}”."})
        found.append((group, team))
    return found


def mappings_as_text(*, kind: str) -> str:
    rows = GroupMapping.objects.select_related("role", "team").filter(**{f"{kind}__isnull": False})
    return "\n".join(f"{m.group}: {getattr(m, kind).name}" for m in rows)


def _mapping_snapshot() -> dict:
    return {"role_mappings": mappings_as_text(kind="role"), "team_mappings": mappings_as_text(kind="team")}


def _clean_discovery_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(
            {"discovery_url": "Enter the provider's discovery URL (https://…/.well-known/openid-configuration)."}
        )
    return url


@transaction.atomic
def sso_settings_update(
    *,
    by: User,
    enabled: bool,
    provider_name: str,
    discovery_url: str,
    client_id: str,
    client_secret: str | None = None,
    scopes: str = "",
    email_claim: str = "email",
    name_claim: str = "name",
    groups_claim: str = "",
    jit_create: bool = False,
    password_login_disabled: bool = False,
    role_mappings: list[tuple[str, Role]] | None = None,
    team_mappings: list[tuple[str, Team]] | None = None,
) -> SsoSettings:
    """Save the provider settings (settings.edit). A discovery URL is fetched and checked before it is
    kept, so a typo is reported here rather than at the next sign-in. ``client_secret`` None keeps
    the stored one (the page never shows it)."""
    require(by, "settings.edit")
    SsoSettings.get()
    sso = SsoSettings.objects.select_for_update().get(pk=1)
    before = {**snapshot(sso, SETTINGS_FIELDS), **_mapping_snapshot()}
    for field, value in (("provider_name", provider_name), ("client_id", client_id), ("scopes", scopes)):
        check_text(value or "", field=field)
    for field, value in (("email_claim", email_claim), ("name_claim", name_claim), ("groups_claim", groups_claim)):
        check_text(value or "", field=field)
    discovery_url = (discovery_url or "").strip()
    scope_list = (scopes or "").split() or DEFAULT_SCOPES.split()
    if "openid" not in scope_list:
        raise ValidationError({"scopes": "Include the openid scope: without it there is no ID token."})
    if enabled and not discovery_url:
        raise ValidationError({"discovery_url": "Enter the provider's discovery URL to turn single sign-on on."})
    if enabled and not (client_id or "").strip():
        raise ValidationError({"client_id": "Enter the client id the provider gave CXQ."})
    if not (email_claim or "").strip():
        raise ValidationError({"email_claim": "Name the claim that carries the email address (usually email)."})
    metadata = sso.metadata
    # Checked when it changes or single sign-on is (kept) on; turning it off never needs the provider.
    if discovery_url and (enabled or discovery_url != sso.discovery_url or not metadata):
        discovery_url = _clean_discovery_url(discovery_url)
        try:
            metadata = provider.discover(discovery_url, fresh=True)
        except provider.ProviderError as exc:
            raise ValidationError({"discovery_url": f"The discovery URL was refused: {exc}"}) from None
    elif not discovery_url:
        metadata = {}
    sso.enabled = enabled
    sso.provider_name = (provider_name or "").strip()
    sso.discovery_url = discovery_url
    sso.client_id = (client_id or "").strip()
    secret_changed = client_secret is not None and client_secret.strip() != sso.client_secret
    if client_secret is not None and client_secret.strip():
        sso.client_secret = client_secret.strip()
    sso.scopes = " ".join(scope_list)
    sso.email_claim = email_claim.strip()
    sso.name_claim = (name_claim or "").strip()
    sso.groups_claim = (groups_claim or "").strip()
    sso.jit_create = jit_create
    sso.password_login_disabled = password_login_disabled
    sso.metadata = metadata
    sso.save()
    if role_mappings is not None or team_mappings is not None:
        _replace_mappings(role_mappings or [], team_mappings or [])
    after = {**snapshot(sso, SETTINGS_FIELDS), **_mapping_snapshot()}
    if secret_changed and client_secret and client_secret.strip():  # the secret itself is never recorded
        before["client_secret"], after["client_secret"] = "(previous)", "(changed)"
    if after != before:
        trail = AuditTrail(object_type="sso.ssosettings", object_id="sso", before=before, after=after)
        publish(Name.SSO_SETTINGS_UPDATED, subject=sso, actor=by, audit=trail)
    return sso


def _replace_mappings(roles: list[tuple[str, Role]], teams: list[tuple[str, Team]]) -> None:
    GroupMapping.objects.all().delete()
    rows = [GroupMapping(group=g, role=r, position=i) for i, (g, r) in enumerate(roles)]
    rows += [GroupMapping(group=g, team=t, position=i) for i, (g, t) in enumerate(teams)]
    GroupMapping.objects.bulk_create(rows)


# --- Signing in ---------------------------------------------------------------------------------


class SsoError(Exception):
    """A sign-in that cannot go on: shown to the person as a page with this status (never a 500)."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def login_begin(*, flows: dict, next_url: str) -> tuple[str, dict]:
    """The provider URL to send the browser to, and the session's pending sign-ins with this one
    added (its state, nonce and PKCE verifier are checked when the browser comes back)."""
    sso = SsoSettings.current()
    if not sso.is_ready:
        raise SsoError(404, "Single sign-on is off", "Single sign-on is not set up; log in with your password.")
    try:
        metadata = provider.discover(sso.discovery_url)
    except provider.ProviderError as exc:
        raise SsoError(502, "The sign-in provider cannot be reached", f"{sso.display_name}: {exc}") from None
    flow = provider.new_flow()
    url = provider.authorization_url(
        metadata=metadata, client_id=sso.client_id, redirect_uri=redirect_uri(), scopes=sso.scopes, flow=flow
    )
    now = int(time.time())
    pending = {s: f for s, f in (flows or {}).items() if now - f.get("started", 0) < FLOW_SECONDS}
    pending[flow["state"]] = {"nonce": flow["nonce"], "verifier": flow["verifier"], "next": next_url, "started": now}
    newest = sorted(pending.items(), key=lambda item: item[1]["started"])[-MAX_FLOWS:]
    return url, dict(newest)


@dataclass(frozen=True)
class SignedIn:
    user: User
    next_url: str
    session: dict  # kept in the CXQ session for the RP-initiated logout


def login_complete(*, flows: dict, params: dict) -> SignedIn:
    """Steps, each refused with a clear SsoError:

    1. the provider's error, if it sent one (the person cancelled, or is not allowed to use CXQ);
    2. the state must be one this browser's session started, less than ten minutes ago;
    3. the code is exchanged with the PKCE verifier, and the ID token's signature, issuer, audience,
       expiry and nonce are checked (``provider.verify_id_token``);
    4. the person is found or created, and their role and teams follow their groups (``sign_in``)."""
    sso = SsoSettings.current()
    if not sso.is_ready:
        raise SsoError(404, "Single sign-on is off", "Single sign-on is not set up; log in with your password.")
    state = params.get("state") or ""
    flow = (flows or {}).get(state)
    if params.get("error"):
        detail = params.get("error_description") or params["error"]
        raise SsoError(400, "Sign-in refused by the provider", f"{sso.display_name} did not sign you in: {detail}.")
    if flow is None or int(time.time()) - flow.get("started", 0) >= FLOW_SECONDS:
        raise SsoError(
            400,
            "Sign-in could not be verified",
            "This sign-in answer does not match a sign-in started in this browser in the last ten minutes "
            "(its state is unknown or expired). Nothing was changed; start the sign-in again.",
        )
    if not params.get("code"):
        raise SsoError(400, "Sign-in could not be verified", "The provider's answer carries no authorization code.")
    try:
        metadata = provider.discover(sso.discovery_url)
        if params.get("iss") and params["iss"] != metadata["issuer"]:  # RFC 9207: an answer from another provider
            raise provider.ProviderError(f"the answer comes from {params['iss']}, not from {metadata['issuer']}.")
        token = provider.exchange_code(
            metadata=metadata,
            client_id=sso.client_id,
            client_secret=sso.client_secret,
            redirect_uri=redirect_uri(),
            code=params["code"],
            verifier=flow["verifier"],
        )
        claims = provider.verify_id_token(metadata=metadata, client_id=sso.client_id, token=token, nonce=flow["nonce"])
        extra = provider.userinfo(metadata=metadata, access_token=token.get("access_token", ""))
    except provider.ProviderError as exc:
        message = str(exc)
        raise SsoError(400, "Sign-in could not be verified", message[:1].upper() + message[1:]) from None
    if extra and extra.get("sub") != claims["sub"]:
        raise SsoError(400, "Sign-in could not be verified", "The provider's user info is about another account.")
    user = sign_in(sso=sso, claims={**extra, **claims})
    session = {
        "id_token": token["id_token"],
        "end_session_endpoint": metadata.get("end_session_endpoint", ""),
        "client_id": sso.client_id,
    }
    return SignedIn(user=user, next_url=flow.get("next") or "", session=session)


def _claim_text(claims: dict, name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _groups(claims: dict, name: str) -> list[str] | None:
    """The groups claim as a list of names; None when the provider did not send it."""
    if not name or name not in claims:
        return None
    value = claims[name]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(g) for g in value if isinstance(g, str | int)]
    return None


def sign_in(*, sso: SsoSettings, claims: dict) -> User:
    """The person the verified claims are about (docs/sso.md#who-signs-in): matched by issuer and
    subject, else by email, else created when just-in-time creation is on. Refusals are audited and
    raise SsoError."""
    try:
        return _sign_in(sso=sso, claims=claims)
    except IntegrityError:  # the same person's first sign-in in two tabs at once: one of them wins
        raise SsoError(
            409, "Sign-in collided", "Another sign-in for this account happened at the same moment; sign in again."
        ) from None
    except _Refused as refusal:
        with transaction.atomic():
            trail = AuditTrail(
                object_type="sso.identity",
                object_id=refusal.subject[:64],
                object_repr=(refusal.email or refusal.subject)[:200],
                after={"reason": refusal.reason, "email": refusal.email, "issuer": refusal.issuer},
            )
            publish(Name.SSO_LOGIN_REFUSED, data={"reason": refusal.reason}, audit=trail)
        raise SsoError(403, refusal.title, refusal.message) from None


class _Refused(Exception):
    def __init__(self, *, reason: str, title: str, message: str, claims: dict, email: str):
        super().__init__(reason)
        self.reason, self.title, self.message, self.email = reason, title, message, email
        self.issuer, self.subject = str(claims.get("iss", "")), str(claims.get("sub", ""))


@transaction.atomic
def _sign_in(*, sso: SsoSettings, claims: dict) -> User:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    email = _claim_text(claims, sso.email_claim).lower()
    groups = _groups(claims, sso.groups_claim)
    identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    created, matched_by = False, "subject"
    if identity is not None:
        user = identity.user
    else:
        user, matched_by = _match_by_email(claims, email), "email"
        if user is None:
            if not sso.jit_create:
                raise _Refused(
                    reason="unknown_user",
                    title="No CXQ account",
                    message=f"There is no CXQ account for {email or 'this provider account'}, and accounts are not "
                    "created at first sign-in here. Ask an administrator to add you.",
                    claims=claims,
                    email=email,
                )
            user, created, matched_by = _create(sso=sso, claims=claims, email=email, groups=groups), True, "created"
        elif SsoIdentity.objects.filter(user=user, issuer=issuer).exists():
            raise _Refused(
                reason="linked_elsewhere",
                title="Account linked to another sign-in",
                message=f"The CXQ account {email} is already linked to another account at {sso.display_name}.",
                claims=claims,
                email=email,
            )
        identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    if not user.is_active:
        raise _Refused(
            reason="deactivated",
            title="Account deactivated",
            message="Your CXQ account is deactivated. Ask an administrator if this is a mistake.",
            claims=claims,
            email=email or user.email,
        )
    before = _access_snapshot(user)
    if groups is not None:
        _apply_groups(user, groups)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at", "updated_at"])
    after = _access_snapshot(user)
    data = {"matched_by": matched_by, "created": created, "issuer": issuer, "groups": groups}
    trail = AuditTrail(before=None if created else before, after={**after, "matched_by": matched_by})
    publish(Name.SSO_LOGIN, subject=user, actor=user, data=data, audit=trail)
    return user


def _match_by_email(claims: dict, email: str) -> User | None:
    """An email the provider says it has not verified never matches an existing account: anyone could
    otherwise register that address at the provider and take the account over."""
    if not email or claims.get("email_verified") is False:
        return None
    return User.objects.filter(email__iexact=email).first()


def _create(*, sso: SsoSettings, claims: dict, email: str, groups: list[str] | None) -> User:
    if not email:
        raise _Refused(
            reason="no_email",
            title="No email address",
            message=f"{sso.display_name} did not send an email address (claim “{sso.email_claim}”), which a new "
            "CXQ account needs. Ask an administrator.",
            claims=claims,
            email="",
        )
    if claims.get("email_verified") is False:
        raise _Refused(
            reason="email_unverified",
            title="Email address not verified",
            message=f"{sso.display_name} has not verified {email}; verify it there, then sign in again.",
            claims=claims,
            email=email,
        )
    name = _claim_text(claims, sso.name_claim) or email.split("@")[0]
    try:
        return account_services.user_create(by=None, email=email, full_name=name[:150], role=_role_for(groups or []))
    except ValidationError as exc:
        raise _Refused(
            reason="invalid_claims",
            title="Account could not be created",
            message="; ".join(exc.messages),
            claims=claims,
            email=email,
        ) from None


def _role_for(groups: list[str]) -> Role | None:
    """The first role mapping (in the order listed) whose group the person is in; else the default role."""
    for mapping in GroupMapping.objects.select_related("role").filter(role__isnull=False):
        if mapping.group in groups:
            return mapping.role
    return Role.objects.filter(key=DEFAULT_ROLE_KEY).first()


def _apply_groups(user: User, groups: list[str]) -> None:
    """The rule of docs/sso.md#roles-and-teams-from-groups: with role mappings, the first matching row
    (else the default role) is the person's role — except that the last active admin keeps the role;
    each team named in a team mapping has the person as member exactly when one of its groups matches.
    Teams no mapping names are left alone."""
    if GroupMapping.objects.filter(role__isnull=False).exists():
        role = _role_for(groups)
        if role is not None and role.pk != user.role_id and not _is_last_admin(user):
            user.role = role
            user.save(update_fields=["role", "updated_at"])
            user.__dict__.pop("permission_codes", None)
    managed: dict[int, bool] = {}
    for mapping in GroupMapping.objects.filter(team__isnull=False):
        managed[mapping.team_id] = managed.get(mapping.team_id, False) or mapping.group in groups
    current = set(user.teams.filter(pk__in=managed).values_list("pk", flat=True))
    join = [pk for pk, member in managed.items() if member and pk not in current]
    leave = [pk for pk, member in managed.items() if not member and pk in current]
    if join:
        user.teams.add(*join)
    if leave:
        user.teams.remove(*leave)


def _is_last_admin(user: User) -> bool:
    if user.role_id is None or user.role.key != "admin":
        return False
    return not User.objects.filter(is_active=True, role__key="admin").exclude(pk=user.pk).exists()


def _access_snapshot(user: User) -> dict:
    return {
        "role": user.role.name if user.role_id else None,
        "member_of": sorted(user.teams.values_list("name", flat=True)),
    }


# --- Hooks into accounts (plugged in by cxq/wiring.py) --------------------------------------------


def password_refusal(user: User) -> str | None:
    """Why this person may not use a password, or None (docs/sso.md#password-login)."""
    if user is None or not getattr(user, "pk", None):
        return None
    sso = SsoSettings.current()
    if not (sso.enabled and sso.password_login_disabled):
        return None
    if not SsoIdentity.objects.filter(user=user).exists():
        return None
    name = sso.display_name
    return f"Your organisation signs you in with {name}: use “Sign in with {name}” instead of a password."


def logout_redirect(session) -> str | None:
    """Where to send the browser after CXQ's own logout: the provider's end_session_endpoint when it
    has one, so the provider's session ends too (RP-initiated logout)."""
    data = session.get(SESSION_KEY) or {}
    endpoint = data.get("end_session_endpoint")
    if not endpoint:
        return None
    return provider.logout_url(
        end_session_endpoint=endpoint,
        id_token=data.get("id_token", ""),
        client_id=data.get("client_id", ""),
        post_logout_redirect_uri=post_logout_redirect_uri(),
    )


SESSION_KEY = "sso"
FLOWS_KEY = "sso_flows"
