"""Who reacts to which domain event: the one place where producers meet their consumers.

Producers (services) publish events and never import the apps that react to them; this module, at the
top of the project, is the only code that knows both sides. It runs once at start-up
(``cxq.core.apps.CoreConfig.ready``). Phases are explained in ``cxq/events/bus.py`` and
docs/architecture.md. To add a reaction: write a function taking a ``DomainEvent`` in the consuming
app, and subscribe it here in the right phase.
"""

from __future__ import annotations

from cxq.accounts import services as account_services
from cxq.accounts import views as account_views
from cxq.analytics import drill
from cxq.analytics import projections as analytics
from cxq.analytics import services as analytics_services
from cxq.audit import projections as audit
from cxq.automations import services as automations
from cxq.calibrations import selectors as calibration_selectors
from cxq.coaching import notices as coaching_notices
from cxq.coaching import projections as coaching
from cxq.evaluations import history
from cxq.evaluations import projections as evaluation_projections
from cxq.evaluations import selectors as evaluation_selectors
from cxq.events import Name, Phase, subscribe
from cxq.interactions import filters as interaction_filters
from cxq.interactions import selectors as interaction_selectors
from cxq.notifications.notices import accounts as account_notices
from cxq.notifications.notices import calibrations as calibration_notices
from cxq.notifications.notices import comments as comment_notices
from cxq.notifications.notices import evaluations as evaluation_notices
from cxq.notifications.notices import moments as moment_notices
from cxq.notifications.notices import webhooks as webhook_notices
from cxq.schedules import services as schedules
from cxq.scorecards import links as scorecard_links
from cxq.sso import services as sso_services
from cxq.webhooks import registry as webhook_events
from cxq.webhooks import services as webhooks

# Events whose effect on an evaluation's score, status or counting must reach the analytics facts.
SCORE_CHANGES = (
    Name.EVALUATION_COMPLETED,
    Name.EVALUATION_DISPUTED,
    Name.EVALUATION_DISPUTE_ANSWERED,
    Name.EVALUATION_VOIDED,
    Name.EVALUATION_ADOPTED,
)

# Events after which an evaluation is no longer there to coach on (voided, or gone for good).
EVALUATION_WITHDRAWALS = (Name.EVALUATION_VOIDED, Name.EVALUATION_DELETED, Name.EVALUATION_DISCARDED)


def wire() -> None:
    # --- lookups a lower app needs from a higher one (dependency inversion, no import upwards) ------
    evaluation_selectors.answer_lookup = drill.evaluation_ids_answering
    interaction_filters.evaluated_lookup = evaluation_selectors.evaluated_interaction_ids
    interaction_selectors.sees_an_evaluation_of = evaluation_selectors.sees_an_evaluation_of
    evaluation_selectors.blind_interactions = calibration_selectors.blind_interaction_ids
    account_views.zone_change_message = analytics_services.zone_change_message
    account_services.password_login_refusal = sso_services.password_refusal
    account_views.logout_redirect = sso_services.logout_redirect
    scorecard_links.indicator_lookup = interaction_selectors.indicator_lookup

    # --- in the writer's transaction: projections that must stay consistent with the write ----------
    subscribe(list(Name), audit.record, phase=Phase.PROJECTION)  # those that carry an audit trail
    subscribe(history.HISTORY_EVENTS, history.record, phase=Phase.PROJECTION)
    subscribe(SCORE_CHANGES, analytics.on_evaluation_changed, phase=Phase.PROJECTION)
    subscribe(Name.EVALUATION_DELETED, analytics.on_evaluation_deleted, phase=Phase.PROJECTION)
    subscribe(Name.TEAM_DELETED, analytics.on_team_deleted, phase=Phase.PROJECTION)
    subscribe(Name.ORG_TIME_ZONE_CHANGED, analytics.on_time_zone_changed, phase=Phase.PROJECTION)
    subscribe(Name.INTERACTION_CHANNEL_CHANGED, analytics.on_channel_changed, phase=Phase.PROJECTION)
    # a coaching focus on an evaluation voided, deleted or discarded is kept, marked withdrawn; before the
    # row goes, so the items outlive it (docs/coaching.md#withdrawn-focus)
    subscribe(EVALUATION_WITHDRAWALS, coaching.on_evaluation_withdrawn, phase=Phase.PROJECTION)
    subscribe(Name.EVALUATION_RESTORED, coaching.on_evaluation_restored, phase=Phase.PROJECTION)
    # the agent's name kept on evaluations for the table's sort (docs/evaluations.md#sorting-by-agent)
    subscribe(
        (Name.USER_UPDATED, Name.USER_PROFILE_UPDATED),
        evaluation_projections.on_user_updated,
        phase=Phase.PROJECTION,
    )

    # --- outbox: what people are told (written with the change, delivered by the worker) ------------
    subscribe(Name.EVALUATION_COMPLETED, evaluation_notices.on_completed, phase=Phase.OUTBOX)
    subscribe(Name.EVALUATION_DISPUTED, evaluation_notices.on_disputed, phase=Phase.OUTBOX)
    subscribe(Name.EVALUATION_DISPUTE_ANSWERED, evaluation_notices.on_dispute_answered, phase=Phase.OUTBOX)
    subscribe(Name.ASSIGNMENT_CREATED, evaluation_notices.on_assignment_created, phase=Phase.OUTBOX)
    subscribe(Name.ASSIGNMENT_EXTENDED, evaluation_notices.on_assignment_extended, phase=Phase.OUTBOX)
    subscribe(Name.AUTOMATION_TASKS_CREATED, evaluation_notices.on_tasks_drawn, phase=Phase.OUTBOX)
    subscribe(
        (Name.CALIBRATION_CREATED, Name.CALIBRATION_ASSESSOR_ADDED),
        calibration_notices.on_invited,
        phase=Phase.OUTBOX,
    )
    subscribe(Name.CALIBRATION_CLOSED, calibration_notices.on_closed, phase=Phase.OUTBOX)
    subscribe(Name.USER_CREATED, account_notices.on_user_created, phase=Phase.OUTBOX)
    subscribe(Name.USER_UPDATED, account_notices.on_user_updated, phase=Phase.OUTBOX)
    subscribe((Name.TEAM_CREATED, Name.TEAM_UPDATED), account_notices.on_team_joined, phase=Phase.OUTBOX)
    subscribe(
        (Name.USER_PASSWORD_CHANGED, Name.USER_PASSWORD_RESET, Name.USER_PASSWORD_RECOVERED),
        account_notices.on_password_changed,
        phase=Phase.OUTBOX,
    )
    subscribe(Name.USER_PASSWORD_RESET_REQUESTED, account_notices.on_password_reset_requested, phase=Phase.OUTBOX)
    subscribe(Name.API_TOKEN_CREATED, account_notices.on_token_created, phase=Phase.OUTBOX)
    subscribe(Name.COMMENT_CREATED, comment_notices.on_comment_created, phase=Phase.OUTBOX)
    subscribe(Name.WEBHOOK_ENDPOINT_DISABLED, webhook_notices.on_endpoint_disabled, phase=Phase.OUTBOX)
    subscribe(Name.MOMENT_SHARED, moment_notices.on_shared, phase=Phase.OUTBOX)
    # coaching invites: the mail carries the iCalendar invite (docs/coaching.md#invites)
    subscribe((Name.COACHING_SCHEDULED, Name.COACHING_RESCHEDULED), coaching_notices.on_scheduled, phase=Phase.OUTBOX)
    subscribe(Name.COACHING_CANCELLED, coaching_notices.on_cancelled, phase=Phase.OUTBOX)
    subscribe(Name.COACHING_COMPLETED, coaching_notices.on_completed, phase=Phase.OUTBOX)
    subscribe(Name.COACHING_ACKNOWLEDGED, coaching_notices.on_acknowledged, phase=Phase.OUTBOX)
    subscribe(Name.COACHING_MISSED, coaching_notices.on_missed, phase=Phase.OUTBOX)
    subscribe(EVALUATION_WITHDRAWALS, coaching_notices.on_focus_withdrawn, phase=Phase.OUTBOX)

    # --- outbox: what other systems are told (signed webhooks, docs/webhooks.md) --------------------
    subscribe(webhook_events.sources(), webhooks.on_event, phase=Phase.OUTBOX)
    # automation cards act on interactions as they arrive: in the ingest's transaction, in a savepoint of
    # their own, so a card that fails never loses the interactions (docs/automations.md#when-cards-run)
    subscribe(Name.INTERACTION_ENRICHED, automations.on_interactions_enriched, phase=Phase.OUTBOX)
    # a coaching session's activity in each participant's schedule (docs/schedules.md#coaching-activities):
    # in a savepoint of its own, so a schedule that cannot take it never loses the booking
    subscribe(
        (Name.COACHING_SCHEDULED, Name.COACHING_RESCHEDULED, Name.COACHING_CANCELLED),
        schedules.on_coaching_event,
        phase=Phase.OUTBOX,
    )
