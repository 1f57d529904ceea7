"""SCIM tokens (docs/scim.md#tokens): who may create and revoke them, how they authenticate, and the
audit trail of what a token's client changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cxq.accounts.models import User
from cxq.accounts.services import api_token_create, token_digest
from cxq.audit.models import AuditEvent
from cxq.scim.models import ScimToken
from cxq.scim.services import scim_token_authenticate, scim_token_create, scim_token_revoke
from tests.scim.conftest import PATCH_SCHEMA, ScimClient, assert_scim_error, barbara


def test_a_scim_token_is_stored_only_as_a_digest(personas):
    token, raw = scim_token_create(by=personas.admin, name="Okta")
    assert raw.startswith("cxqscim_") and len(raw) > 40
    assert token.digest == token_digest(raw) and raw not in str(ScimToken.objects.values().get())
    assert scim_token_authenticate(raw) == token
    assert scim_token_authenticate(raw + "x") is None


@pytest.mark.parametrize("who", ["supervisor_a", "manager_b", "evaluator", "agent_a1", "norole"])
def test_only_people_who_manage_users_and_teams_create_or_revoke_scim_tokens(personas, who):
    with pytest.raises(PermissionDenied):
        scim_token_create(by=personas.get(who), name="Mine")
    token, _ = scim_token_create(by=personas.admin, name="Okta")
    with pytest.raises(PermissionDenied):
        scim_token_revoke(by=personas.get(who), token=token)
    assert ScimToken.objects.get().revoked_at is None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer cxqscim_not-a-real-token",
        "Basic YWRtaW46cGFzcw==",
        "Token cxqscim_x",
    ],
)
def test_a_request_without_a_valid_scim_token_is_401_and_changes_nothing(personas, authorization):
    client = ScimClient(None)
    if authorization:
        client.headers = {"HTTP_AUTHORIZATION": authorization}
    for response in (client.get("Users"), client.post("Users", barbara()), client.get("ServiceProviderConfig")):
        assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not User.objects.filter(email="bjensen@example.com").exists()


def test_a_revoked_scim_token_stops_working_at_once(personas, scim_token):
    token, raw = scim_token
    client = ScimClient(raw)
    assert client.get("Users").status_code == 200
    scim_token_revoke(by=personas.admin, token=token)
    assert_scim_error(client.get("Users"), 401)
    assert_scim_error(client.post("Users", barbara()), 401)


@pytest.mark.parametrize("who", ["admin", "agent_a1"])
def test_a_personal_api_token_or_a_session_is_no_scim_credential(personas, client_for, who):
    _, raw = api_token_create(user=personas.get(who), name="script")
    assert_scim_error(ScimClient(raw).get("Users"), 401)
    assert_scim_error(ScimClient(raw).post("Users", barbara()), 401)
    assert_scim_error(client_for(who).get("/scim/v2/Users"), 401)
    assert not User.objects.filter(email="bjensen@example.com").exists()


def test_a_scim_token_does_not_open_the_rest_api(scim_token):
    response = ScimClient(scim_token[1]).get("/api/v1/users")
    assert response.status_code == 401


def test_a_scim_token_keeps_working_when_its_creator_is_deactivated(personas, scim_token):
    second_admin = User.objects.create_user(
        email="admin2@example.com", full_name="Second Admin", role=personas.admin.role
    )
    token, raw = scim_token_create(by=second_admin, name="Entra")
    second_admin.is_active = False
    second_admin.save()
    assert ScimClient(raw).get("Users").status_code == 200


def test_use_is_recorded_at_most_once_a_minute(scim_token):
    token, raw = scim_token
    ScimClient(raw).get("ServiceProviderConfig")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    ScimClient(raw).get("ServiceProviderConfig")
    token.refresh_from_db()
    assert token.last_used_at == first


# --- Audit -----------------------------------------------------------------------------------------


def test_every_scim_change_is_audited_under_the_tokens_name(scim, personas, client_for):
    uid = scim.post("Users", barbara()).json()["id"]
    scim.patch(
        f"Users/{uid}", {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    )
    gid = scim.post(
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Night",
            "members": [{"value": uid}],
        },
    ).json()["id"]
    scim.delete(f"Groups/{gid}")
    scim.delete(f"Users/{uid}")
    events = list(AuditEvent.objects.exclude(action__startswith="scim_token").order_by("id"))
    assert [e.action for e in events] == [
        "user.created",
        "scim.link_updated",  # externalId bjensen
        "user.updated",  # deactivated
        "team.created",
        "team.deleted",
        "scim.link_updated",  # deleted through SCIM
    ]
    assert {e.actor_label for e in events} == {"Identity provider (SCIM token “Okta”)"}
    assert all(e.actor_id is None for e in events)
    assert events[2].before["is_active"] is True and events[2].after["is_active"] is False
    assert events[5].after == {"external_id": "bjensen", "deleted": True}
    page = client_for("admin").get(reverse("audit:list"))
    assert page.status_code == 200
    assert "Identity provider (SCIM token “Okta”)" in page.content.decode()
    assert "user.created" in page.content.decode()


def test_creating_and_revoking_a_token_is_audited_without_the_secret(personas):
    token, raw = scim_token_create(by=personas.admin, name="Okta")
    scim_token_revoke(by=personas.admin, token=token)
    scim_token_revoke(by=personas.admin, token=token)  # twice: one event
    events = list(AuditEvent.objects.filter(action__startswith="scim_token").order_by("id"))
    assert [e.action for e in events] == ["scim_token.created", "scim_token.revoked"]
    assert events[0].actor == personas.admin
    assert raw not in str(events[0].after) and events[0].after["prefix"] == token.prefix


def test_a_refused_request_writes_no_audit_entry(scim, personas):
    before = AuditEvent.objects.count()
    scim.post("Users", barbara(userName="agent.a1@example.com"))
    scim.patch(
        f"Users/{personas.admin.uuid}",
        {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": False}]},
    )
    assert AuditEvent.objects.count() == before


def test_a_team_change_tells_the_new_member_who_did_it(scim, personas):
    from cxq.notifications.models import Notification

    gid = str(personas.team_b.uuid)
    ops = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": str(personas.agent_a1.uuid)}]}],
    }
    assert scim.patch(f"Groups/{gid}", ops).status_code == 200
    note = Notification.objects.get(recipient=personas.agent_a1, kind="account.team_added")
    assert note.body == "Identity provider (SCIM token “Okta”) added you to Team B."


# --- The administration page ------------------------------------------------------------------------


def test_the_page_creates_a_token_shows_it_once_and_revokes_it(personas, client_for):
    from cxq.accounts.models import Role

    admin = client_for("admin")
    response = admin.post(reverse("scim:tokens"), {"name": "Okta", "role": Role.objects.get(key="evaluator").pk})
    assert response.status_code == 302
    token = ScimToken.objects.get()
    assert token.role.key == "evaluator" and token.created_by == personas.admin
    page = admin.get(reverse("scim:tokens")).content.decode()
    assert "cxqscim_" in page and "http://testserver/scim/v2/" in page
    raw = page.split("<code>")[1].split("</code>")[0]
    assert scim_token_authenticate(raw) == token
    again = admin.get(reverse("scim:tokens")).content.decode()
    assert raw not in again  # shown once
    assert admin.post(reverse("scim:token_revoke", args=[token.uuid])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize("name", ["", "   ", "Ok\nta", "x" * 101])
def test_the_page_refuses_a_bad_name_and_creates_nothing(personas, client_for, name):
    response = client_for("admin").post(reverse("scim:tokens"), {"name": name})
    assert response.status_code == 400
    assert not ScimToken.objects.exists()


def test_the_navigation_shows_scim_to_admins_only(personas, client_for):
    assert "SCIM provisioning" in client_for("admin").get("/").content.decode()
    assert "SCIM provisioning" not in client_for("supervisor_a").get("/").content.decode()


def test_a_person_deactivated_through_scim_loses_their_session_and_api_tokens(scim, personas, client_for):
    browser = client_for("agent_a1")
    _, raw = api_token_create(user=personas.agent_a1, name="script")
    assert browser.get("/").status_code == 200
    assert ScimClient(raw).get("/api/v1/me").status_code == 200
    off = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert scim.patch(f"Users/{personas.agent_a1.uuid}", off).status_code == 200
    assert browser.get("/").status_code == 302  # back to the login page
    assert ScimClient(raw).get("/api/v1/me").status_code == 401
