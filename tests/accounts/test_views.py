from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client, override_settings
from django.urls import reverse

from cxq.accounts.models import ApiToken, Role, Team, User
from cxq.audit.models import AuditEvent
from tests.conftest import PASSWORD


def login(client: Client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_a_user_logs_in_with_email_and_password_and_lands_on_the_dashboard(personas):
    client = Client()
    response = login(client, "AGENT.A1@example.com", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Andy Agent" in page.content.decode()


def test_a_wrong_password_shows_a_plain_error_and_no_session(personas):
    client = Client()
    response = login(client, personas.agent_a1.email, "not-the-password")
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    assert client.get("/").status_code == 302


def test_login_is_throttled_after_repeated_failures(personas):
    client = Client()
    for variant in (
        "agent.a1@example.com",
        "AGENT.A1@example.com",
        " agent.a1@example.com",
        "Agent.A1@Example.com",
    ):
        login(client, variant, "wrong-password")
    login(client, personas.agent_a1.email, "wrong-password")
    response = login(client, personas.agent_a1.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/").status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get("/users/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=/users/")


def test_logout_is_post_only(client_for):
    client = client_for("agent_a1")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/").status_code == 302


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(db):
    from cxq import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")  # tests only
    assert "Argon2PasswordHasher" in project_settings.PASSWORD_HASHERS[1]
    hashed = make_password("s3cret-passphrase")
    assert hashed.startswith("argon2$")
    assert check_password("s3cret-passphrase", hashed)


def test_session_and_csrf_cookies_are_http_only_and_same_site(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_a_user_changes_their_password_and_stays_logged_in(personas):
    client = Client()
    login(client, personas.agent_a1.email, PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "new-long-passphrase",
            "new_password2": "new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    personas.agent_a1.refresh_from_db()
    assert personas.agent_a1.check_password("new-long-passphrase")
    assert AuditEvent.objects.filter(action="user.password_changed").exists()


def test_the_user_form_shows_errors_next_to_the_field_and_saves_nothing(client_for):
    client = client_for("admin")
    response = client.post(reverse("accounts:user_create"), {"email": "agent.a1@example.com", "full_name": "Dup"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "A user with this email already exists." in html
    assert User.objects.filter(email="agent.a1@example.com").count() == 1


def test_an_admin_adds_a_person_with_a_role_and_teams(client_for, personas):
    client = client_for("admin")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "email": "nina@example.com",
            "full_name": "Nina New",
            "role": Role.objects.get(key="agent").pk,
            "member_of": [personas.team_b.pk],
            "is_active": "on",
            "password": "a-good-long-passphrase",
        },
    )
    user = User.objects.get(email="nina@example.com")
    assert response.status_code == 302 and response.url == reverse("accounts:user_detail", args=[user.uuid])
    assert list(user.teams.all()) == [personas.team_b]
    assert user.check_password("a-good-long-passphrase")


def test_the_people_list_answers_htmx_filters_with_just_the_table(client_for):
    client = client_for("admin")
    response = client.get(
        reverse("accounts:user_list"), {"q": "bea"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="user-table"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="user-table">')
    assert "Bea Agent" in html and "Andy Agent" not in html
    assert "<html" not in html


def test_the_people_list_does_not_grow_queries_with_rows(client_for, personas, django_assert_max_num_queries):
    for i in range(30):
        u = User.objects.create_user(email=f"bulk{i}@example.com", full_name=f"Bulk {i}")
        u.teams.add(personas.team_a)
    client = client_for("admin")
    with django_assert_max_num_queries(16):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200


def test_a_supervisor_sees_only_their_teams_people_in_the_list(client_for, personas):
    html = client_for("supervisor_a").get(reverse("accounts:user_list")).content.decode()
    assert "Andy Agent" in html and "Bea Agent" not in html


def test_agents_see_their_team_leads_but_not_their_peers(client_for, personas):
    peer = User.objects.create_user(email="peer@example.com", full_name="Pat Peer")
    personas.team_a.members.add(peer)
    html = client_for("agent_a1").get(reverse("accounts:team_detail", args=[personas.team_a.uuid])).content.decode()
    assert "Sam Supervisor" in html
    assert "Pat Peer" not in html


def test_role_duplicate_opens_the_copy_for_editing(client_for):
    supervisor = Role.objects.get(key="supervisor")
    response = client_for("admin").post(reverse("accounts:role_duplicate", args=[supervisor.uuid]))
    copy = Role.objects.get(name="Supervisor (copy)")
    assert response.url == reverse("accounts:role_edit", args=[copy.uuid])
    assert copy.permissions == supervisor.permissions and not copy.is_builtin


def test_deleting_a_role_in_use_explains_why_and_keeps_it(client_for, personas):
    role = Role.objects.create(key="temp", name="Temp")
    personas.norole.role = role
    personas.norole.save()
    client = client_for("admin")
    response = client.post(reverse("accounts:role_delete", args=[role.uuid]), follow=True)
    assert "1 person still has this role" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_a_token_is_shown_once_then_only_its_prefix(client_for, personas):
    client = client_for("agent_a1")
    response = client.post(reverse("accounts:tokens"), {"name": "nightly import", "expires_in_days": "30"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("accounts:tokens"), 302)]
    token = ApiToken.objects.get(user=personas.agent_a1)
    assert 'data-testid="new-token"' in html
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert token.prefix in again and 'data-testid="new-token"' not in again


def test_org_settings_form_refuses_out_of_range_days(client_for):
    response = client_for("admin").post(
        reverse("accounts:org_settings"),
        {"name": "Acme", "default_time_zone": "UTC", "acknowledgement_days": "900"},
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 365" in response.content.decode()


@pytest.mark.parametrize(("zone", "says_recomputed"), [("Europe/Berlin", True), ("UTC", False)])
def test_saving_org_settings_says_when_reports_are_recomputed_for_a_new_time_zone(client_for, zone, says_recomputed):
    form = {
        "name": "Acme",
        "default_time_zone": zone,
        "acknowledgement_days": "7",
        "unknown_agents": "create",
        "silence_seconds": "5",
        "crosstalk_seconds": "1",
    }
    response = client_for("admin").post(reverse("accounts:org_settings"), form, follow=True)
    html = response.content.decode()
    assert "Settings saved." in html
    assert ("Reports are being recomputed for the new time zone" in html) is says_recomputed


@pytest.mark.parametrize("persona", ["admin", "supervisor_a", "manager_b", "evaluator", "agent_a1", "norole"])
def test_every_role_has_a_dashboard(client_for, persona):
    response = client_for(persona).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    if persona == "norole":
        assert 'data-testid="no-role"' in html
    if persona == "admin":
        assert 'data-testid="admin-stats"' in html
    if persona in ("supervisor_a", "manager_b", "evaluator"):
        assert 'data-testid="led-teams"' in html
    if persona == "agent_a1":
        assert 'data-testid="my-teams"' in html


def test_times_are_shown_in_the_users_time_zone(client_for, personas):
    from cxq.accounts.services import user_update_profile

    user_update_profile(user=personas.agent_a1, full_name="Andy Agent", time_zone="Asia/Tokyo")
    html = client_for("agent_a1").get("/").content.decode()
    assert "Asia/Tokyo" in html


def test_unknown_pages_are_404_pages_not_errors(client_for):
    response = client_for("admin").get(f"/teams/{Team.objects.first().uuid.hex[:8]}/")
    assert response.status_code == 404


def test_saving_a_new_time_zone_over_a_large_history_says_how_to_recompute_the_reports(client_for, monkeypatch):
    from cxq.analytics import services as analytics

    monkeypatch.setattr(analytics, "AUTO_REBUILD_MAX", -1)
    form = {
        "name": "Acme",
        "default_time_zone": "Asia/Tokyo",
        "acknowledgement_days": "7",
        "unknown_agents": "create",
        "silence_seconds": "5",
        "crosstalk_seconds": "1",
    }
    html = client_for("admin").post(reverse("accounts:org_settings"), form, follow=True).content.decode()
    assert "Reports keep counting days in UTC until they are recomputed" in html
    assert "cxq analytics rebuild" in html


def test_the_settings_page_edits_the_dispute_rules(client_for):
    from cxq.accounts.models import OrgSettings

    admin = client_for("admin")
    page = admin.get(reverse("accounts:org_settings")).content.decode()
    for name in ("dispute_window_days", "max_disputes", "dispute_response_days"):
        assert f'name="{name}"' in page, name
    form = {
        "name": "Acme",
        "default_time_zone": "UTC",
        "acknowledgement_days": "7",
        "unknown_agents": "create",
        "silence_seconds": "5",
        "crosstalk_seconds": "1",
        "dispute_window_days": "21",
        "max_disputes": "3",
        "dispute_response_days": "0",
    }
    refused = admin.post(reverse("accounts:org_settings"), form)
    assert refused.status_code == 200 and "greater than or equal to 1" in refused.content.decode()
    assert OrgSettings.get().max_disputes == 1
    saved = admin.post(reverse("accounts:org_settings"), {**form, "dispute_response_days": "5"}, follow=True)
    assert "Settings saved." in saved.content.decode()
    org = OrgSettings.get()
    assert (org.dispute_window_days, org.max_disputes, org.dispute_response_days) == (21, 3, 5)
