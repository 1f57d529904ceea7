"""Account notices: welcome, role changed, added to a team, password changed, new API token."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.selectors import local_text, time_zone_of
from cxq.accounts.services import password_reset_link
from cxq.events import DomainEvent, Name
from cxq.notifications.services import email_queue, notify


def on_user_created(event: DomainEvent) -> None:
    user = event.subject
    if not event.data.get("can_log_in"):
        return
    teams = ", ".join(t.name for t in user.teams.all()) or "no team yet"
    notify(
        recipient=user,
        kind="account.welcome",
        title="Welcome to CXQ",
        body=(
            f"Your account is ready. You log in with {user.email}; your role is "
            f"{user.role.name if user.role else 'not set yet'} and your team is {teams}."
        ),
        url="/",
    )


def on_user_updated(event: DomainEvent) -> None:
    user, by, data = event.subject, event.actor, event.data
    if data.get("role_to"):
        notify(
            recipient=user,
            kind="account.role_changed",
            title=f"Your role is now {data['role_to']}",
            body=f"{by} changed your role from {data['role_from'] or 'none'} to {data['role_to']}.",
            url="/",
        )
    for team_name in data.get("teams_joined", ()):
        _team_added(user, by, team_name)


def on_team_joined(event: DomainEvent) -> None:
    team = event.subject
    for user in User.objects.filter(pk__in=event.data.get("joined", ())).order_by("pk"):
        _team_added(user, event.actor, team.name)


def _team_added(user, by, team_name: str) -> None:
    notify(
        recipient=user,
        kind="account.team_added",
        title=f"You were added to the team {team_name}",
        body=f"{by or 'CXQ'} added you to {team_name}.",
        url="/teams/",
    )


def on_password_changed(event: DomainEvent) -> None:
    """The security notice: when (in the person's own time zone), by whom, what to do if it was
    not them, and where their API tokens are (they still work)."""
    user, by = event.subject, event.actor
    zone_name, zone = time_zone_of(user)
    at = datetime.fromisoformat(event.data["at"])
    when = f"{timezone.localtime(at, zone):%Y-%m-%d %H:%M} ({zone_name})"
    if event.name == Name.USER_PASSWORD_RECOVERED:
        what = (
            f"Your password was reset with a link sent to your email on {when}; you were signed out everywhere. "
            "If this was not you, someone can read your mail: contact your administrator at once."
        )
    elif event.name == Name.USER_PASSWORD_CHANGED:
        what = (
            f"Your password was changed on {when}. Your other sessions were signed out. "
            "If this was not you, someone knows your password: contact your administrator at once."
        )
    else:
        what = (
            f"{by} set a new password for your account on {when}; you were signed out everywhere. "
            "If you did not expect this, contact your administrator."
        )
    notify(
        recipient=user,
        kind="account.password_changed",
        title="Your CXQ password was changed",
        body=(
            f"{what}\n\nYour personal API tokens keep working. Review them on your API tokens page "
            "(linked below), where you see when each was last used, and revoke any you do not recognise."
        ),
        url=reverse("accounts:tokens"),
    )


def on_token_created(event: DomainEvent) -> None:
    token = event.subject
    notify(
        recipient=token.user,
        kind="account.token_created",
        title=f"New API token “{token.name}”",
        body="A personal API token was created for your account. Revoke it if this was not you.",
        url="/account/tokens/",
    )


def on_password_reset_requested(event: DomainEvent) -> None:
    """The reset link, by email only (docs/passwords-and-tokens.md#forgotten-passwords): no in-app notice,
    since the person cannot log in. The link is made here, not carried in the event."""
    user = event.subject
    expires = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    email_queue(
        to=user.email,
        subject="Reset your CXQ password",
        template="accounts/email/password_reset",
        context={"user": user, "link": password_reset_link(user), "expires": local_text(user, expires)},
    )
