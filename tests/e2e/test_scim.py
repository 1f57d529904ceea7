"""SCIM provisioning end to end (docs/scim.md): an admin creates a SCIM token in the browser, an
identity provider provisions a person and a team with it over HTTP, the audit log shows it, and the
token stops working once revoked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cxq.accounts.models import User

pytestmark = pytest.mark.e2e

SCIM = "application/scim+json"


@pytest.fixture
def idp(playwright, live_server):
    """The identity provider's SCIM client: no cookies, only the bearer token."""
    context = playwright.request.new_context(base_url=live_server.url)
    yield context
    context.dispose()


def test_an_admin_connects_an_identity_provider_that_provisions_people_and_teams(
    personas, page, login, idp, screenshot
):
    login(page, personas.admin)
    page.click('[data-nav="scim:tokens"]')
    page.fill("input[name=name]", "Okta")
    page.select_option("select[name=role]", label="Evaluator")
    page.click("button:has-text('Create SCIM token')")
    shown = page.get_by_test_id("new-scim-token")
    expect(shown).to_contain_text("Okta")
    raw = shown.locator("code").first.inner_text().strip()
    assert raw.startswith("cxqscim_")
    screenshot(page, "scim-token-created")

    auth = {"Authorization": f"Bearer {raw}", "Content-Type": SCIM}
    created = idp.post(
        "/scim/v2/Users",
        headers=auth,
        data={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ana.lima@example.com",
            "name": {"givenName": "Ana", "familyName": "Lima"},
            "externalId": "00u1ana",
        },
    )
    assert created.status == 201, created.text()
    assert created.headers["content-type"] == SCIM
    person = User.objects.get(email="ana.lima@example.com")
    assert (person.full_name, person.role.key) == ("Ana Lima", "evaluator")
    group = idp.post(
        "/scim/v2/Groups",
        headers=auth,
        data={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Night shift",
            "members": [{"value": created.json()["id"]}],
        },
    )
    assert group.status == 201, group.text()

    page.click('[data-nav="audit:list"]')
    first = page.locator("table.data tbody tr").first
    expect(first).to_contain_text("Identity provider (SCIM token “Okta”)")
    expect(page.locator("table.data tbody")).to_contain_text("Ana Lima")
    screenshot(page, "scim-audit")

    page.click('[data-nav="scim:tokens"]')
    expect(page.get_by_test_id("new-scim-token")).to_have_count(0)  # shown once
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("table.data tbody tr", has_text="Okta").locator("button:has-text('Revoke')").click()
    expect(page.locator("table.data tbody tr", has_text="Okta").locator(".pill")).to_have_text("revoked")
    screenshot(page, "scim-token-revoked")
    refused = idp.get("/scim/v2/Users", headers=auth)
    assert refused.status == 401
    assert refused.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
