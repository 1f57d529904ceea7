"""The API docs page: Swagger UI renders the whole OpenAPI document and its "Try it out" works with the
browser session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_the_api_docs_list_the_operations_and_call_one_with_my_session(personas, page, login, screenshot):
    login(page, personas.admin)
    page.click("a[href='/api/v1/docs']")
    page.wait_for_url("**/api/v1/docs")

    # Swagger UI's bundle is large: parsing it and the document takes seconds on a slow machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CXQ API", timeout=30_000)
    export = page.locator(".opblock-summary-path", has_text="/api/v1/calibrations/{uuid}/export")
    expect(export).to_be_visible()  # the operation whose duplicated 200 stopped the whole page
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/roles/{uuid}/duplicate")).to_be_visible()
    assert page.locator(".opblock").count() >= 60
    expect(page.locator(".swagger-ui .errors-wrapper")).to_have_count(0)

    me = page.locator(".opblock-get", has=page.locator(".opblock-summary-path", has_text="/api/v1/me")).filter(
        has_not_text="/api/v1/me/"
    )
    me.locator(".opblock-summary").first.click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    response = me.locator(".live-responses-table .response").first
    expect(response.locator(".response-col_status")).to_contain_text("200")
    expect(response.locator(".response-col_description")).to_contain_text(personas.admin.email)
    me.locator(".responses-table").first.scroll_into_view_if_needed()
    expect(me.locator(".responses-table").last).to_contain_text("401")  # the documented error responses
    screenshot(page, "api-docs")
