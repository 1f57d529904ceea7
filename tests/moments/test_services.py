"""Moments' services and selectors (docs/moments.md): the range and its excerpt, the clip cut by the
worker, the library's scope and filters, sharing with notices, and the sharing policy at creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cxq.accounts.models import Role
from cxq.audit.models import AuditEvent
from cxq.moments import selectors, services
from cxq.moments.models import Moment, SharePolicy
from cxq.notifications.models import Notification
from tests.moments.conftest import make_interaction


def test_a_moment_keeps_the_lines_in_its_range_and_its_clip_is_cut(moment, personas):
    assert moment.status == Moment.Status.READY, moment.error
    assert [line[3] for line in moment.excerpt] == [
        "I was charged twice and want a refund.",
        "I am sorry about that, let me check your invoice.",
    ]
    assert moment.tags == ["billing", "refund-request"]
    assert moment.clip_method == "copy" and moment.clip_content_type == "audio/mp4"
    assert abs(moment.clip_duration - 5.5) <= 0.128 + 1e-6
    assert moment.clip.size > 0
    entry = AuditEvent.objects.filter(action="moment.created").get()
    assert entry.after["title"] == "Double charge"


def test_a_moment_without_a_recording_is_its_transcript(personas):
    interaction = make_interaction(personas, "chat-1")
    moment = services.moment_create(by=personas.evaluator, interaction=interaction, start=0, end=4, title="Opening")
    assert moment.status == Moment.Status.NO_MEDIA and len(moment.excerpt) == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("x", 3, "start"), (-1, 3, "start"), (5, 5, "end"), (5, 2, "end"), (0, 16 * 60, "end"), (40, 45, "start")],
)
def test_a_bad_range_is_refused_naming_the_field(personas, start, end, field):
    interaction = make_interaction(personas, "chat-2")
    with pytest.raises(ValidationError) as caught:
        services.moment_create(by=personas.admin, interaction=interaction, start=start, end=end, title="T")
    assert field in caught.value.message_dict
    assert not Moment.objects.exists()


def test_title_and_tags_are_checked(personas):
    interaction = make_interaction(personas, "chat-3")
    with pytest.raises(ValidationError, match="required"):
        services.moment_create(by=personas.admin, interaction=interaction, start=0, end=2, title="  ")
    with pytest.raises(ValidationError, match="At most 10 tags"):
        services.moment_create(
            by=personas.admin, interaction=interaction, start=0, end=2, title="T", tags=[f"t{i}" for i in range(11)]
        )


def test_only_people_who_may_share_and_see_the_interaction_make_moments(personas):
    interaction = make_interaction(personas, "chat-4")
    with pytest.raises(PermissionDenied):
        services.moment_create(by=personas.agent_a1, interaction=interaction, start=0, end=2, title="T")
    with pytest.raises(PermissionDenied):  # team B's manager does not see team A's call
        services.moment_create(by=personas.manager_b, interaction=interaction, start=0, end=2, title="T")


def test_the_library_is_the_interaction_scope_plus_what_was_shared(moment, personas):
    def seen(who):
        return list(selectors.moment_list(viewer=personas.get(who)))

    assert seen("admin") == seen("supervisor_a") == seen("evaluator") == seen("agent_a1") == [moment]
    assert seen("manager_b") == seen("agent_b1") == []
    services.moment_share(by=personas.supervisor_a, moment=moment, teams=[personas.team_b])
    assert seen("manager_b") == seen("agent_b1") == [moment]
    assert not selectors.interaction_visible(viewer=personas.agent_b1, moment=moment)
    with pytest.raises(PermissionDenied):
        selectors.moment_list(viewer=personas.norole)


def test_the_library_filters(moment, personas):
    other = services.moment_create(
        by=personas.evaluator, interaction=make_interaction(personas, "chat-5"), start=12, end=15, title="Account"
    )
    viewer = personas.admin

    def found(**values):
        return list(selectors.moment_list(viewer=viewer, **values))

    assert found(q="invoice") == [moment]  # excerpt text
    assert found(q="twice") == [moment]  # note and excerpt
    assert found(q="account") == [other]  # title and excerpt
    assert found(tag="Refund request") == [moment]
    assert found(tag="refund") == []  # whole tags only
    assert found(creator=str(personas.evaluator.uuid)) == [other]
    assert found(agent=str(personas.agent_a1.uuid)) == [other, moment]
    assert found(team=str(personas.team_b.uuid)) == []
    today = timezone.localdate()
    assert len(found(date_from=today.isoformat(), date_to=today.isoformat())) == 2
    assert found(date_to=(today - timedelta(days=1)).isoformat()) == []
    with pytest.raises(ValidationError):
        found(date_from=today.isoformat(), date_to=(today - timedelta(days=2)).isoformat())


def test_sharing_notifies_people_and_team_members_once(moment, personas):
    services.moment_share(by=personas.supervisor_a, moment=moment, users=[personas.manager_b], teams=[personas.team_a])
    told = set(Notification.objects.filter(kind="moment.shared").values_list("recipient__email", flat=True))
    # team A: agent_a1 (member) and the evaluator (lead); the sharer is not told
    assert told == {personas.manager_b.email, personas.agent_a1.email, personas.evaluator.email}
    assert Notification.objects.filter(kind="moment.shared").first().url == f"/moments/{moment.uuid}/"
    again = services.moment_share(by=personas.supervisor_a, moment=moment, users=[personas.manager_b])
    assert again == [] and Notification.objects.filter(kind="moment.shared").count() == 3
    with pytest.raises(ValidationError):
        services.moment_share(by=personas.supervisor_a, moment=moment)


def test_delete_is_for_its_creator_or_an_admin(moment, personas):
    with pytest.raises(PermissionDenied):
        services.moment_delete(by=personas.evaluator, moment=moment)
    services.moment_delete(by=personas.admin, moment=moment)
    assert not Moment.objects.exists()
    assert AuditEvent.objects.filter(action="moment.deleted").exists()


def _policy(role_key, *, password=False, days=30):
    SharePolicy.objects.update_or_create(
        role=Role.objects.get(key=role_key), defaults={"password_required": password, "max_expiry_days": days}
    )


@pytest.mark.parametrize(
    ("password_required", "max_days", "password", "days", "refused"),
    [
        (False, 30, "", 30, None),
        (False, 30, "", 31, "expires_in_days"),
        (False, 30, "", 0, "expires_in_days"),
        (False, 30, "long enough", 7, None),
        (False, 30, "short", 7, "password"),
        (True, 30, "", 7, "password"),
        (True, 30, "long enough", 7, None),
        (True, 5, "long enough", 6, "expires_in_days"),
    ],
)
def test_the_policy_is_enforced_when_a_link_is_made(
    moment, personas, password_required, max_days, password, days, refused
):
    _policy("supervisor", password=password_required, days=max_days)
    if refused:
        with pytest.raises(ValidationError) as caught:
            services.link_create(by=personas.supervisor_a, moment=moment, expires_in_days=days, password=password)
        assert refused in caught.value.message_dict
        assert not moment.links.exists()
    else:
        link, token = services.link_create(
            by=personas.supervisor_a, moment=moment, expires_in_days=days, password=password
        )
        assert len(token) >= 40 and token not in link.digest and link.digest == selectors.token_digest(token)
        assert link.has_password == bool(password)
        assert not password or password not in link.password


def test_a_role_without_external_sharing_makes_no_link(moment, personas):
    # the evaluator may share inside (moments.share) but not outside
    with pytest.raises(PermissionDenied):
        services.link_create(by=personas.evaluator, moment=moment, expires_in_days=1)
    assert not moment.links.exists()


def test_the_policy_page_service_checks_the_days(personas):
    role = Role.objects.get(key="supervisor")
    with pytest.raises(ValidationError, match="365"):
        services.policy_update(by=personas.admin, role=role, password_required=True, max_expiry_days=400)
    with pytest.raises(PermissionDenied):
        services.policy_update(by=personas.supervisor_a, role=role, password_required=True, max_expiry_days=3)
    services.policy_update(by=personas.admin, role=role, password_required=True, max_expiry_days=3)
    assert AuditEvent.objects.filter(action="moment.policy_updated").exists()
