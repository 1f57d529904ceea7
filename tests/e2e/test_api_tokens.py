"""A personal API token: created in the UI, shown once, works as a Bearer token, stops at revocation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cxq.accounts.models import ApiToken

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(playwright, live_server):
    """A cookie-less HTTP client: only the Bearer token can authenticate it (never the session)."""
    context = playwright.request.new_context(base_url=live_server.url)
    yield context
    context.dispose()


def test_a_token_is_shown_once_authenticates_the_api_and_stops_working_when_revoked(
    personas, page, login, api, screenshot
):
    user = personas.evaluator
    login(page, user)
    page.click('[data-nav="accounts:tokens"]')
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    page.fill("input[name=name]", "nightly import")
    page.select_option("select[name=expires_in_days]", label="90 days")
    page.click("button:has-text('Create token')")

    shown = page.get_by_test_id("new-token")
    expect(shown).to_contain_text("nightly import")
    raw = shown.locator("code").first.inner_text().strip()
    assert raw.startswith("cxq_")
    row = page.locator("table.data tbody tr", has_text="nightly import")
    expect(row.locator(".pill")).to_have_text("active")
    expect(row).to_contain_text("until")
    assert raw not in row.inner_text(), "the list shows only the prefix"
    screenshot(page, "tokens-created")

    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status == 200
    assert me.json()["email"] == user.email
    assert api.get("/api/v1/me").status == 401

    page.reload()  # post/redirect/get: a reload neither re-posts nor shows the token again
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(row).to_have_count(1)
    page.on("dialog", lambda dialog: dialog.accept())  # the revoke button asks for confirmation
    row.get_by_role("button", name="Revoke").click()

    expect(page.locator(".flash-success")).to_contain_text("revoked")
    expect(row.locator(".pill")).to_have_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    screenshot(page, "tokens-revoked")
    assert ApiToken.objects.get(user=user, name="nightly import").revoked_at is not None

    again = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert again.status == 401
    assert again.json() == {"detail": "Authentication required."}
