from __future__ import annotations

import json

from django.test import Client

from cxq.accounts.models import Role, Team, User
from cxq.accounts.services import api_token_create


def api(client: Client, method: str, url: str, body=None, **extra):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, **kwargs, **extra)


def test_me_returns_permissions_and_teams(client_for, personas):
    data = client_for("supervisor_a").get("/api/v1/me").json()
    assert data["email"] == personas.supervisor_a.email
    assert "scorecards.edit" in data["permissions"]
    assert [t["name"] for t in data["leads"]] == ["Team A"]


def test_creating_a_user_with_a_bad_email_names_the_field_and_writes_nothing(client_for):
    response = api(client_for("admin"), "post", "/api/v1/users", {"email": "not-an-email", "full_name": "X"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("email:")
    assert not User.objects.filter(full_name="X").exists()


def test_malformed_json_is_a_4xx_not_a_500(client_for):
    response = api(client_for("admin"), "post", "/api/v1/users", "{not json")
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_a_missing_required_field_is_a_422_naming_it(client_for):
    response = api(client_for("admin"), "post", "/api/v1/teams", {"description": "no name"})
    assert response.status_code == 422
    assert "name" in json.dumps(response.json()["detail"])


def test_unknown_role_and_team_ids_are_refused_by_name(client_for):
    client = client_for("admin")
    response = api(client, "post", "/api/v1/users", {"email": "z@example.com", "full_name": "Z", "role": "wizard"})
    assert response.status_code == 400 and "role" in response.json()["detail"]
    response = api(
        client,
        "post",
        "/api/v1/users",
        {"email": "z@example.com", "full_name": "Z", "member_of": ["00000000-0000-0000-0000-000000000000"]},
    )
    assert response.status_code == 400 and "teams" in response.json()["errors"]
    assert not User.objects.filter(email="z@example.com").exists()


def test_a_malformed_uuid_in_the_path_is_a_4xx(client_for):
    response = client_for("admin").get("/api/v1/users/not-a-uuid")
    assert 400 <= response.status_code < 500


def test_a_bad_cursor_is_a_4xx(client_for):
    response = client_for("admin").get("/api/v1/users?cursor=%%%")
    assert 400 <= response.status_code < 500


def test_lists_are_cursor_paginated(client_for, personas):
    client = client_for("admin")
    first = client.get("/api/v1/users?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"]
    seen = [u["email"] for u in first["results"]]
    next_url = first["next"]  # a full URL carrying the cursor and the other parameters
    while next_url:
        page = client.get(next_url.replace("http://testserver", "")).json()
        seen += [u["email"] for u in page["results"]]
        next_url = page["next"]
    assert sorted(seen) == sorted(User.objects.values_list("email", flat=True))


def test_a_team_is_created_and_patched_through_the_api(client_for, personas):
    client = client_for("admin")
    created = api(client, "post", "/api/v1/teams", {"name": "Team Z", "members": [str(personas.agent_b1.uuid)]})
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert [m["email"] for m in created.json()["members"]] == [personas.agent_b1.email]
    patched = api(client, "patch", f"/api/v1/teams/{team_id}", {"leads": [str(personas.manager_b.uuid)]})
    assert patched.status_code == 200
    team = Team.objects.get(uuid=team_id)
    assert list(team.leads.all()) == [personas.manager_b]
    assert list(team.members.all()) == [personas.agent_b1]


def test_a_role_is_created_with_checked_permission_codes(client_for):
    client = client_for("admin")
    bad = api(client, "post", "/api/v1/roles", {"name": "Odd", "permissions": ["nope.nope"]})
    assert bad.status_code == 400 and "nope.nope" in bad.json()["detail"]
    good = api(client, "post", "/api/v1/roles", {"name": "Reporter", "permissions": ["analytics.view"]})
    assert good.status_code == 201 and good.json()["permissions"] == ["analytics.view"]
    assert Role.objects.filter(name="Reporter").exists()


def test_the_token_is_returned_once_and_then_only_listed_by_prefix(client_for):
    client = client_for("evaluator")
    created = api(client, "post", "/api/v1/tokens", {"name": "bot"}).json()
    assert created["token"].startswith("cxq_")
    listed = client.get("/api/v1/tokens").json()["results"]
    assert "token" not in listed[0] and listed[0]["prefix"] == created["prefix"]
    authed = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert authed.status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{created['id']}")
    assert revoked.json()["revoked_at"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {created['token']}").status_code == 401


def test_token_requests_need_no_csrf_but_session_writes_do(personas):
    _, raw = api_token_create(user=personas.admin, name="x")
    token_client = Client(enforce_csrf_checks=True)
    response = token_client.patch(
        "/api/v1/me",
        data=json.dumps({"full_name": "Via Token"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    session_client = Client(enforce_csrf_checks=True)
    session_client.force_login(personas.admin)
    response = session_client.patch(
        "/api/v1/me", data=json.dumps({"full_name": "Forged"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    personas.admin.refresh_from_db()
    assert personas.admin.full_name == "Via Token"


def test_settings_patch_validates_and_reports_the_field(client_for):
    response = api(client_for("admin"), "patch", "/api/v1/settings", {"default_time_zone": "Nowhere/Land"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("default_time_zone:")


def test_the_openapi_document_lists_the_endpoints(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/teams", "/api/v1/roles", "/api/v1/tokens"):
        assert path in schema["paths"]


def test_the_docs_page_uses_no_cdn(db):
    html = Client().get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html


def test_only_those_who_change_the_settings_read_them(client_for):
    """docs/api.md, "Accounts": the settings as a whole are for ``settings.edit``; other roles get 403."""
    for persona in ("supervisor_a", "evaluator", "agent_a1", "norole"):
        response = api(client_for(persona), "get", "/api/v1/settings")
        assert response.status_code == 403, persona
        assert "webhook_secret_set" not in response.content.decode()
    body = api(client_for("admin"), "get", "/api/v1/settings").json()
    assert {"webhook_secret_set", "unknown_agents", "max_disputes", "dispute_window_days"} <= set(body)


def test_dispute_settings_are_changed_through_the_api_validated_and_audited(client_for):
    from cxq.accounts.models import OrgSettings
    from cxq.audit.models import AuditEvent

    admin = client_for("admin")
    bad = api(admin, "patch", "/api/v1/settings", {"max_disputes": 0, "dispute_window_days": 10})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("max_disputes:")
    assert OrgSettings.get().dispute_window_days == 14  # nothing changed
    ok = api(
        admin, "patch", "/api/v1/settings", {"max_disputes": 2, "dispute_window_days": 10, "dispute_response_days": 3}
    )
    assert ok.status_code == 200
    assert (ok.json()["max_disputes"], ok.json()["dispute_window_days"], ok.json()["dispute_response_days"]) == (
        2,
        10,
        3,
    )
    org = OrgSettings.get()
    assert (org.max_disputes, org.dispute_window_days, org.dispute_response_days) == (2, 10, 3)
    event = AuditEvent.objects.get(action="settings.updated")
    assert (event.before["max_disputes"], event.after["max_disputes"]) == (1, 2)
    assert event.after["dispute_response_days"] == 3
    refused = api(client_for("supervisor_a"), "patch", "/api/v1/settings", {"max_disputes": 5})
    assert refused.status_code == 403 and OrgSettings.get().max_disputes == 2
