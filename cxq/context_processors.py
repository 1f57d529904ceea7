"""What every page's shell needs: the navigation for this user's role, the bell's unread count."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from cxq.accounts.rules import can_view_people, can_view_teams
from cxq.analytics.policies import sees_own_work
from cxq.notifications.selectors import unread_count
from cxq.scim.policies import can_manage_tokens as can_manage_scim


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    section: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def nav_for(user) -> list[tuple[str, list[NavItem]]]:
    """Navigation sections for a user; an entry appears only when the user may open it."""
    items: list[NavItem] = [NavItem("Dashboard", "dashboard", "home", "")]
    if user.can("evaluations.create"):
        items.append(NavItem("My tasks", "evaluations:tasks", "check", "Quality"))
    if user.can("interactions.view"):
        items.append(NavItem("Interactions", "interactions:list", "chat", "Quality"))
        items.append(NavItem("Evaluations", "evaluations:list", "card", "Quality"))
    if user.can("evaluations.create"):
        items.append(NavItem("Disputes", "evaluations:disputes", "flag", "Quality"))
    if user.can("calibrations.participate") or user.can("calibrations.manage"):
        items.append(NavItem("Calibrations", "calibrations:list", "check", "Quality"))
    if user.can("goals.view"):
        items.append(NavItem("Goals", "goals:list", "target", "Quality"))
    if user.can("interactions.view"):
        items.append(NavItem("Moments", "moments:list", "flag", "Quality"))
    if user.can("coaching.manage") or user.can("evaluations.respond"):
        items.append(NavItem("Coaching", "coaching:home", "team", "Quality"))
    if user.can("scorecards.view"):
        items.append(NavItem("Scorecards", "scorecards:list", "card", "Quality"))
    if user.can("automations.view"):
        items.append(NavItem("Automations", "automations:list", "gear", "Quality"))
    if user.can("analytics.view"):
        items.append(NavItem("Analytics", "analytics:breakdown", "chart", "Quality"))
    elif sees_own_work(user):
        items.append(NavItem("My evaluations", "analytics:my_work", "chart", "Quality"))
    if user.can("analytics.own") and not user.can("analytics.view"):
        items.append(NavItem("My scores", "analytics:me", "chart", "Quality"))
    if can_view_people(user):
        items.append(NavItem("People", "accounts:user_list", "users", "Organisation"))
    if can_view_teams(user):
        items.append(NavItem("Teams", "accounts:team_list", "team", "Organisation"))
    if user.can("roles.manage"):
        items.append(NavItem("Roles", "accounts:role_list", "shield", "Administration"))
    if user.can("settings.edit"):
        items.append(NavItem("Settings", "accounts:org_settings", "gear", "Administration"))
        items.append(NavItem("Single sign-on", "sso:settings", "key", "Administration"))
        items.append(NavItem("Indicators & topics", "interactions:phrase_sets", "tag", "Administration"))
        items.append(NavItem("Email outbox", "notifications:outbox", "mail", "Administration"))
        items.append(NavItem("Webhooks", "webhooks:list", "link", "Administration"))
    if can_manage_scim(user):
        items.append(NavItem("SCIM provisioning", "scim:tokens", "key", "Administration"))
    if user.can("audit.view"):
        items.append(NavItem("Audit log", "audit:list", "log", "Administration"))
    items.append(NavItem("Notifications", "notifications:list", "bell", "You"))
    items.append(NavItem("Schedule", "schedules:week", "calendar", "You"))
    items.append(NavItem("Account", "accounts:profile", "person", "You"))
    items.append(NavItem("API tokens", "accounts:tokens", "key", "You"))
    sections: dict[str, list[NavItem]] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_sections": nav_for(user),
        "unread_notifications": unread_count(user=user),
        "current_url_name": getattr(request.resolver_match, "view_name", ""),
        "time_zone_name": getattr(request, "time_zone_name", "UTC"),
    }
