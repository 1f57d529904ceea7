"""Password changes (own and by an admin): the current password is required for one's own, the
other sessions end, the person is told by mail, API tokens stay a choice, and the change is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cxq.accounts import services
from cxq.accounts.models import ApiToken
from cxq.audit.models import AuditEvent
from cxq.lib.urls import absolute_url
from cxq.notifications.models import Notification, OutboundEmail
from tests.conftest import PASSWORD

NEW = "a-brand-new-passphrase"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_signed_in(client: Client) -> bool:
    """A page answers 200 to a signed-in session and redirects an ended one to the login form."""
    response = client.get(reverse("accounts:profile"))
    return response.status_code == 200


def api_post(client: Client, url: str, body: dict, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def change_own_password(user) -> None:
    services.user_set_password(by=user, user=user, password=NEW, current_password=PASSWORD)


def nothing_changed(user) -> bool:
    user.refresh_from_db()
    return (
        user.check_password(PASSWORD)
        and not AuditEvent.objects.filter(action__startswith="user.password").exists()
        and not Notification.objects.filter(kind="account.password_changed").exists()
        and not OutboundEmail.objects.filter(subject="Your CXQ password was changed").exists()
    )


# --- The page -----------------------------------------------------------------------------------


def test_a_wrong_current_password_on_the_page_is_an_error_on_that_field_and_changes_nothing(personas):
    here, elsewhere = signed_in(personas.agent_a1), signed_in(personas.agent_a1)
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": "not-my-password", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["Your current password is not correct."]
    assert "Current password" in response.content.decode()
    assert nothing_changed(personas.agent_a1)
    assert is_signed_in(here) and is_signed_in(elsewhere)


def test_changing_my_password_on_the_page_keeps_this_session_and_ends_my_other_ones(personas):
    here, elsewhere = signed_in(personas.agent_a1), signed_in(personas.agent_a1)
    colleague = signed_in(personas.agent_b1)
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert elsewhere.get(reverse("accounts:profile")).url.startswith(reverse("accounts:login"))
    assert is_signed_in(colleague)
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(NEW)


def test_the_password_page_says_tokens_keep_working_and_links_the_tokens_page(client_for):
    html = client_for("agent_a1").get(reverse("accounts:password_change")).content.decode()
    assert "Personal API tokens keep working" in html
    assert f'href="{reverse("accounts:tokens")}"' in html


# --- The API ------------------------------------------------------------------------------------


def test_the_api_refuses_to_change_my_password_without_the_current_one(personas):
    client = signed_in(personas.agent_a1)
    response = api_post(client, "/api/v1/me/password", {"password": NEW})
    assert response.status_code == 422
    assert "current_password" in json.dumps(response.json()["detail"])
    assert nothing_changed(personas.agent_a1)


def test_the_api_refuses_a_wrong_current_password_naming_the_field_and_changes_nothing(personas):
    client, elsewhere = signed_in(personas.agent_a1), signed_in(personas.agent_a1)
    response = api_post(client, "/api/v1/me/password", {"current_password": "not-my-password", "password": NEW})
    assert response.status_code == 400
    assert response.json()["detail"] == "current_password: Your current password is not correct."
    assert nothing_changed(personas.agent_a1)
    assert is_signed_in(client) and is_signed_in(elsewhere)


def test_a_leaked_token_alone_cannot_change_the_password(personas):
    _, raw = services.api_token_create(user=personas.agent_a1, name="script")
    body = {"current_password": "a-guess", "password": NEW}
    response = api_post(Client(), "/api/v1/me/password", body, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password(PASSWORD)


def test_changing_my_password_through_the_api_keeps_this_session_and_ends_the_others(personas):
    here, elsewhere = signed_in(personas.agent_a1), signed_in(personas.agent_a1)
    response = api_post(here, "/api/v1/me/password", {"current_password": PASSWORD, "password": NEW})
    assert response.status_code == 204
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert not is_signed_in(elsewhere)


def test_my_own_password_needs_the_current_one_through_the_admins_endpoint_too(personas):
    admin = signed_in(personas.admin)
    url = f"/api/v1/users/{personas.admin.uuid}/password"
    refused = api_post(admin, url, {"password": NEW})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("current_password:")
    assert nothing_changed(personas.admin)
    done = api_post(admin, url, {"password": NEW, "current_password": PASSWORD})
    assert done.status_code == 204 and is_signed_in(admin)


def test_the_service_refuses_my_own_change_without_the_right_current_password(personas):
    for current in (None, "", "not-my-password"):
        with pytest.raises(ValidationError) as exc:
            services.user_set_password(
                by=personas.agent_a1, user=personas.agent_a1, password=NEW, current_password=current
            )
        assert list(exc.value.message_dict) == ["current_password"]
    assert nothing_changed(personas.agent_a1)


# --- An admin setting someone's password --------------------------------------------------------


def test_an_admin_setting_a_password_ends_every_session_of_that_person_but_not_the_admins(personas):
    admin, agent = signed_in(personas.admin), signed_in(personas.agent_a1)
    response = admin.post(reverse("accounts:user_password", args=[personas.agent_a1.uuid]), {"password": NEW})
    assert response.status_code == 302
    assert not is_signed_in(agent)
    assert is_signed_in(admin)
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == personas.admin and event.object_id == str(personas.agent_a1.uuid)


def test_the_admin_sees_no_set_password_form_for_themselves_but_a_link_to_change_it(client_for, personas):
    html = client_for("admin").get(reverse("accounts:user_detail", args=[personas.admin.uuid])).content.decode()
    assert reverse("accounts:user_password", args=[personas.admin.uuid]) not in html
    assert reverse("accounts:password_change") in html


# --- What the person is told, what stays, what is recorded --------------------------------------


def test_the_person_is_mailed_when_in_their_time_zone_and_what_to_do(personas, django_capture_on_commit_callbacks):
    personas.agent_a1.time_zone = "Asia/Tokyo"
    personas.agent_a1.save(update_fields=["time_zone"])
    at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        change_own_password(personas.agent_a1)
    mail = OutboundEmail.objects.get(to=personas.agent_a1.email)
    assert mail.subject == "Your CXQ password was changed"
    assert "2030-01-02 12:04 (Asia/Tokyo)" in mail.body_text
    assert "If this was not you" in mail.body_text and "contact your administrator" in mail.body_text
    assert "API tokens keep working" in mail.body_text
    assert absolute_url(reverse("accounts:tokens")) in mail.body_text


def test_an_admin_reset_mail_names_the_admin_and_the_time(personas):
    at = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        services.user_set_password(by=personas.admin, user=personas.agent_a1, password=NEW)
    mail = OutboundEmail.objects.get(to=personas.agent_a1.email)
    assert "Ada Admin set a new password for your account on 2030-06-01 12:00 (UTC)" in mail.body_text
    assert absolute_url(reverse("accounts:tokens")) in mail.body_text


def test_api_tokens_keep_working_after_a_password_change_and_the_audit_says_so(personas):
    token, raw = services.api_token_create(user=personas.agent_a1, name="nightly import")
    change_own_password(personas.agent_a1)
    assert services.api_token_authenticate(raw) == personas.agent_a1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.actor == personas.agent_a1
    assert event.after == {"password": "(changed)", "other_sessions": "signed out", "api_tokens_kept": 1}
    assert PASSWORD not in json.dumps(event.after) and NEW not in json.dumps(event.after)
