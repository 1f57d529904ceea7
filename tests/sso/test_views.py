"""The single sign-on pages: settings (errors next to their field, the write-only secret), the login
page's button, the callback's refusals as pages, and logout through the provider."""

from __future__ import annotations

import pytest
from django.test import Client

from cxq.sso.models import GroupMapping, SsoSettings
from tests.sso.conftest import configure
from tests.sso.provider import ProviderBrowser

pytestmark = pytest.mark.usefixtures("sso_network")


def form(op, **overrides) -> dict:
    values = {
        "enabled": "on",
        "provider_name": "Acme ID",
        "discovery_url": op.discovery_url,
        "client_id": op.client_id,
        "client_secret": op.client_secret,
        "scopes": "openid email profile groups",
        "email_claim": "email",
        "name_claim": "name",
        "groups_claim": "groups",
        "role_mappings": "cxq-leads: Supervisor",
        "team_mappings": "north: Team A",
        "jit_create": "on",
    }
    return {k: v for k, v in (values | overrides).items() if v is not None}


def test_the_settings_page_refuses_a_bad_discovery_url_next_to_the_field_and_keeps_nothing(op, client_for):
    admin = client_for("admin")

    response = admin.post("/admin/sso/", form(op, discovery_url=op.issuer + "/nothing-here"))

    assert response.status_code == 400
    field = response.context["form"]["discovery_url"]
    assert field.errors and "The discovery URL was refused" in field.errors[0]
    assert not SsoSettings.objects.exists()


def test_a_mapping_line_naming_no_team_is_refused_by_line(op, client_for):
    response = client_for("admin").post("/admin/sso/", form(op, team_mappings="north: Team A\nsouth: Team Z"))

    assert response.status_code == 400
    assert response.context["form"]["team_mappings"].errors == ["Line 2: there is no team named “Team Z”."]
    assert not GroupMapping.objects.exists()


def test_the_client_secret_is_never_shown_and_an_empty_field_keeps_it(op, client_for):
    admin = client_for("admin")
    assert admin.post("/admin/sso/", form(op)).status_code == 302

    page = admin.get("/admin/sso/").content.decode()
    assert op.client_secret not in page
    assert "Client secret: set." in page
    assert admin.post("/admin/sso/", form(op, client_secret="", provider_name="Acme")).status_code == 302
    sso = SsoSettings.objects.get()
    assert sso.client_secret == op.client_secret and sso.provider_name == "Acme"
    assert [str(m) for m in GroupMapping.objects.all()] == ["cxq-leads → Supervisor", "north → Team A"]


def test_turning_single_sign_on_off_does_not_need_the_provider(op, personas, client_for, settings):
    configure(op, personas.admin)
    settings.CXQ_SSO_PRIVATE_NETWORKS = []  # the provider is now out of reach

    response = client_for("admin").post("/admin/sso/", form(op, enabled=None, client_secret=""))

    assert response.status_code == 302
    assert not SsoSettings.objects.get().enabled


def test_the_login_page_offers_the_provider_only_when_it_is_set_up(op, personas):
    assert "Sign in with" not in Client().get("/login/").content.decode()
    configure(op, personas.admin, provider_name="Acme ID")

    page = Client().get("/login/?next=/evaluations/").content.decode()

    assert 'href="/sso/login/?next=%2Fevaluations%2F"' in page
    assert "Sign in with Acme ID" in page


def test_the_callback_refuses_an_unknown_state_with_a_page_and_the_provider_error_too(op, personas):
    configure(op, personas.admin)
    browser = Client()
    browser.get("/sso/login/")

    forged = browser.get("/sso/callback/", {"code": "abc", "state": "forged"})
    cancelled = browser.get("/sso/callback/", {"error": "access_denied", "state": "x"})

    assert forged.status_code == 400
    assert "its state is unknown or expired" in forged.content.decode()
    assert cancelled.status_code == 400
    assert "did not sign you in: access_denied" in cancelled.content.decode()
    assert "_auth_user_id" not in browser.session


def test_signing_in_and_out_through_the_pages(op, personas):
    configure(op, personas.admin)
    browser = Client()
    start = browser.get("/sso/login/", {"next": "/evaluations/"})
    assert start.status_code == 302 and start["Location"].startswith(op.issuer + "/auth?")
    answer = ProviderBrowser().authorize(start["Location"], login="ana")

    back = browser.get("/sso/callback/", answer)

    assert back.status_code == 302 and back["Location"] == "/evaluations/"
    assert browser.get("/").status_code == 200
    replayed = browser.get("/sso/callback/", answer)  # a state answers once
    assert replayed.status_code == 400

    out = browser.post("/logout/")

    assert out.status_code == 200
    body = out.content.decode()
    assert 'http-equiv="refresh"' in body and op.issuer + "/session/end?" in body
    assert "post_logout_redirect_uri=" in body
    assert browser.get("/").status_code == 302  # the CXQ session ended


def test_a_password_logout_still_goes_to_the_login_page(op, personas, client_for):
    configure(op, personas.admin)
    response = client_for("agent_a1").post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_starting_a_sign_in_when_the_provider_is_down_is_a_clear_page(op, personas, settings):
    from django.core.cache import cache

    from cxq.sso import provider

    sso = configure(op, personas.admin)
    settings.CXQ_SSO_PRIVATE_NETWORKS = []
    cache.delete(provider._cache_key("discovery", sso.discovery_url))  # its document no longer cached (docs/sso.md)

    response = Client().get("/sso/login/")

    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()
