"""Single sign-on in Chromium against a real OpenID provider (tests/sso/op.mjs: npm's oidc-provider):
an admin sets it up on the settings page, a new person signs in and is created with the role and team
their groups map to, logs out of CXQ and of the provider, and a manipulated answer is refused."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from cxq.accounts.models import User
from cxq.sso.models import SsoIdentity
from tests.conftest import PASSWORD
from tests.sso.provider import run_provider

pytestmark = pytest.mark.e2e


def offline(page):
    """The provider's development pages ask for a web font; nothing may leave this machine, so every
    request to another host is answered empty by the browser itself."""
    page.context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])"),
        lambda route: route.fulfill(status=200, content_type="text/css", body=""),
    )
    return page


@pytest.fixture
def op(live_server, settings):
    settings.CXQ_BASE_URL = live_server.url
    settings.CXQ_SSO_ALLOW_HTTP = True
    settings.CXQ_SSO_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    with run_provider(live_server.url) as provider:
        yield provider


def set_up_sso(page, op, login, admin, screenshot=None, *, password_off=False):
    offline(page)
    login(page, admin)
    page.goto("/admin/sso/")
    base = page.url.split("/admin/")[0]
    expect(page.get_by_test_id("redirect-uri")).to_have_text(f"{base}/sso/callback/")
    page.check("input[name=enabled]")
    page.fill("input[name=provider_name]", "Acme ID")
    page.fill("input[name=discovery_url]", op.discovery_url)
    page.fill("input[name=client_id]", op.client_id)
    page.fill("input[name=client_secret]", op.client_secret)
    page.fill("input[name=scopes]", "openid email profile groups")
    page.fill("input[name=groups_claim]", "groups")
    page.fill("textarea[name=role_mappings]", "cxq-leads: Supervisor")
    page.fill("textarea[name=team_mappings]", "north: Team A\nsouth: Team B")
    page.check("input[name=jit_create]")
    if password_off:
        page.check("input[name=password_login_disabled]")
    page.click("form:has(input[name=discovery_url]) button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("Single sign-on settings saved")
    expect(page.locator("input[name=client_secret]")).to_have_value("")  # write-only
    expect(page.get_by_test_id("secret-state")).to_have_text("Client secret: set.")
    expect(page.get_by_test_id("sso-issuer")).to_contain_text(op.issuer)
    if screenshot:
        screenshot(page, "sso-settings")
    page.click(".user-button")
    page.click("text=Log out")
    page.wait_for_url(lambda url: urlsplit(url).path == "/login/")


def sign_in_at_provider(page, who: str, *, consent: bool = True):
    """The provider's own pages: its login form (any password), then its consent page."""
    page.wait_for_load_state("load")
    page.get_by_test_id("sso-login").click()
    page.wait_for_url(lambda url: "/interaction/" in url)
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", "whatever-the-provider-checks")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/interaction/" in url)
    if consent:
        page.click("button[type=submit]")  # consent: "Continue"


def test_a_new_person_signs_in_with_the_provider_gets_their_mapped_role_and_team_and_logs_out_of_both(
    personas, page, login, op, screenshot
):
    set_up_sso(page, op, login, personas.admin, screenshot)

    expect(page.get_by_test_id("sso-login")).to_have_text("Sign in with Acme ID")
    screenshot(page, "sso-login-page")
    sign_in_at_provider(page, "ana")

    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator("h1")).to_contain_text("Good to see you, Ana Sso")
    expect(page.locator(".role-pill")).to_have_text("Supervisor")
    screenshot(page, "sso-signed-in")
    ana = User.objects.get(email="ana.sso@example.com")
    assert ana.role.key == "supervisor"
    assert list(ana.teams.values_list("name", flat=True)) == ["Team A"]
    assert SsoIdentity.objects.get(user=ana).subject == "ana"

    page.click(".user-button")
    page.click("text=Log out")
    page.wait_for_url(lambda url: url.startswith(op.issuer))  # the provider asks to end its session too
    screenshot(page, "sso-provider-logout")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/login/")
    page.goto("/")
    assert urlsplit(page.url).path == "/login/", "the CXQ session must have ended"

    # the provider's session ended as well: signing in again asks for the login once more
    page.wait_for_load_state("load")
    page.get_by_test_id("sso-login").click()
    page.wait_for_url(lambda url: "/interaction/" in url)
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_manipulated_answer_from_the_provider_is_refused_with_a_clear_page(personas, page, login, op, screenshot):
    set_up_sso(page, op, login, personas.admin)
    # The sign-in starts in this browser (its session holds the state), but the request that reaches
    # the provider carries another state, as a forged or replayed link would: the provider sends it back.
    started = page.request.get("/sso/login/", max_redirects=0)
    assert started.status == 302
    parts = urlsplit(started.headers["location"])
    query = dict(parse_qsl(parts.query))
    query["state"] = query["state"][::-1]
    page.goto(parts._replace(query=urlencode(query)).geturl())
    page.fill("input[name=login]", "bo")
    page.fill("input[name=password]", "whatever-the-provider-checks")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/interaction/" in url)
    with page.expect_response(lambda r: "/sso/callback/" in r.url) as answer:
        page.click("button[type=submit]")  # consent: "Continue"
    response = answer.value

    assert response.status == 400
    expect(page.get_by_test_id("sso-error")).to_contain_text("Sign-in could not be verified")
    expect(page.get_by_test_id("sso-error")).to_contain_text("start the sign-in again")
    screenshot(page, "sso-tampered-state")
    assert not User.objects.filter(email="bo.sso@example.com").exists()
    page.goto("/")
    assert urlsplit(page.url).path == "/login/"


def test_an_sso_user_cannot_use_their_password_when_the_organisation_turns_it_off(
    personas, page, login, op, screenshot
):
    set_up_sso(page, op, login, personas.admin, password_off=True)
    sign_in_at_provider(page, "andy")  # agent_a1's verified email: the account is linked
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator("h1")).to_contain_text(f"Good to see you, {personas.agent_a1.full_name}")
    page.context.clear_cookies()

    page.goto("/login/")
    page.fill("input[name=username]", personas.agent_a1.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")

    expect(page.locator(".form-errors")).to_contain_text(
        "Your organisation signs you in with Acme ID: use “Sign in with Acme ID” instead of a password."
    )
    screenshot(page, "sso-password-refused")
    page.goto("/")
    assert urlsplit(page.url).path == "/login/"
    login(page, personas.agent_b1)  # someone who never signed in through the provider keeps the password
