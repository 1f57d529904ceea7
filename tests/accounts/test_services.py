from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cxq.accounts import services
from cxq.accounts.models import ApiToken, OrgSettings, Role, Team, User
from cxq.accounts.permissions import PERMISSION_CODES
from cxq.audit.models import AuditEvent
from cxq.notifications.models import Notification, OutboundEmail


def test_a_new_user_gets_the_agent_role_and_an_audit_event(personas):
    user = services.user_create(by=personas.admin, email=" New.Person@Example.com ", full_name="New Person")
    assert user.email == "new.person@example.com"
    assert user.role.key == "agent"
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(action="user.created", object_id=str(user.uuid))
    assert event.actor == personas.admin
    assert event.after["role"] == "Agent"


def test_emails_are_unique_whatever_their_case(personas):
    with pytest.raises(ValidationError) as exc:
        services.user_create(by=personas.admin, email="AGENT.A1@example.com", full_name="Dup")
    assert "email" in exc.value.message_dict
    assert User.objects.filter(email__iexact="agent.a1@example.com").count() == 1


def test_a_weak_password_is_refused_with_the_field_named(personas):
    with pytest.raises(ValidationError) as exc:
        services.user_create(by=personas.admin, email="w@example.com", full_name="W", password="12345")
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(email="w@example.com").exists()


def test_only_user_managers_create_users(personas):
    with pytest.raises(PermissionDenied):
        services.user_create(by=personas.supervisor_a, email="x@example.com", full_name="X")
    assert not User.objects.filter(email="x@example.com").exists()


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(personas):
    agent_role = Role.objects.get(key="agent")
    with pytest.raises(ValidationError):
        services.user_update(by=personas.admin, user=personas.admin, role=agent_role)
    with pytest.raises(ValidationError):
        services.user_update(by=personas.admin, user=personas.admin, is_active=False)
    personas.admin.refresh_from_db()
    assert personas.admin.role.key == "admin" and personas.admin.is_active


def test_an_admin_can_step_down_once_another_admin_exists(personas):
    services.user_update(by=personas.admin, user=personas.supervisor_a, role=Role.objects.get(key="admin"))
    services.user_update(by=personas.admin, user=personas.admin, role=Role.objects.get(key="supervisor"))
    personas.admin.refresh_from_db()
    assert personas.admin.role.key == "supervisor"


def test_a_role_change_is_audited_with_before_and_after_and_tells_the_user(
    personas, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update(by=personas.admin, user=personas.agent_a1, role=Role.objects.get(key="evaluator"))
    event = AuditEvent.objects.filter(action="user.updated").latest("id")
    assert event.before["role"] == "Agent" and event.after["role"] == "Evaluator"
    note = Notification.objects.get(recipient=personas.agent_a1, kind="account.role_changed")
    assert "Evaluator" in note.title
    assert [m.to for m in mailoutbox] == [[personas.agent_a1.email]]


def test_an_update_that_changes_nothing_writes_no_audit_event(personas):
    count = AuditEvent.objects.count()
    services.user_update(by=personas.admin, user=personas.agent_a1, full_name=personas.agent_a1.full_name)
    assert AuditEvent.objects.count() == count


def test_external_ids_are_unique(personas):
    services.user_update(by=personas.admin, user=personas.agent_a1, external_id="AG-1")
    with pytest.raises(ValidationError) as exc:
        services.user_update(by=personas.admin, user=personas.agent_b1, external_id="AG-1")
    assert "external_id" in exc.value.message_dict


def test_an_unknown_time_zone_is_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.user_update_profile(user=personas.agent_a1, full_name="A", time_zone="Mars/Olympus")
    assert "time_zone" in exc.value.message_dict


def test_a_custom_role_can_be_created_duplicated_edited_and_deleted_when_unused(personas):
    role = services.role_create(by=personas.admin, name="QA Lead", permissions=["scorecards.view", "audit.view"])
    assert role.key == "qa-lead" and not role.is_builtin
    copy = services.role_duplicate(by=personas.admin, role=role)
    assert copy.name == "QA Lead (copy)" and copy.permissions == role.permissions
    services.role_update(by=personas.admin, role=copy, permissions=["analytics.view"])
    copy.refresh_from_db()
    assert copy.permissions == ["analytics.view"]
    personas.norole.role = copy
    personas.norole.save()
    with pytest.raises(ValidationError):
        services.role_delete(by=personas.admin, role=copy)
    services.role_delete(by=personas.admin, role=role)
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(action="role.deleted", object_repr="QA Lead").exists()


def test_built_in_roles_cannot_be_deleted_or_renamed(personas):
    supervisor = Role.objects.get(key="supervisor")
    with pytest.raises(ValidationError):
        services.role_delete(by=personas.admin, role=supervisor)
    with pytest.raises(ValidationError):
        services.role_update(by=personas.admin, role=supervisor, name="Team lead")
    assert Role.objects.get(key="supervisor").name == "Supervisor"


def test_the_admin_role_always_keeps_every_permission(personas):
    admin = Role.objects.get(key="admin")
    with pytest.raises(ValidationError):
        services.role_update(by=personas.admin, role=admin, permissions=["audit.view"])
    assert set(Role.objects.get(key="admin").permissions) == PERMISSION_CODES


def test_unknown_permission_codes_are_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.role_create(by=personas.admin, name="Bad", permissions=["launch.missiles"])
    assert "launch.missiles" in str(exc.value)
    assert not Role.objects.filter(name="Bad").exists()


def test_role_names_are_unique_whatever_their_case(personas):
    with pytest.raises(ValidationError):
        services.role_create(by=personas.admin, name="supervisor")


def test_a_team_is_created_with_members_and_leads_who_are_told(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        team = services.team_create(
            by=personas.admin, name="Team C", members=[personas.agent_b1], leads=[personas.manager_b]
        )
    assert list(team.members.all()) == [personas.agent_b1]
    assert list(team.leads.all()) == [personas.manager_b]
    assert Notification.objects.filter(recipient=personas.agent_b1, kind="account.team_added").exists()
    assert OutboundEmail.objects.filter(to=personas.agent_b1.email, status="sent").exists()
    event = AuditEvent.objects.get(action="team.created")
    assert event.after["members"] == [personas.agent_b1.email]


def test_only_new_members_are_notified_when_a_team_changes(personas):
    team = personas.team_a
    services.team_update(by=personas.admin, team=team, members=[personas.agent_a1, personas.agent_b1])
    assert not Notification.objects.filter(recipient=personas.agent_a1).exists()
    assert Notification.objects.filter(recipient=personas.agent_b1, kind="account.team_added").count() == 1


def test_deleting_a_team_keeps_its_people_and_is_audited(personas):
    services.team_delete(by=personas.admin, team=personas.team_a)
    assert not Team.objects.filter(name="Team A").exists()
    assert User.objects.filter(pk=personas.agent_a1.pk).exists()
    assert AuditEvent.objects.get(action="team.deleted").before["name"] == "Team A"


def test_org_settings_are_validated_and_audited(personas):
    with pytest.raises(ValidationError) as exc:
        services.org_settings_update(by=personas.admin, acknowledgement_days=0)
    assert "acknowledgement_days" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.org_settings_update(by=personas.supervisor_a, acknowledgement_days=3)
    services.org_settings_update(by=personas.admin, acknowledgement_days=3, default_time_zone="America/Chicago")
    org = OrgSettings.get()
    assert (org.acknowledgement_days, org.default_time_zone) == (3, "America/Chicago")
    event = AuditEvent.objects.get(action="settings.updated")
    assert event.before["acknowledgement_days"] == 7 and event.after["acknowledgement_days"] == 3


def test_a_token_is_stored_only_as_a_digest_and_authenticates_its_owner(personas):
    token, raw = services.api_token_create(user=personas.agent_a1, name="script")
    assert raw.startswith("cxq_") and raw not in {token.digest, token.prefix}
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert services.api_token_authenticate(raw) == personas.agent_a1
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_expired_and_unknown_tokens_do_not_authenticate(personas):
    from datetime import timedelta

    from django.utils import timezone

    token, raw = services.api_token_create(user=personas.agent_a1, name="short", expires_in_days=1)
    assert services.api_token_authenticate(raw, now=timezone.now() + timedelta(days=2)) is None
    services.api_token_revoke(by=personas.agent_a1, token=token)
    assert services.api_token_authenticate(raw) is None
    assert services.api_token_authenticate("cxq_not-a-token") is None
    assert services.api_token_authenticate("") is None


def test_a_deactivated_users_token_stops_working(personas):
    _, raw = services.api_token_create(user=personas.agent_b1, name="x")
    services.user_update(by=personas.admin, user=personas.agent_b1, is_active=False)
    assert services.api_token_authenticate(raw) is None


def test_nobody_can_revoke_someone_elses_token_without_user_management(personas):
    token, _ = services.api_token_create(user=personas.agent_a1, name="x")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(by=personas.agent_b1, token=token)
    services.api_token_revoke(by=personas.admin, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_builtin_roles_are_recreated_idempotently(db):
    first = services.roles_ensure_builtin()
    second = services.roles_ensure_builtin()
    assert [r.pk for r in first] == [r.pk for r in second]
    assert Role.objects.filter(is_builtin=True).count() == 5


def test_a_new_user_who_can_log_in_is_welcomed_and_one_without_login_is_not(personas):
    with_login = services.user_create(
        by=personas.admin,
        email="w1@example.com",
        full_name="W One",
        password="a-long-enough-passphrase",
        member_of=[personas.team_a],
    )
    without = services.user_create(by=personas.admin, email="w2@example.com", full_name="W Two")
    welcome = Notification.objects.get(recipient=with_login, kind="account.welcome")
    assert "Team A" in welcome.body and "w1@example.com" in welcome.body
    assert OutboundEmail.objects.filter(to="w1@example.com", subject="Welcome to CXQ").exists()
    assert not Notification.objects.filter(recipient=without).exists()
