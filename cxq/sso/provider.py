"""The relying party's side of OpenID Connect (docs/sso.md#the-sign-in): discovery, the authorization
request with PKCE, the code exchange, ID token verification and RP-initiated logout.

Authlib does the protocol work (PKCE challenge, request parameters, ID token claim checks including
nonce and at_hash; joserfc verifies the signature). Every request to the provider goes through
``cxq.lib.fetch``: the provider's addresses must be public unless the operator lists a private network
(CXQ_SSO_PRIVATE_NETWORKS), and only the hosts the discovery URL and document name are contacted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cxq.lib.fetch import FetchPolicy, FetchRefused, open_url, send_once

WELL_KNOWN = "/.well-known/openid-configuration"
MAX_BODY = 512 * 1024
# Signatures with the provider's published keys only: no "none", no shared-secret HMAC.
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
LEEWAY_SECONDS = 60
# The discovery document and the signing keys are kept this long in the shared cache (docs/sso.md#the-sign-in):
# a sign-in asks the provider only for the token. A token signed with a key the cached set lacks (the provider
# rotated its keys) fetches the keys again at once; saving the settings always fetches the document afresh.
PROVIDER_CACHE_SECONDS = 3600


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable; the message says what."""


def _host_entry(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1].lower()


def policy_for(*urls: str) -> FetchPolicy:
    """Only the hosts these URLs name, under the operator's SSO network settings."""
    hosts = {_host_entry(u) for u in urls if u}
    return FetchPolicy.build(
        hosts=hosts,
        allow_http=settings.CXQ_SSO_ALLOW_HTTP,
        private_networks=settings.CXQ_SSO_PRIVATE_NETWORKS,
        setting="CXQ_SSO",
    )


def _metadata_urls(metadata: dict) -> list[str]:
    keys = ("issuer", *REQUIRED_ENDPOINTS, "userinfo_endpoint")
    return [metadata[k] for k in keys if isinstance(metadata.get(k), str)]


@contextmanager
def _response_of(opened):
    with opened as (response, _):
        yield response


def request_json(
    url: str,
    *,
    policy: FetchPolicy,
    method: str = "GET",
    form: dict | None = None,
    headers: dict[str, str] | None = None,
) -> dict:
    """A JSON object from the provider, or ProviderError saying why not."""
    body = urlencode(form).encode() if form is not None else None
    sent = {"Accept": "application/json", "User-Agent": "CXQ single sign-on", **(headers or {})}
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        timeout = settings.CXQ_SSO_TIMEOUT
        with (
            send_once(method, url, policy=policy, timeout=timeout, headers=sent, body=body)
            if method != "GET"
            else _response_of(open_url(url, policy=policy, timeout=timeout, headers=sent))
        ) as response:
            raw = response.read(MAX_BODY + 1)
            status = response.status
    except FetchRefused as exc:
        raise ProviderError(str(exc)) from None
    except (OSError, ValueError) as exc:  # network failures, TLS errors, http.client's errors
        raise ProviderError(f"{urlsplit(url).netloc} could not be reached ({exc or type(exc).__name__}).") from None
    if len(raw) > MAX_BODY:
        raise ProviderError(f"{url} answered with more than {MAX_BODY // 1024} KB.")
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if status >= 400:
        detail = data.get("error_description") or data.get("error") if isinstance(data, dict) else None
        raise ProviderError(f"{url} answered {status}" + (f": {detail}" if detail else "."))
    if not isinstance(data, dict):
        raise ProviderError(f"{url} did not answer with a JSON object.")
    return data


def _cache_key(kind: str, url: str) -> str:
    return f"sso:{kind}:" + hashlib.sha256(url.encode()).hexdigest()


def discover(discovery_url: str, *, fresh: bool = False) -> dict:
    """The provider's checked discovery document, from the cache unless ``fresh`` (or not cached)."""
    key = _cache_key("discovery", discovery_url)
    metadata = None if fresh else cache.get(key)
    if metadata is None:
        metadata = _discover(discovery_url)
        cache.set(key, metadata, PROVIDER_CACHE_SECONDS)
    return metadata


def _discover(discovery_url: str) -> dict:
    """Fetch and check a discovery document (OpenID Connect Discovery 1.0, section 4)."""
    metadata = request_json(discovery_url, policy=policy_for(discovery_url))
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise ProviderError("the document names no issuer; is this an OpenID Connect discovery URL?")
    expected = discovery_url.removesuffix(WELL_KNOWN)
    if discovery_url.endswith(WELL_KNOWN) and issuer.rstrip("/") != expected.rstrip("/"):
        raise ProviderError(f"the document's issuer {issuer} does not match the URL (expected {expected}).")
    missing = [k for k in REQUIRED_ENDPOINTS if not isinstance(metadata.get(k), str) or not metadata[k]]
    if missing:
        raise ProviderError(f"the document lacks {', '.join(missing)}.")
    if "code" not in metadata.get("response_types_supported", ["code"]):
        raise ProviderError("the provider does not offer the authorization code flow.")
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise ProviderError("the provider does not support PKCE with S256.")
    return metadata


def new_flow() -> dict:
    """Fresh state, nonce and PKCE verifier for one sign-in (RFC 7636: 43–128 characters)."""
    return {"state": generate_token(32), "nonce": generate_token(32), "verifier": generate_token(64)}


def authorization_url(*, metadata: dict, client_id: str, redirect_uri: str, scopes: str, flow: dict) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scopes,
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": create_s256_code_challenge(flow["verifier"]),
        "code_challenge_method": "S256",
    }
    return add_params_to_uri(metadata["authorization_endpoint"], params)


def exchange_code(
    *, metadata: dict, client_id: str, client_secret: str, redirect_uri: str, code: str, verifier: str
) -> dict:
    """The token response for an authorization code (RFC 6749 4.1.3 with the PKCE verifier)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    headers = {}
    methods = metadata.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    if "client_secret_basic" in methods or "client_secret_post" not in methods:
        pair = f"{_form_quote(client_id)}:{_form_quote(client_secret)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    else:
        form |= {"client_id": client_id, "client_secret": client_secret}
    token = request_json(
        metadata["token_endpoint"],
        policy=policy_for(*_metadata_urls(metadata)),
        method="POST",
        form=form,
        headers=headers,
    )
    if not isinstance(token.get("id_token"), str):
        raise ProviderError("the token response carries no ID token (is the openid scope requested?).")
    return token


def _form_quote(value: str) -> str:
    # RFC 6749 2.3.1: the client id and secret are form-encoded before Basic authentication.
    return urlencode({"": value})[1:]


def verify_id_token(*, metadata: dict, client_id: str, token: dict, nonce: str) -> dict:
    """The ID token's claims after checking its signature against the provider's keys, and iss, aud,
    exp, iat, nonce, azp and at_hash (OpenID Connect Core 3.1.3.7). ProviderError if any fails."""
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in offered if alg in ASYMMETRIC_ALGS]
    keys, cached = signing_keys(metadata)
    kid = _key_id(token.get("id_token"))
    if cached and kid is not None and kid not in _key_ids(keys):  # rotated since they were cached
        keys, cached = signing_keys(metadata, fresh=True)
    try:
        decoded = _decode(token, keys, algorithms)
    except ProviderError:
        if not cached:
            raise
        decoded = _decode(token, signing_keys(metadata, fresh=True)[0], algorithms)  # a key replaced under its id
    options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": client_id},
    }
    params = {"nonce": nonce, "client_id": client_id, "access_token": token.get("access_token")}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise ProviderError(f"the ID token was refused ({_jose_reason(exc)}).") from None
    return dict(claims)


def signing_keys(metadata: dict, *, fresh: bool = False) -> tuple[dict, bool]:
    """The provider's published keys (its JWKS) and whether they came from the cache."""
    key = _cache_key("jwks", metadata["jwks_uri"])
    keys = None if fresh else cache.get(key)
    if keys is not None:
        return keys, True
    keys = request_json(metadata["jwks_uri"], policy=policy_for(*_metadata_urls(metadata)))
    cache.set(key, keys, PROVIDER_CACHE_SECONDS)
    return keys, False


def _key_ids(keys: dict) -> set:
    entries = keys.get("keys")
    return {k.get("kid") for k in entries if isinstance(k, dict)} if isinstance(entries, list) else set()


def _key_id(id_token) -> str | None:
    """The ``kid`` of a compact JWS's header, or None (no header, no kid, not a token)."""
    try:
        head = id_token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (AttributeError, ValueError, TypeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def _decode(token: dict, keys: dict, algorithms: list[str]):
    try:
        return jwt.decode(token["id_token"], KeySet.import_key_set(keys), algorithms=algorithms)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise ProviderError(f"the ID token's signature could not be verified ({_jose_reason(exc)}).") from None


def _jose_reason(exc: Exception) -> str:
    return getattr(exc, "description", None) or str(exc) or type(exc).__name__


def userinfo(*, metadata: dict, access_token: str) -> dict:
    url = metadata.get("userinfo_endpoint")
    if not url or not access_token:
        return {}
    return request_json(
        url, policy=policy_for(*_metadata_urls(metadata)), headers={"Authorization": f"Bearer {access_token}"}
    )


def logout_url(*, end_session_endpoint: str, id_token: str, client_id: str, post_logout_redirect_uri: str) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, section 2)."""
    params = {"client_id": client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return add_params_to_uri(end_session_endpoint, params)
