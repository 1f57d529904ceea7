"""Forgotten passwords (docs/passwords-and-tokens.md#forgotten-passwords): "Forgot your password?" mails a
single-use, time-limited link through the outbox; the answer is the same whether or not the email has an
account; requests are limited per address and per email; the new password passes the validators, every
session of the person ends, and both steps are audited."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cxq.accounts import services
from cxq.audit.models import AuditEvent
from cxq.notifications.models import OutboundEmail
from tests.conftest import PASSWORD

NEW = "a-brand-new-passphrase"
BASE = "https://qa.example.com"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def ask(client: Client, email: str, ip: str = "203.0.113.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def link_in(mail: OutboundEmail) -> str:
    return re.search(r"https?://\S+/login/reset/\S+/", mail.body_text).group(0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_login_page_links_to_forgot_your_password(db):
    html = Client().get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in html and "Forgot your password?" in html


@override_settings(CXQ_BASE_URL=BASE)
def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(personas):
    known = ask(Client(), "Agent.A1@example.com")
    unknown = ask(Client(), "nobody-here@example.com")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())
    assert "a link to choose a new password is on its way" in known.content.decode()
    mail = OutboundEmail.objects.get()
    assert mail.to == "agent.a1@example.com" and mail.subject == "Reset your CXQ password"
    assert link_in(mail).startswith(f"{BASE}/login/reset/")
    assert "works once, until" in mail.body_text
    entry = AuditEvent.objects.get(action="user.password_reset_requested")
    assert entry.object_repr == str(personas.agent_a1) and entry.actor is None


def test_no_link_for_a_deactivated_account_or_one_without_a_password(personas):
    personas.agent_b1.is_active = False
    personas.agent_b1.save()
    personas.norole.set_unusable_password()
    personas.norole.save()
    assert not services.password_reset_request(email="agent.b1@example.com", ip=None)
    assert not services.password_reset_request(email="nobody@example.com", ip=None)
    assert not OutboundEmail.objects.exists()


def test_a_person_who_must_not_use_a_password_gets_no_link(personas):
    with mock.patch.object(services, "password_login_refusal", return_value="Use single sign-on."):
        assert not services.password_reset_request(email="agent.a1@example.com", ip=None)
    assert not OutboundEmail.objects.exists()


@override_settings(CXQ_PASSWORD_RESET_PER_EMAIL=2)
def test_one_email_gets_a_few_links_an_hour_then_silently_none(personas):
    for n in range(4):
        response = ask(Client(), "agent.a1@example.com", ip=f"198.51.100.{n}")
        assert response.status_code == 200 and "on its way" in response.content.decode()
    assert OutboundEmail.objects.count() == 2


@override_settings(CXQ_PASSWORD_RESET_PER_IP=3)
def test_one_address_asking_too_often_is_told_to_wait_and_nothing_is_sent(personas):
    for n in range(3):
        assert ask(Client(), f"person{n}@example.com").status_code == 200
    response = ask(Client(), "agent.a1@example.com")
    assert response.status_code == 429 and "Too many reset requests" in response.content.decode()
    assert not OutboundEmail.objects.exists()
    assert ask(Client(), "agent.a1@example.com", ip="198.51.100.9").status_code == 200  # another address
    assert OutboundEmail.objects.count() == 1


def test_a_malformed_email_is_refused_on_the_form(db):
    response = ask(Client(), "not an email")
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()


def _new_password_through_the_link(client: Client, link: str, password: str = NEW):
    page = client.get(link, follow=True)
    assert page.status_code == 200 and 'data-testid="reset-save"' in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    assert "set-password" in form_url  # the token left the address (no Referer leak)
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_the_link_sets_a_new_password_once_and_ends_every_session(personas):
    elsewhere = signed_in(personas.agent_a1)
    services.password_reset_request(email="agent.a1@example.com", ip=None)
    link = link_in(OutboundEmail.objects.get())
    client = Client()
    response = _new_password_through_the_link(client, link)
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(NEW)
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # signed out
    entry = AuditEvent.objects.get(action="user.password_recovered")
    assert entry.actor == personas.agent_a1 and entry.after["other_sessions"] == "signed out"
    assert entry.after["password"] == "(reset by email link)" and NEW not in str(entry.after)
    notice = OutboundEmail.objects.get(subject="Your CXQ password was changed")
    assert "reset with a link sent to your email" in notice.body_text
    # used once: the same link is no longer valid
    again = Client().get(link, follow=True).content.decode()
    assert 'data-testid="reset-invalid"' in again


def test_the_new_password_must_pass_the_validators(personas):
    services.password_reset_request(email="agent.a1@example.com", ip=None)
    response = _new_password_through_the_link(Client(), link_in(OutboundEmail.objects.get()), "12345678")
    assert response.status_code == 200
    html = response.content.decode()
    assert "too short" in html or "too common" in html
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(PASSWORD)


def test_the_link_expires(personas):
    services.password_reset_request(email="agent.a1@example.com", ip=None)
    link = link_in(OutboundEmail.objects.get())
    later = timezone.now() + timedelta(hours=2)
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later.replace(tzinfo=None)
    ):
        html = Client().get(link, follow=True).content.decode()
    assert 'data-testid="reset-invalid"' in html


def test_the_service_refuses_a_spent_or_forged_token(personas):
    with pytest.raises(services.ValidationError) as exc:
        services.password_reset_complete(user=personas.agent_a1, token="1-forged", password=NEW)
    assert "no longer valid" in str(exc.value)
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_recovered").exists()
