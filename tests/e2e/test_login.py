"""The login form, its error message, and the lock-out after repeated wrong passwords (django-axes)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def submit_login(page, email: str, password: str):
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    return nav.value


def test_an_anonymous_visitor_is_sent_to_the_login_form_and_a_wrong_password_is_explained(personas, page, screenshot):
    page.goto("/teams/")
    assert urlsplit(page.url).path == "/login/"
    expect(page.locator("input[name=username]")).to_be_focused()
    screenshot(page, "login")

    response = submit_login(page, personas.agent_a1.email, "not-the-password")

    assert response.status == 200
    expect(page.locator(".form-errors")).to_have_text("That email and password do not match an active account.")
    expect(page.locator("input[name=username]")).to_have_value(personas.agent_a1.email)
    screenshot(page, "login-wrong-password")


def test_after_five_wrong_passwords_even_the_right_one_shows_the_locked_out_page(personas, page, login, screenshot):
    assert settings.AXES_FAILURE_LIMIT == 5
    email = personas.agent_a1.email
    page.goto("/login/")
    for attempt in range(1, 5):
        submit_login(page, email, f"wrong-{attempt}")
        expect(page.locator(".form-errors")).to_be_visible()

    fifth = submit_login(page, email, "wrong-5")
    assert fifth.status == 429
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    screenshot(page, "locked-out")

    page.goto("/login/")
    sixth = submit_login(page, email, PASSWORD)

    assert sixth.status == 429
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    expect(page.get_by_test_id("locked-out")).to_contain_text("Too many failed attempts")
    page.goto("/")
    assert urlsplit(page.url).path == "/login/", "the locked-out login must not have started a session"

    login(page, personas.agent_b1)  # the lock is on that email from this address, not on the address
