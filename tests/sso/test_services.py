"""Single sign-on services against a real OpenID provider (tests/sso/op.mjs, npm's oidc-provider): the
settings' discovery check, the sign-in (state, PKCE, nonce, ID token), who signs in, roles and teams
from groups, refusals, password login for SSO users and the provider logout."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cxq.accounts.models import Role, Team, User
from cxq.accounts.services import user_set_password
from cxq.audit.models import AuditEvent
from cxq.sso import services
from cxq.sso.models import SsoIdentity, SsoSettings
from tests.conftest import PASSWORD
from tests.sso.conftest import configure
from tests.sso.provider import ProviderBrowser

pytestmark = pytest.mark.usefixtures("sso_network")


def sign_in(login: str, *, tamper=None):
    """The whole sign-in as CXQ runs it: begin, the person at the provider, the callback's checks."""
    url, flows = services.login_begin(flows={}, next_url="/evaluations/")
    params = ProviderBrowser().authorize(url, login=login)
    if tamper:
        flows, params = tamper(flows, params)
    return services.login_complete(flows=flows, params=params)


@pytest.fixture
def mapped(op, personas):
    supervisor = Role.objects.get(key="supervisor")
    return configure(
        op,
        personas.admin,
        role_mappings=[("cxq-leads", supervisor)],
        team_mappings=[("north", personas.team_a), ("south", personas.team_b)],
    )


# --- Settings ---------------------------------------------------------------------------------------


def test_saving_fetches_the_discovery_document_and_audits_the_secret_only_as_changed(op, personas):
    sso = configure(op, personas.admin)

    sso.refresh_from_db()
    assert sso.metadata["issuer"] == op.issuer
    assert sso.metadata["end_session_endpoint"].startswith(op.issuer)
    assert sso.is_ready
    entry = AuditEvent.objects.get(action="sso.settings_updated")
    assert entry.after["client_secret"] == "(changed)"
    assert op.client_secret not in json.dumps([entry.before, entry.after])


def test_a_discovery_url_that_is_not_a_provider_is_refused_naming_the_field(op, personas):
    with pytest.raises(ValidationError) as refused:
        configure(op, personas.admin, discovery_url=op.issuer + "/no/such/.well-known/openid-configuration")
    assert "discovery_url" in refused.value.error_dict
    assert "answered 404" in str(refused.value)
    assert not SsoSettings.objects.filter(enabled=True).exists()


def test_a_provider_on_a_private_address_is_refused_unless_the_operator_allows_it(op, personas, settings):
    settings.CXQ_SSO_PRIVATE_NETWORKS = []
    with pytest.raises(ValidationError, match="non-public address.*CXQ_SSO_PRIVATE_NETWORKS") as refused:
        configure(op, personas.admin)
    assert list(refused.value.error_dict) == ["discovery_url"]
    settings.CXQ_SSO_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="CXQ_SSO_ALLOW_HTTP"):
        configure(op, personas.admin)


def test_a_mapping_line_that_names_nothing_is_refused_by_its_line_number(personas):
    assert services.role_mappings_parse("# leads\ncxq-leads: Supervisor\n\nqa: evaluator") == [
        ("cxq-leads", Role.objects.get(key="supervisor")),
        ("qa", Role.objects.get(key="evaluator")),
    ]
    with pytest.raises(ValidationError, match="Line 2: there is no role named “Wizard”"):
        services.role_mappings_parse("a: agent\nb: Wizard")
    with pytest.raises(ValidationError, match="Line 1: write it as"):
        services.team_mappings_parse("north")
    with pytest.raises(ValidationError, match="Line 1: there is no team named “Team Z”"):
        services.team_mappings_parse("north: Team Z")


def test_only_admins_change_the_settings(op, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        configure(op, personas.supervisor_a)


# --- Who signs in -----------------------------------------------------------------------------------


def test_a_first_sign_in_creates_the_person_with_the_role_and_team_their_groups_map_to(mapped, personas):
    signed_in = sign_in("ana")

    user = User.objects.get(email="ana.sso@example.com")
    assert signed_in.user == user and signed_in.next_url == "/evaluations/"
    assert user.full_name == "Ana Sso"
    assert user.role.key == "supervisor"
    assert list(user.teams.all()) == [personas.team_a]
    assert not user.has_usable_password()
    identity = SsoIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (mapped.metadata["issuer"], "ana")
    login = AuditEvent.objects.get(action="sso.login")
    assert login.after == {"role": "Supervisor", "member_of": ["Team A"], "matched_by": "created"}
    assert AuditEvent.objects.get(action="user.created").actor is None  # created by the system, at sign-in
    assert signed_in.session["id_token"] and signed_in.session["end_session_endpoint"]


def test_the_next_sign_in_finds_the_person_by_subject_and_follows_their_groups(mapped, personas):
    user = sign_in("ana").user
    User.objects.filter(pk=user.pk).update(email="renamed@example.com")  # the email no longer matches
    user.teams.add(Team.objects.create(name="Unmapped"))
    services.sso_settings_update(
        by=personas.admin,
        **{f: getattr(mapped, f) for f in services.SETTINGS_FIELDS},
        role_mappings=[("cxq-leads", Role.objects.get(key="manager"))],
        team_mappings=[("south", personas.team_b), ("other", personas.team_a)],
    )

    again = sign_in("ana").user

    assert again.pk == user.pk
    assert User.objects.filter(email="ana.sso@example.com").count() == 0
    again.refresh_from_db()
    assert again.role.key == "manager"
    # team A is managed by a mapping ana's groups miss: left; the unmapped team is left alone
    assert sorted(again.teams.values_list("name", flat=True)) == ["Unmapped"]
    assert AuditEvent.objects.filter(action="sso.login").count() == 2


def test_an_existing_account_is_found_by_a_verified_email_and_linked(mapped, personas):
    signed_in = sign_in("andy")

    assert signed_in.user == personas.agent_a1
    assert SsoIdentity.objects.get(subject="andy").user == personas.agent_a1
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.role.key == "agent"  # no role mapping matched: the default role
    assert list(personas.agent_a1.teams.all()) == [personas.team_a]
    assert personas.agent_a1.check_password(PASSWORD)  # the password stays until the org turns it off


def test_an_unverified_email_never_takes_over_an_existing_account(mapped, personas):
    with pytest.raises(services.SsoError) as refused:
        sign_in("unverified")

    assert refused.value.status == 403
    assert "not verified" in refused.value.message
    assert not SsoIdentity.objects.exists()
    assert AuditEvent.objects.get(action="sso.login_refused").after["reason"] == "email_unverified"


def test_an_unknown_person_is_refused_when_accounts_are_not_created_at_first_sign_in(op, personas):
    configure(op, personas.admin, jit_create=False)

    with pytest.raises(services.SsoError) as refused:
        sign_in("bo")

    assert refused.value.status == 403
    assert "no CXQ account for bo.sso@example.com" in refused.value.message
    assert not User.objects.filter(email="bo.sso@example.com").exists()
    entry = AuditEvent.objects.get(action="sso.login_refused")
    assert entry.after["reason"] == "unknown_user" and entry.object_repr == "bo.sso@example.com"


def test_a_deactivated_person_is_refused(mapped, personas):
    User.objects.filter(pk=personas.agent_a1.pk).update(is_active=False)
    with pytest.raises(services.SsoError, match="deactivated"):
        sign_in("andy")


def test_the_last_admin_keeps_the_role_whatever_the_groups_say(mapped, personas):
    SsoIdentity.objects.create(user=personas.admin, issuer=mapped.metadata["issuer"], subject="bo")
    assert sign_in("bo").user == personas.admin
    personas.admin.refresh_from_db()
    assert personas.admin.role.key == "admin"
    assert list(personas.admin.teams.all()) == [personas.team_b]


# --- The protocol's checks --------------------------------------------------------------------------


def test_an_answer_whose_state_was_changed_is_refused(mapped):
    def tamper(flows, params):
        return flows, {**params, "state": params["state"][:-2] + "xx"}

    with pytest.raises(services.SsoError) as refused:
        sign_in("ana", tamper=tamper)
    assert refused.value.status == 400
    assert "state is unknown or expired" in refused.value.message
    assert not User.objects.filter(email="ana.sso@example.com").exists()


def test_an_id_token_with_another_nonce_is_refused(mapped):
    def tamper(flows, params):
        flow = flows[params["state"]]
        return {params["state"]: {**flow, "nonce": "not-the-nonce-we-sent"}}, params

    with pytest.raises(services.SsoError) as refused:
        sign_in("ana", tamper=tamper)
    assert refused.value.status == 400
    assert "nonce" in refused.value.message
    assert not User.objects.filter(email="ana.sso@example.com").exists()


def test_a_code_exchanged_without_the_right_pkce_verifier_is_refused_by_the_provider(mapped):
    def tamper(flows, params):
        flow = flows[params["state"]]
        return {params["state"]: {**flow, "verifier": "x" * 64}}, params

    with pytest.raises(services.SsoError) as refused:
        sign_in("ana", tamper=tamper)
    assert refused.value.status == 400
    assert "invalid_grant" in refused.value.message or "grant request is invalid" in refused.value.message


def test_the_authorization_request_carries_pkce_state_and_nonce(mapped):
    url, flows = services.login_begin(flows={}, next_url="")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    ((state, flow),) = flows.items()
    assert query["state"] == state and query["nonce"] == flow["nonce"]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == services.redirect_uri()


def test_the_providers_error_is_shown_as_it_said_it(mapped):
    url, flows = services.login_begin(flows={}, next_url="")
    state = next(iter(flows))
    with pytest.raises(services.SsoError) as refused:
        services.login_complete(
            flows=flows, params={"state": state, "error": "access_denied", "error_description": "not for you"}
        )
    assert refused.value.status == 400 and "not for you" in refused.value.message


# --- Password login and logout ----------------------------------------------------------------------


def test_password_login_and_changes_are_refused_for_sso_users_when_the_organisation_says_so(mapped, personas):
    sign_in("andy")
    client = Client()
    assert client.post("/login/", {"username": "agent.a1@example.com", "password": PASSWORD}).status_code == 302

    SsoSettings.objects.filter(pk=1).update(password_login_disabled=True)

    response = Client().post("/login/", {"username": "agent.a1@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "signs you in with Test IdP" in response.content.decode()
    with pytest.raises(ValidationError, match="Sign in with Test IdP"):
        user_set_password(
            by=personas.agent_a1, user=personas.agent_a1, password="a-new-long-passphrase", current_password=PASSWORD
        )
    with pytest.raises(ValidationError, match="single sign-on"):
        user_set_password(by=personas.admin, user=personas.agent_a1, password="a-new-long-passphrase")
    api = Client()
    api.force_login(personas.agent_a1)
    answer = api.post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "password": "a-new-long-passphrase"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("password: Your organisation signs you in with Test IdP")
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(PASSWORD)
    # people who never signed in through the provider keep their passwords
    assert Client().post("/login/", {"username": "agent.b1@example.com", "password": PASSWORD}).status_code == 302


def test_logout_sends_the_browser_to_the_providers_end_session_endpoint(mapped):
    signed_in = sign_in("ana")

    url = services.logout_redirect({services.SESSION_KEY: signed_in.session})

    assert url.startswith(mapped.metadata["end_session_endpoint"] + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["id_token_hint"] == signed_in.session["id_token"]
    assert query["post_logout_redirect_uri"] == services.post_logout_redirect_uri()
    assert services.logout_redirect({}) is None


def test_the_discovery_document_and_signing_keys_are_fetched_once_and_the_keys_again_when_rotated(mapped, monkeypatch):
    """docs/sso.md, "What is cached": later sign-ins ask the provider only for the token; a token signed
    with a key the cached set lacks fetches the keys again."""
    from django.core.cache import cache
    from joserfc.jwk import RSAKey

    from cxq.sso import provider

    fetched = []
    real = provider.request_json

    def recording(url, **kwargs):
        fetched.append(url)
        return real(url, **kwargs)

    jwks, discovery = mapped.metadata["jwks_uri"], mapped.discovery_url
    cache.delete(provider._cache_key("jwks", jwks))  # as on a fresh server (the cache outlives a test)
    monkeypatch.setattr(provider, "request_json", recording)
    sign_in("ana")
    sign_in("ana")
    assert fetched.count(jwks) == 1 and fetched.count(discovery) == 0  # saved settings cached the document
    assert fetched.count(mapped.metadata["token_endpoint"]) == 2
    stale = RSAKey.generate_key(2048, parameters={"kid": "retired"}).as_dict(private=False)
    cache.set(provider._cache_key("jwks", jwks), {"keys": [stale]}, 60)  # cached before the provider rotated
    assert sign_in("ana").user.email == "ana.sso@example.com"
    assert fetched.count(jwks) == 2
    cache.delete(provider._cache_key("discovery", discovery))
    sign_in("ana")
    assert fetched.count(discovery) == 1 and fetched.count(jwks) == 2
