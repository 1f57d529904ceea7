"""The domain events and who reacts to them (cxq/wiring.py, docs/architecture.md)."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from cxq.events import AuditTrail, Name, Phase, bus, publish, subscribe, subscribers
from cxq.wiring import SCORE_CHANGES

# Every event × the subscribers it must reach: a new event, or a subscriber lost in a refactor, fails here.
EXPECTED: dict[Name, set[str]] = {
    Name.EVALUATION_STARTED: {"history.record"},
    Name.EVALUATION_COMPLETED: {
        "history.record",
        "analytics.on_evaluation_changed",
        "notices.on_completed",
        "webhooks.on_event",
    },
    Name.EVALUATION_ACKNOWLEDGED: {"history.record", "webhooks.on_event"},
    Name.EVALUATION_AUTO_ACKNOWLEDGED: {"history.record", "webhooks.on_event"},
    Name.EVALUATION_DISPUTED: {
        "history.record",
        "analytics.on_evaluation_changed",
        "notices.on_disputed",
        "webhooks.on_event",
    },
    Name.EVALUATION_DISPUTE_ANSWERED: {
        "history.record",
        "analytics.on_evaluation_changed",
        "notices.on_dispute_answered",
        "webhooks.on_event",
    },
    Name.EVALUATION_VOIDED: {
        "history.record",
        "analytics.on_evaluation_changed",
        "coaching.on_evaluation_withdrawn",  # a coaching focus on it: withdrawn, the coach told
        "notices.on_focus_withdrawn",
    },
    Name.EVALUATION_RESTORED: {"history.record", "coaching.on_evaluation_restored"},
    Name.EVALUATION_DELETED: {
        "analytics.on_evaluation_deleted",
        "coaching.on_evaluation_withdrawn",
        "notices.on_focus_withdrawn",
    },
    # a draft: never in analytics, only audited (and withdrawn from a coaching focus, as a deletion)
    Name.EVALUATION_DISCARDED: {"coaching.on_evaluation_withdrawn", "notices.on_focus_withdrawn"},
    Name.ASSIGNMENT_CREATED: {"notices.on_assignment_created"},
    Name.ASSIGNMENT_EXTENDED: {"notices.on_assignment_extended"},
    Name.COACHING_SCHEDULED: {"notices.on_scheduled", "services.on_coaching_event"},
    Name.COACHING_RESCHEDULED: {"notices.on_scheduled", "services.on_coaching_event"},
    Name.COACHING_UPDATED: set(),
    Name.COACHING_CANCELLED: {"notices.on_cancelled", "services.on_coaching_event"},
    Name.COACHING_COMPLETED: {"notices.on_completed"},
    Name.COACHING_MISSED: {"notices.on_missed"},
    Name.COACHING_ACKNOWLEDGED: {"notices.on_acknowledged"},
    Name.GOAL_CREATED: set(),
    Name.GOAL_UPDATED: set(),
    Name.GOAL_PERIOD_GENERATED: {"webhooks.on_event"},
    Name.EVALUATION_ADOPTED: {"history.record", "analytics.on_evaluation_changed"},
    Name.AUTOMATION_CREATED: set(),
    Name.AUTOMATION_UPDATED: set(),
    Name.AUTOMATION_DELETED: set(),
    Name.AUTOMATION_REORDERED: set(),
    Name.AUTOMATION_TASKS_CREATED: {"notices.on_tasks_drawn"},
    Name.CALIBRATION_CREATED: {"notices.on_invited"},
    Name.CALIBRATION_ASSESSOR_ADDED: {"notices.on_invited"},
    Name.CALIBRATION_ASSESSOR_REMOVED: set(),
    Name.CALIBRATION_CLOSED: {"notices.on_closed", "webhooks.on_event"},
    Name.SCORECARD_CREATED: set(),
    Name.SCORECARD_SAVED: set(),
    Name.SCORECARD_REWORDED: set(),
    Name.SCORECARD_NEW_VERSION: set(),
    Name.SCORECARD_PUBLISHED: set(),
    Name.SCORECARD_ARCHIVED: set(),
    Name.SCORECARD_RESTORED: set(),
    Name.SCORECARD_DELETED: set(),
    Name.SCORECARD_APPLICABILITY_CHANGED: set(),
    Name.SCORECARD_LINKS_CHANGED: set(),
    Name.COMMENT_CREATED: {"comments.on_comment_created"},
    Name.COMMENT_EDITED: set(),
    Name.COMMENT_DELETED: set(),
    Name.PHRASE_SET_CREATED: set(),
    Name.PHRASE_SET_UPDATED: set(),
    Name.PHRASE_SET_DELETED: set(),
    Name.ENRICHMENT_RERUN_REQUESTED: set(),
    Name.RECORDING_UPLOADED: set(),
    Name.SCREEN_TRACK_UPLOADED: set(),
    Name.RECORDINGS_DOWNLOADED: set(),
    Name.MEDIA_RETENTION_PURGED: set(),
    Name.INTERACTION_ENRICHED: {"webhooks.on_event", "services.on_interactions_enriched"},
    Name.INTERACTION_CHANNEL_CHANGED: {"analytics.on_channel_changed"},
    Name.SAVED_FILTER_CREATED: set(),  # audited only: a personal preference
    Name.SAVED_FILTER_UPDATED: set(),
    Name.SAVED_FILTER_DELETED: set(),
    Name.USER_CREATED: {"accounts.on_user_created"},
    Name.USER_UPDATED: {"accounts.on_user_updated", "evaluations.on_user_updated"},
    Name.USER_PROFILE_UPDATED: {"evaluations.on_user_updated"},
    Name.USER_PASSWORD_CHANGED: {"accounts.on_password_changed"},
    Name.USER_PASSWORD_RESET: {"accounts.on_password_changed"},
    Name.USER_PASSWORD_RESET_REQUESTED: {"accounts.on_password_reset_requested"},
    Name.USER_PASSWORD_RECOVERED: {"accounts.on_password_changed"},
    Name.USER_PROMOTED_ADMIN: set(),
    Name.ROLE_CREATED: set(),
    Name.ROLE_UPDATED: set(),
    Name.ROLE_DELETED: set(),
    Name.TEAM_CREATED: {"accounts.on_team_joined"},
    Name.TEAM_UPDATED: {"accounts.on_team_joined"},
    Name.TEAM_DELETED: {"analytics.on_team_deleted"},
    Name.SETTINGS_UPDATED: set(),
    Name.API_TOKEN_CREATED: {"accounts.on_token_created"},
    Name.API_TOKEN_REVOKED: set(),
    Name.SCIM_TOKEN_CREATED: set(),
    Name.SCIM_TOKEN_REVOKED: set(),
    Name.SCIM_LINK_UPDATED: set(),
    Name.ORG_TIME_ZONE_CHANGED: {"analytics.on_time_zone_changed"},
    Name.SSO_SETTINGS_UPDATED: set(),
    Name.SSO_LOGIN: set(),
    Name.SSO_LOGIN_REFUSED: set(),
    Name.WEBHOOK_ENDPOINT_CREATED: set(),
    Name.WEBHOOK_ENDPOINT_UPDATED: set(),
    Name.WEBHOOK_ENDPOINT_DELETED: set(),
    Name.WEBHOOK_ENDPOINT_DISABLED: {"webhooks.on_endpoint_disabled"},
    Name.SCHEDULE_IMPORTED: set(),
    Name.SCHEDULE_ENTRY_DELETED: set(),
    Name.SCHEDULE_SETTINGS_UPDATED: set(),
    Name.SCHEDULE_FEED_CREATED: set(),
    Name.SCHEDULE_FEED_REVOKED: set(),
    Name.MOMENT_CREATED: set(),
    Name.MOMENT_SHARED: {"moments.on_shared"},
    Name.MOMENT_SHARE_LINK_CREATED: set(),
    Name.MOMENT_SHARE_LINK_REVOKED: set(),
    Name.MOMENT_DELETED: set(),
    Name.MOMENT_POLICY_UPDATED: set(),
}


def _short(sub) -> str:
    module = sub.handler.__module__.rsplit(".", 1)[-1].replace("projections", "analytics")
    if sub.handler.__module__.startswith("cxq.notifications.notices."):
        module = "notices" if module in ("evaluations", "calibrations") else module
    if sub.handler.__module__.startswith("cxq.webhooks."):
        module = "webhooks"
    if sub.handler.__module__ == "cxq.coaching.projections":
        module = "coaching"
    if sub.handler.__module__ == "cxq.evaluations.projections":
        module = "evaluations"
    return f"{module}.{sub.handler.__name__}"


def test_every_event_has_an_expectation():
    assert set(EXPECTED) == set(Name)


@pytest.mark.parametrize("name", list(Name))
def test_each_event_reaches_its_subscribers_and_the_audit_log(name):
    subs = subscribers(name)
    names = {_short(s) for s in subs if s.handler.__module__ != "cxq.audit.projections"}
    assert names == EXPECTED[name]
    assert any(s.handler.__module__ == "cxq.audit.projections" for s in subs), "every event may be audited"
    for sub in subs:
        if sub.handler.__module__.startswith(("cxq.notifications.notices", "cxq.coaching.notices")):
            assert sub.phase is Phase.OUTBOX, f"{sub.label} tells people: it must never fail the write"
        elif sub.handler.__module__.startswith("cxq.webhooks."):
            assert sub.phase is Phase.OUTBOX, f"{sub.label} tells other systems: it must never fail the write"
        elif sub.handler.__module__.startswith("cxq.automations"):
            assert sub.phase is Phase.OUTBOX, f"{sub.label} acts on arrivals: a failing card never loses them"
        elif sub.handler.__module__.startswith("cxq.schedules"):
            assert sub.phase is Phase.OUTBOX, f"{sub.label} follows a booking: a schedule never loses it"
        else:
            assert sub.phase is Phase.PROJECTION, f"{sub.label} must stay consistent with the write"


def test_score_changes_are_the_events_that_move_analytics():
    assert set(SCORE_CHANGES) == {n for n in Name if "analytics.on_evaluation_changed" in EXPECTED[n]}


@pytest.fixture
def scratch(monkeypatch):
    """A private registry, so these tests subscribe without touching the real wiring."""
    registry: dict = {}
    monkeypatch.setattr(bus, "_registry", __import__("collections").defaultdict(list, registry))
    return bus._registry


def _write_team(name: str):
    from cxq.accounts.models import Team

    return Team.objects.create(name=name)


@pytest.mark.django_db(transaction=True)
def test_a_failing_outbox_subscriber_never_loses_the_write(scratch, caplog):
    from cxq.accounts.models import Team

    def broken(event):
        _write_team("written by the broken subscriber")
        raise RuntimeError("mail template missing")

    seen = []
    subscribe(Name.TEAM_DELETED, broken, phase=Phase.OUTBOX)
    subscribe(Name.TEAM_DELETED, seen.append, phase=Phase.OUTBOX)
    with caplog.at_level(logging.ERROR, logger="cxq.events"), transaction.atomic():
        team = _write_team("the write")
        publish(Name.TEAM_DELETED, subject=team)
    assert list(Team.objects.values_list("name", flat=True)) == ["the write"]  # the broken one's work undone
    assert len(seen) == 1  # the next subscriber still ran
    assert "mail template missing" in caplog.text and "test_wiring" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_subscriber_never_loses_the_write(scratch, caplog):
    from cxq.accounts.models import Team

    def broken(event):
        raise RuntimeError("queue is down")

    ran = []
    subscribe(Name.TEAM_DELETED, broken, phase=Phase.AFTER_COMMIT)
    subscribe(
        Name.TEAM_DELETED, lambda e: ran.append(Team.objects.filter(pk=e.subject.pk).exists()), phase=Phase.AFTER_COMMIT
    )
    with caplog.at_level(logging.ERROR), transaction.atomic():
        team = _write_team("the write")
        publish(Name.TEAM_DELETED, subject=team)
        assert ran == []  # not before the commit
    assert Team.objects.filter(name="the write").exists()
    assert ran == [True]  # after the commit, and the write is visible to it
    assert "queue is down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failing_projection_fails_the_write(scratch):
    from cxq.accounts.models import Team

    def broken(event):
        raise RuntimeError("facts out of step")

    subscribe(Name.TEAM_DELETED, broken, phase=Phase.PROJECTION)
    with pytest.raises(RuntimeError), transaction.atomic():
        team = _write_team("the write")
        publish(Name.TEAM_DELETED, subject=team)
    assert not Team.objects.exists()


def test_the_audit_log_records_the_event_name_and_trail(personas):
    from cxq.audit.models import AuditEvent

    publish(
        Name.TEAM_DELETED,
        subject=personas.team_b,
        actor=personas.admin,
        data={"team_id": personas.team_b.pk},
        audit=AuditTrail(before={"name": "Team B"}),
    )
    publish(Name.TEAM_DELETED, subject=personas.team_b, data={"team_id": 0})  # no trail: not audited
    event = AuditEvent.objects.get(action="team.deleted")
    assert event.object_id == str(personas.team_b.uuid) and event.before == {"name": "Team B"}
    assert event.actor == personas.admin


def test_subscribing_twice_is_one_subscription(scratch):
    def handler(event):
        pass

    subscribe(Name.TEAM_DELETED, handler, phase=Phase.OUTBOX)
    subscribe(Name.TEAM_DELETED, handler, phase=Phase.OUTBOX)
    assert len(subscribers(Name.TEAM_DELETED)) == 1
