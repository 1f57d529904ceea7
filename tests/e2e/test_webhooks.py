"""An administrator connects a webhook receiver: the secret shown once, the handshake on save, a test
event in the delivery log (docs/webhooks.md#pages). The receiver is a real server on loopback, allow-
listed for the test (CXQ_WEBHOOK_PRIVATE_NETWORKS), that checks signatures with its own code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cxq.webhooks.models import Endpoint
from tests.webhooks.conftest import FAST, Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    recv = Receiver()
    try:
        with FAST:
            yield recv
    finally:
        recv.close()


def test_an_admin_connects_a_receiver_and_sees_a_test_event_delivered(personas, page, login, receiver, screenshot):
    login(page, personas.admin)
    page.click('[data-nav="webhooks:list"]')
    expect(page.locator("h1")).to_have_text("Webhooks")
    page.get_by_role("link", name="New endpoint").click()

    secret = page.get_by_test_id("secret-value").inner_text().strip()
    assert secret.startswith("whsec_")
    screenshot(page, "webhooks-new-endpoint")
    receiver.secret = secret  # the admin configures the receiver with the secret shown

    page.fill("input[name=name]", "Data warehouse")
    page.fill("input[name=url]", receiver.url)
    page.get_by_label("evaluation.completed").check()
    page.get_by_label("calibration.completed").check()
    page.get_by_role("button", name="Create endpoint").click()

    expect(page.locator(".flash-success")).to_contain_text("answered the validation handshake")
    expect(page.locator("h1")).to_have_text("Data warehouse")
    assert secret not in page.content(), "the secret is never shown again"
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["evaluation.completed", "calibration.completed"]

    page.get_by_test_id("send-test").click()
    expect(page.locator(".flash-success")).to_contain_text("Test event queued")
    row = page.get_by_test_id("delivery-log").locator("tbody > tr", has_text="webhook.test")
    expect(row).to_have_count(1)
    expect(row.locator(".pill").first).to_have_text("Sent")
    expect(row).to_contain_text("HTTP 200")
    row.locator("summary").click()
    expect(row.locator("details table")).to_contain_text("ok")
    screenshot(page, "webhooks-delivery-log")

    (event,) = receiver.deliveries()
    assert event["event"] == "webhook.test" and receiver.bad_signatures == 0
    expect(row).to_contain_text(event["event_id"])

    page.click('[data-nav="webhooks:list"]')
    listed = page.locator("table.data tbody tr", has_text="Data warehouse")
    expect(listed.locator(".pill")).to_have_text("enabled")
    expect(listed).to_contain_text("evaluation.completed, calibration.completed")
    screenshot(page, "webhooks-list")
