"""Every domain event, named once. The same name is the evaluation history's ``kind``, the audit log's
``action``, the notification's ``kind`` and, for the events sent out, the outbound webhook's type
(docs/webhooks.md#events)."""

from __future__ import annotations

from enum import StrEnum


class Name(StrEnum):
    # evaluations
    EVALUATION_STARTED = "evaluation.started"
    EVALUATION_COMPLETED = "evaluation.completed"
    EVALUATION_ACKNOWLEDGED = "evaluation.acknowledged"
    EVALUATION_AUTO_ACKNOWLEDGED = "evaluation.auto_acknowledged"
    EVALUATION_DISPUTED = "evaluation.disputed"
    EVALUATION_DISPUTE_ANSWERED = "evaluation.dispute_answered"
    EVALUATION_VOIDED = "evaluation.voided"
    EVALUATION_RESTORED = "evaluation.restored"
    EVALUATION_DELETED = "evaluation.deleted"
    EVALUATION_DISCARDED = "evaluation.discarded"  # a draft deleted by its evaluator
    EVALUATION_ADOPTED = "evaluation.adopted"  # an automated evaluation taken over by a person to complete
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_EXTENDED = "assignment.extended"
    # automations
    AUTOMATION_CREATED = "automation.created"
    AUTOMATION_UPDATED = "automation.updated"
    AUTOMATION_DELETED = "automation.deleted"
    AUTOMATION_REORDERED = "automation.reordered"  # the cards' order, which is their priority
    # a card gave tasks to a batch of just-enriched interactions; data: assignment_ids (docs/automations.md)
    AUTOMATION_TASKS_CREATED = "automation.tasks_created"
    # coaching (docs/coaching.md#events; cxq.schedules keeps a coaching activity in step, docs/schedules.md)
    COACHING_SCHEDULED = "coaching.scheduled"
    COACHING_RESCHEDULED = "coaching.rescheduled"  # time, type, place or people changed: a new invite
    COACHING_UPDATED = "coaching.updated"  # focus or follow-ups changed: no new invite
    COACHING_CANCELLED = "coaching.cancelled"
    COACHING_COMPLETED = "coaching.completed"
    COACHING_MISSED = "coaching.missed"  # by the periodic sweep, or marked by the coach
    COACHING_ACKNOWLEDGED = "coaching.acknowledged"  # by one agent
    # calibrations
    GOAL_CREATED = "goal.created"
    GOAL_UPDATED = "goal.updated"
    GOAL_PERIOD_GENERATED = "goal.period_generated"  # a period's tasks drawn (docs/goals.md)
    CALIBRATION_CREATED = "calibration.created"
    CALIBRATION_ASSESSOR_ADDED = "calibration.assessor_added"
    CALIBRATION_ASSESSOR_REMOVED = "calibration.assessor_removed"
    CALIBRATION_CLOSED = "calibration.closed"
    # scorecards
    SCORECARD_CREATED = "scorecard.created"
    SCORECARD_SAVED = "scorecard.saved"  # a draft edited in place
    SCORECARD_REWORDED = "scorecard.reworded"  # a published one, wording only: same version
    SCORECARD_NEW_VERSION = "scorecard.new_version"  # a published one whose scoring may change
    SCORECARD_PUBLISHED = "scorecard.published"
    SCORECARD_ARCHIVED = "scorecard.archived"
    SCORECARD_RESTORED = "scorecard.restored"
    SCORECARD_DELETED = "scorecard.deleted"
    SCORECARD_APPLICABILITY_CHANGED = "scorecard.applicability_changed"  # channels/teams it applies to
    SCORECARD_LINKS_CHANGED = "scorecard.links_changed"  # which questions are answered from indicators
    # interactions
    COMMENT_CREATED = "comment.created"
    COMMENT_EDITED = "comment.edited"
    COMMENT_DELETED = "comment.deleted"
    PHRASE_SET_CREATED = "phrase_set.created"
    PHRASE_SET_UPDATED = "phrase_set.updated"
    PHRASE_SET_DELETED = "phrase_set.deleted"
    ENRICHMENT_RERUN_REQUESTED = "enrichment.rerun_requested"
    RECORDING_UPLOADED = "recording.uploaded"
    SCREEN_TRACK_UPLOADED = "screen_track.uploaded"  # a monitor's screen recording finalised (checksum verified)
    RECORDINGS_DOWNLOADED = "recordings.downloaded"  # the combined download (audio and screens) taken
    MEDIA_RETENTION_PURGED = "media.retention_purged"  # the retention job deleted expired media (counts)
    INTERACTION_ENRICHED = "interaction.enriched"
    INTERACTION_CHANNEL_CHANGED = "interaction.channel_changed"
    # a person's saved filters of the interactions list (docs/interactions.md#saved-filters): audited only
    SAVED_FILTER_CREATED = "saved_filter.created"
    SAVED_FILTER_UPDATED = "saved_filter.updated"  # saved again under its name (a new query) or renamed
    SAVED_FILTER_DELETED = "saved_filter.deleted"
    # accounts
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_PROFILE_UPDATED = "user.profile_updated"
    USER_PASSWORD_CHANGED = "user.password_changed"  # by the person themselves
    USER_PASSWORD_RESET = "user.password_reset"  # by an administrator
    USER_PASSWORD_RESET_REQUESTED = "user.password_reset_requested"  # a reset link mailed ("Forgot your password?")
    USER_PASSWORD_RECOVERED = "user.password_recovered"  # set from a reset link
    USER_PROMOTED_ADMIN = "user.promoted_admin"  # by cxq createadmin
    ROLE_CREATED = "role.created"
    ROLE_UPDATED = "role.updated"
    ROLE_DELETED = "role.deleted"
    TEAM_CREATED = "team.created"
    TEAM_UPDATED = "team.updated"
    TEAM_DELETED = "team.deleted"
    SETTINGS_UPDATED = "settings.updated"
    ORG_TIME_ZONE_CHANGED = "settings.time_zone_changed"
    API_TOKEN_CREATED = "api_token.created"
    API_TOKEN_REVOKED = "api_token.revoked"
    # single sign-on
    SSO_SETTINGS_UPDATED = "sso.settings_updated"
    SSO_LOGIN = "sso.login"
    SSO_LOGIN_REFUSED = "sso.login_refused"
    # scim
    SCIM_TOKEN_CREATED = "scim_token.created"
    SCIM_TOKEN_REVOKED = "scim_token.revoked"
    SCIM_LINK_UPDATED = "scim.link_updated"  # a user's or team's externalId, or a user deleted through SCIM
    # schedules (docs/schedules.md)
    SCHEDULE_IMPORTED = "schedule.imported"  # shifts and activities from CSV, ICS or the API
    SCHEDULE_ENTRY_DELETED = "schedule.entry_deleted"
    SCHEDULE_SETTINGS_UPDATED = "schedule.settings_updated"
    SCHEDULE_FEED_CREATED = "schedule_feed.created"  # a private calendar feed URL made (or made anew)
    SCHEDULE_FEED_REVOKED = "schedule_feed.revoked"
    # outbound webhooks
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"  # by CXQ, after failing for too long
    # moments (docs/moments.md)
    MOMENT_CREATED = "moment.created"
    MOMENT_SHARED = "moment.shared"  # with people or teams inside the organisation
    MOMENT_SHARE_LINK_CREATED = "moment.link_created"
    MOMENT_SHARE_LINK_REVOKED = "moment.link_revoked"
    MOMENT_DELETED = "moment.deleted"
    MOMENT_POLICY_UPDATED = "moment.policy_updated"  # a role's external sharing policy
