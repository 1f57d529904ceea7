"""Who may do what with coaching sessions (docs/coaching.md#who-sees-what). Services enforce these;
pages and the API only display them."""

from __future__ import annotations

from cxq.accounts.permissions import has_perm
from cxq.coaching.choices import Status


def may_open_coaching(user) -> bool:
    """The coaching page: those who coach, and agents (their own sessions)."""
    return has_perm(user, "coaching.manage") or has_perm(user, "evaluations.respond")


def may_coach(user) -> bool:
    return has_perm(user, "coaching.manage")


def is_agent_of(user, session) -> bool:
    return any(a.agent_id == user.pk for a in session.attendees.all())


def may_manage(user, session) -> bool:
    """Reschedule, complete, cancel, edit the focus: a coach in scope, never one of the session's agents."""
    return may_coach(user) and not is_agent_of(user, session)


def may_acknowledge(user, session) -> bool:
    if session.status not in (Status.SCHEDULED, Status.COMPLETED):
        return False
    return any(a.agent_id == user.pk and a.acknowledged_at is None for a in session.attendees.all())


def may_tick(user, session) -> bool:
    """Follow-up actions are ticked by the session's agents and by those who manage it."""
    return is_agent_of(user, session) or may_manage(user, session)
