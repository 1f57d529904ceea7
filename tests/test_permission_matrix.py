"""The permission matrix: every route of the web UI and every API operation × every persona.

The routes are read from the URL conf and the API's OpenAPI schema, so a new route without an
expectation here fails ``test_every_route_has_an_expectation``. A refused request (any 4xx, or 503)
must leave the database exactly as it was.

Besides the main tables (WEB, API: team A's objects), the same routes run against
- lead_agent's own work (OWN_WEB, OWN_API): nobody evaluates, is assigned or calibrates their own
  interaction, or answers a dispute on, voids or deletes their own evaluation; they still see,
  acknowledge and dispute it;
- team B's objects (CROSS_WEB, CROSS_API): team A's leads get 404, as if they did not exist;
- the API with a personal token instead of the session (same answers), or a revoked or expired one (401).

The world is built once per module; each case runs in a savepoint rolled back afterwards, so every
case starts from the same rows, and ``DbState`` compares the tables with that start (docs/permission-matrix.md).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cxq.accounts.models import ApiToken, Role
from cxq.accounts.services import api_token_create, api_token_revoke
from cxq.api import api
from cxq.notifications.models import Notification, OutboundEmail
from cxq.scim.services import scim_token_create
from cxq.webhooks import secrets as webhook_secrets
from cxq.webhooks.models import Delivery, Endpoint
from tests.conftest import PASSWORD, PERSONA_NAMES, lead_agent_create, make_user, personas_create

PEOPLE = (*PERSONA_NAMES, "lead_agent")
WHO = (*PEOPLE, "anon")
STAFF = ("admin", "supervisor_a", "manager_b", "evaluator")


class Unchanged(int):
    """An accepted answer (a redirect with a message, say) after which the database must be as it was."""


def exp(default: int, *, anon: int = 302, **overrides: int) -> dict[str, int]:
    """Expected status per persona. lead_agent leads team A with a supervisor's permissions, so unless
    said otherwise they are answered like supervisor_a."""
    table = {who: default for who in PERSONA_NAMES}
    table["anon"] = anon
    table.update(overrides)
    table.setdefault("lead_agent", table["supervisor_a"])
    assert set(table) == set(WHO), f"unknown persona in {overrides}"
    return table


def admin_only(ok: int, *, anon: int = 302) -> dict[str, int]:
    return exp(403, anon=anon, admin=ok)


def viewers(ok: int, *, anon: int = 302) -> dict[str, int]:
    """scorecards.view: every staff role; agents and role-less users are refused."""
    return exp(403, anon=anon, **{who: ok for who in STAFF})


def editors(ok: int, *, anon: int = 302) -> dict[str, int]:
    """scorecards.edit: admins and supervisors."""
    return exp(403, anon=anon, admin=ok, supervisor_a=ok)


def owner_only(ok: int, *, anon: int = 302) -> dict[str, int]:
    """Objects owned by agent_a1 (a token, a notification): everyone else gets 404."""
    return exp(404, anon=anon, agent_a1=ok)


# Scope of agent_a1 / team A: admin (all teams), supervisor_a and evaluator (lead team A) see it;
# manager_b (leads team B) and agent_b1 do not (404, existence not revealed).
def team_a_scope(ok: int, *, in_scope_refused: int, out_of_scope: int = 404, anon: int = 302, **extra):
    table = exp(out_of_scope, anon=anon, admin=ok, supervisor_a=in_scope_refused, evaluator=in_scope_refused)
    table.update(extra)
    return table


# --- Web UI: (url name, method) → expected status per persona ---------------------------------------
WEB: dict[tuple[str, str], dict[str, int]] = {
    ("dashboard", "GET"): exp(200),
    ("healthz", "GET"): exp(200, anon=200),
    ("accounts:login", "GET"): exp(302, anon=200),
    ("accounts:login", "POST"): exp(302, anon=200),
    ("accounts:logout", "POST"): exp(302, anon=302),
    # "Forgot your password?": open to anyone, the same answer for every email (an unknown one here)
    ("accounts:password_reset", "GET"): exp(200, anon=200),
    ("accounts:password_reset", "POST"): exp(200, anon=200),
    # a link with a token that is not valid: the page says so, for anyone
    ("accounts:password_reset_confirm", "GET"): exp(200, anon=200),
    ("accounts:password_reset_confirm", "POST"): exp(200, anon=200),
    ("accounts:profile", "GET"): exp(200),
    ("accounts:profile", "POST"): exp(302),
    ("accounts:password_change", "GET"): exp(200),
    ("accounts:password_change", "POST"): exp(302),
    ("accounts:tokens", "GET"): exp(200),
    ("accounts:tokens", "POST"): exp(302),
    ("accounts:token_revoke", "POST"): owner_only(302),
    ("accounts:user_list", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    ("accounts:user_create", "GET"): admin_only(200),
    ("accounts:user_create", "POST"): admin_only(302),
    ("accounts:user_detail", "GET"): exp(403, admin=200, supervisor_a=200, evaluator=200, manager_b=404),
    ("accounts:user_edit", "GET"): admin_only(200),
    ("accounts:user_edit", "POST"): admin_only(302),
    ("accounts:user_password", "POST"): admin_only(302),
    ("accounts:team_list", "GET"): exp(200, norole=403),
    ("accounts:team_create", "GET"): admin_only(200),
    ("accounts:team_create", "POST"): admin_only(302),
    ("accounts:team_detail", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    ("accounts:team_edit", "GET"): admin_only(200),
    ("accounts:team_edit", "POST"): admin_only(302),
    ("accounts:team_delete", "POST"): admin_only(302),
    ("accounts:role_list", "GET"): admin_only(200),
    ("accounts:role_create", "GET"): admin_only(200),
    ("accounts:role_create", "POST"): admin_only(302),
    ("accounts:role_edit", "GET"): admin_only(200),
    ("accounts:role_edit", "POST"): admin_only(302),
    ("accounts:role_duplicate", "POST"): admin_only(302),
    ("accounts:role_delete", "POST"): admin_only(302),
    ("accounts:org_settings", "GET"): admin_only(200),
    ("accounts:org_settings", "POST"): admin_only(302),
    # Single sign-on is not set up in the matrix world: starting a sign-in or answering one is a 404 for all
    ("sso:login", "GET"): exp(404, anon=404),
    ("sso:callback", "GET"): exp(404, anon=404),
    ("sso:settings", "GET"): admin_only(200),
    ("sso:settings", "POST"): admin_only(302),
    ("notifications:list", "GET"): exp(200),
    ("notifications:bell", "GET"): exp(200),
    ("notifications:read", "POST"): owner_only(302),
    ("notifications:read_all", "POST"): exp(302),
    ("notifications:outbox", "GET"): admin_only(200),
    ("notifications:outbox_retry", "POST"): admin_only(302),
    ("audit:list", "GET"): admin_only(200),
    ("audit:export", "GET"): admin_only(200),
    ("scorecards:list", "GET"): viewers(200),
    ("scorecards:new", "GET"): editors(200),
    ("scorecards:new", "POST"): editors(200),
    ("scorecards:import", "GET"): editors(200),
    ("scorecards:import", "POST"): editors(200),
    ("scorecards:template", "GET"): viewers(200),
    ("scorecards:validate", "POST"): editors(200),
    ("scorecards:builder_preview", "POST"): editors(200),
    ("scorecards:preview_score", "POST"): viewers(200),
    ("scorecards:detail", "GET"): viewers(200),
    ("scorecards:edit", "GET"): editors(200),
    ("scorecards:edit", "POST"): editors(200),
    ("scorecards:preview", "GET"): viewers(200),
    ("scorecards:versions", "GET"): viewers(200),
    ("scorecards:export", "GET"): viewers(200),
    ("scorecards:publish", "POST"): editors(302),
    ("scorecards:archive", "POST"): editors(302),
    ("scorecards:restore", "POST"): editors(302),
    ("scorecards:duplicate", "POST"): editors(302),
    ("scorecards:delete", "POST"): editors(302),
    ("interactions:list", "GET"): exp(200, norole=403),
    # the autocomplete pickers' JSON (docs/interactions.md#pickers): scoped by the viewer, like the lists
    ("accounts:pick_agents", "GET"): exp(200, norole=403),
    ("accounts:pick_evaluators", "GET"): exp(200, norole=403),
    ("accounts:pick_teams", "GET"): exp(200, norole=403),
    ("scorecards:pick", "GET"): exp(200, norole=403),
    ("interactions:detail", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    ("interactions:comment_create", "POST"): exp(302, manager_b=404, agent_b1=404, norole=403),
    # the comment is supervisor_a's own: others who can see it get 403, others 404
    ("interactions:comment_edit", "POST"): exp(403, supervisor_a=302, manager_b=404, agent_b1=404, lead_agent=403),
    ("interactions:comment_delete", "POST"): exp(403, supervisor_a=302, manager_b=404, agent_b1=404, lead_agent=403),
    ("interactions:saved_filter_create", "POST"): exp(302, norole=403),
    ("interactions:saved_filter_rename", "POST"): exp(404, supervisor_a=302, norole=403, lead_agent=404),
    ("interactions:saved_filter_delete", "POST"): exp(404, supervisor_a=302, norole=403, lead_agent=404),
    ("evaluations:list", "GET"): exp(200, norole=403),
    ("evaluations:disputes", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    ("evaluations:start", "GET"): exp(403, admin=200, supervisor_a=200, evaluator=200, manager_b=404),
    ("evaluations:start", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404),
    ("evaluations:assign", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=404),
    ("evaluations:assign", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("evaluations:assign_bulk", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=302),
    ("evaluations:detail", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    # the draft is the evaluator's own: nobody else can even see it
    ("evaluations:save", "POST"): exp(403, admin=404, supervisor_a=404, manager_b=404, evaluator=200),
    ("evaluations:submit", "POST"): exp(403, admin=404, supervisor_a=404, manager_b=404, evaluator=302),
    ("evaluations:discard", "POST"): exp(403, admin=404, supervisor_a=404, manager_b=404, evaluator=302),
    ("evaluations:acknowledge", "POST"): exp(403, agent_a1=302, manager_b=404, agent_b1=404),
    ("evaluations:dispute", "POST"): exp(403, agent_a1=302, agent_b1=404),
    ("evaluations:respond", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404),
    ("evaluations:void", "POST"): exp(403, admin=302, supervisor_a=302),
    ("evaluations:delete", "POST"): exp(403, admin=302, supervisor_a=302),
    # an automated evaluation: those who may assign evaluation work on the interaction ask for one
    ("evaluations:automated_run", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    # taking an automated evaluation over: whoever may evaluate the interaction (not its agent)
    ("evaluations:adopt", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404),
    ("evaluations:tasks", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    # the task is supervisor_a's to the evaluator: another lead of the team does not see it
    ("evaluations:task", "GET"): exp(403, admin=200, supervisor_a=200, evaluator=200, manager_b=404, lead_agent=404),
    ("evaluations:task", "POST"): exp(403, evaluator=302, manager_b=404, lead_agent=404),
    ("evaluations:task_extend", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404, lead_agent=404),
    # Analytics: analytics.view (admin, supervisor, manager; scoped to led teams); agents get their own view
    ("analytics:breakdown", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("analytics:trends", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("analytics:leaderboards", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("analytics:me", "GET"): exp(403, admin=200, agent_a1=200, agent_b1=200, lead_agent=200),
    ("analytics:outcomes", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    # whoever evaluates (evaluations.create) sees the analytics of their own evaluations
    ("analytics:my_work", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    ("interactions:phrase_sets", "GET"): admin_only(200),
    ("interactions:phrase_set_new", "GET"): admin_only(200),
    ("interactions:phrase_set_new", "POST"): admin_only(302),
    ("interactions:phrase_set_edit", "GET"): admin_only(200),
    ("interactions:phrase_set_edit", "POST"): admin_only(302),
    ("interactions:phrase_set_delete", "POST"): admin_only(302),
    ("interactions:enrichment_rerun", "POST"): admin_only(302),
    ("interactions:new", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("interactions:new", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=400),
    ("interactions:recording_upload", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("interactions:recording_media", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    ("interactions:screen_media", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    # recordings.download first (agents have none), then the interaction in scope
    ("interactions:recordings_combined", "GET"): exp(200, manager_b=404, agent_a1=403, agent_b1=403, norole=403),
    # Calibrations: the world's session is supervisor_a's on team A's call; evaluator, Cal Extra and admin
    # (benchmark) assess and nobody has submitted, so assessors are still blind (export refused).
    # goals.view: admin, supervisors, managers; goals.edit: admin and supervisors. Team A's goal has the
    # evaluator (a lead of team A) as evaluator: outside manager_b's scope (404)
    ("goals:list", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("goals:new", "GET"): exp(403, admin=200, supervisor_a=200),
    ("goals:new", "POST"): exp(403, admin=302, supervisor_a=302),
    ("goals:detail", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=404),
    ("goals:edit", "GET"): exp(403, admin=200, supervisor_a=200),
    ("goals:edit", "POST"): exp(403, admin=302, supervisor_a=302),
    ("goals:generate", "POST"): exp(403, admin=302, supervisor_a=302),
    # Coaching (docs/coaching.md#who-sees-what): the page is for those who coach (coaching.manage) and agents
    # (evaluations.respond); the world's session is supervisor_a's with agent_a1 (team A), a second one is
    # completed with a follow-up action. manager_b (team B) does not see them (404); the agent acknowledges.
    ("coaching:home", "GET"): exp(200, evaluator=403, norole=403),
    ("coaching:list", "GET"): exp(200, evaluator=403, norole=403),
    ("coaching:new", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("coaching:new", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=400),
    ("coaching:detail", "GET"): exp(403, admin=200, supervisor_a=200, agent_a1=200, manager_b=404, agent_b1=404),
    ("coaching:ics", "GET"): exp(403, admin=200, supervisor_a=200, agent_a1=200, manager_b=404, agent_b1=404),
    ("coaching:edit", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=404),
    ("coaching:edit", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("coaching:complete", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("coaching:cancel", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    # the session has not ended: the service says so, nothing changes
    ("coaching:missed", "POST"): exp(
        403, admin=Unchanged(302), supervisor_a=Unchanged(302), manager_b=404, lead_agent=Unchanged(302)
    ),
    ("coaching:acknowledge", "POST"): exp(403, agent_a1=302, manager_b=404, agent_b1=404),
    ("coaching:follow_up", "POST"): exp(302, evaluator=403, norole=403, manager_b=404, agent_b1=404),
    ("calibrations:list", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    ("calibrations:new", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("calibrations:new", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=400),
    # the new session's interaction picker: matches within the viewer's scope (none is an empty list)
    ("calibrations:interaction_options", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("calibrations:agreement", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("calibrations:detail", "GET"): exp(403, admin=200, supervisor_a=200, evaluator=200, manager_b=404),
    ("calibrations:start", "POST"): exp(403, admin=302, evaluator=302, manager_b=404),
    ("calibrations:assessor_add", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("calibrations:assessor_remove", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("calibrations:close", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    ("calibrations:export", "GET"): exp(403, supervisor_a=200, manager_b=404),
    # Automations: automations.view / automations.edit (admins and supervisors)
    ("automations:list", "GET"): editors(200),
    ("automations:test", "GET"): editors(200),
    ("automations:new", "GET"): editors(200),
    ("automations:new", "POST"): editors(302),
    ("automations:edit", "GET"): editors(200),
    ("automations:edit", "POST"): editors(302),
    ("automations:duplicate", "POST"): editors(302),
    ("automations:delete", "POST"): editors(302),
    ("automations:toggle", "POST"): editors(302),
    # one card: moving it has nowhere to go, and says nothing changed
    ("automations:move", "POST"): editors(Unchanged(302)),
    ("automations:reorder", "POST"): editors(200),
    # No webhook secret is configured in the matrix world, so the receiver refuses everyone alike.
    ("interaction_webhook", "POST"): exp(503, anon=503),
    # SCIM provisioning: its tokens are the admin's (users.manage and teams.manage); the protocol takes
    # only a SCIM token, so a session (or a personal API token, tests/scim) is a 401 for everyone.
    ("scim:tokens", "GET"): admin_only(200),
    ("scim:tokens", "POST"): admin_only(302),
    ("scim:token_revoke", "POST"): admin_only(302),
    **{
        (f"scim:{name}", method): exp(401, anon=401)
        for name in (
            "users",
            "user",
            "users_search",
            "groups",
            "group",
            "groups_search",
            "service_provider_config",
            "schemas",
            "schema",
            "resource_types",
            "resource_type",
            "unsupported",
        )
        for method in ("GET", "POST")
    },
    # outbound webhooks: administrators only (docs/webhooks.md#who); the new endpoint's URL is loopback,
    # refused by the destination guard before any request, so the admin's POST is a 400
    ("webhooks:list", "GET"): admin_only(200),
    ("webhooks:new", "GET"): admin_only(200),
    ("webhooks:new", "POST"): admin_only(400),
    ("webhooks:detail", "GET"): admin_only(200),
    ("webhooks:detail", "POST"): admin_only(302),
    ("webhooks:test", "POST"): admin_only(302),
    ("webhooks:delete", "POST"): admin_only(302),
    ("webhooks:resend", "POST"): admin_only(302),
    # Schedules (docs/schedules.md#who-sees-what): everyone has their own week; schedules.manage (admin,
    # supervisors, managers) imports; coaching.manage or schedules.manage asks for slots. The CSV and the
    # slot query name agent_a1: outside manager_b's scope, refused with a message (400).
    ("schedules:week", "GET"): exp(200),
    ("schedules:import", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("schedules:import", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=400),
    ("schedules:settings", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=302),
    ("schedules:suggest", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=400),
    ("schedules:suggest_page", "GET"): exp(403, admin=200, supervisor_a=200, manager_b=200),
    ("schedules:feed_create", "POST"): exp(302),
    ("schedules:feed_revoke", "POST"): exp(Unchanged(302)),  # nobody has a feed in the world: nothing to revoke
    ("schedules:feed", "GET"): exp(404, anon=404),  # an unknown token, for anyone
    # Moments (docs/moments.md#who-may-do-what): supervisor_a's moment of team A's call, with an external
    # link of theirs; moments.share: staff; moments.share_external: admins and supervisors
    ("moments:list", "GET"): exp(200, norole=403),
    ("moments:policy", "GET"): admin_only(200),
    ("moments:policy", "POST"): admin_only(302),
    ("moments:detail", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    ("moments:clip", "GET"): exp(200, manager_b=404, agent_b1=404, norole=403),
    ("moments:create", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404),
    # its creator or an admin; the others who see it are refused
    ("moments:delete", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404, agent_b1=404, lead_agent=403),
    ("moments:share", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404),
    ("moments:link_create", "POST"): exp(403, admin=302, supervisor_a=302),
    ("moments:link_revoke", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404),
    # the external viewer: no login, the link's token is the key (docs/moments.md#the-external-viewer)
    ("moments:public", "GET"): exp(200, anon=200),
    ("moments:public", "POST"): exp(200, anon=200),
    ("moments:public_clip", "GET"): exp(200, anon=200),
}

# --- API: "METHOD /path" (as in the OpenAPI schema) → expected status per persona --------------------
API: dict[str, dict[str, int]] = {
    "GET /api/v1/openapi.json": exp(200, anon=200),
    "GET /api/v1/docs": exp(200, anon=200),
    "GET /api/v1/me": exp(200, anon=401),
    "PATCH /api/v1/me": exp(200, anon=401),
    "POST /api/v1/me/password": exp(204, anon=401),
    "GET /api/v1/users": exp(200, anon=401),
    "POST /api/v1/users": admin_only(201, anon=401),
    "GET /api/v1/users/{uuid}": team_a_scope(200, in_scope_refused=200, anon=401, agent_a1=200),
    "PATCH /api/v1/users/{uuid}": team_a_scope(200, in_scope_refused=403, anon=401, agent_a1=403),
    "POST /api/v1/users/{uuid}/password": team_a_scope(204, in_scope_refused=403, anon=401, agent_a1=204),
    "GET /api/v1/teams": exp(200, anon=401),
    "POST /api/v1/teams": admin_only(201, anon=401),
    "GET /api/v1/teams/{uuid}": team_a_scope(200, in_scope_refused=200, anon=401, agent_a1=200),
    "PATCH /api/v1/teams/{uuid}": team_a_scope(200, in_scope_refused=403, anon=401, agent_a1=403),
    "DELETE /api/v1/teams/{uuid}": team_a_scope(204, in_scope_refused=403, anon=401, agent_a1=403),
    "GET /api/v1/permissions": exp(200, anon=401),
    "GET /api/v1/roles": admin_only(200, anon=401),
    "POST /api/v1/roles": admin_only(201, anon=401),
    "GET /api/v1/roles/{uuid}": admin_only(200, anon=401),
    "PATCH /api/v1/roles/{uuid}": admin_only(200, anon=401),
    "POST /api/v1/roles/{uuid}/duplicate": admin_only(201, anon=401),
    "DELETE /api/v1/roles/{uuid}": admin_only(204, anon=401),
    "GET /api/v1/settings": admin_only(200, anon=401),
    "PATCH /api/v1/settings": admin_only(200, anon=401),
    "GET /api/v1/tokens": exp(200, anon=401),
    "POST /api/v1/tokens": exp(201, anon=401),
    "DELETE /api/v1/tokens/{uuid}": owner_only(200, anon=401),
    "GET /api/v1/notifications": exp(200, anon=401),
    "GET /api/v1/notifications/unread-count": exp(200, anon=401),
    "POST /api/v1/notifications/{uuid}/read": owner_only(200, anon=401),
    "POST /api/v1/notifications/read-all": exp(200, anon=401),
    "GET /api/v1/audit": admin_only(200, anon=401),
    "GET /api/v1/scorecards": viewers(200, anon=401),
    "POST /api/v1/scorecards": editors(201, anon=401),
    "POST /api/v1/scorecards/import": editors(201, anon=401),
    "GET /api/v1/scorecards/{uuid}": viewers(200, anon=401),
    "PUT /api/v1/scorecards/{uuid}": editors(200, anon=401),
    "PUT /api/v1/scorecards/{uuid}/applicability": editors(200, anon=401),
    "DELETE /api/v1/scorecards/{uuid}": editors(204, anon=401),
    "POST /api/v1/scorecards/{uuid}/publish": editors(200, anon=401),
    "POST /api/v1/scorecards/{uuid}/archive": editors(200, anon=401),
    "POST /api/v1/scorecards/{uuid}/restore": editors(200, anon=401),
    "POST /api/v1/scorecards/{uuid}/duplicate": editors(201, anon=401),
    "GET /api/v1/scorecards/{uuid}/versions": viewers(200, anon=401),
    "GET /api/v1/scorecards/{uuid}/versions/{number}": viewers(200, anon=401),
    "GET /api/v1/scorecards/{uuid}/diff": viewers(200, anon=401),
    "GET /api/v1/scorecards/{uuid}/export": viewers(200, anon=401),
    "POST /api/v1/scoring/preview": viewers(200, anon=401),
    "POST /api/v1/interactions": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=201),
    "POST /api/v1/interactions/bulk": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/interactions": exp(200, anon=401, norole=403),
    "GET /api/v1/saved-filters": exp(200, anon=401, norole=403),
    "POST /api/v1/saved-filters": exp(201, anon=401, norole=403),
    # supervisor_a's saved filter: nobody else's to delete
    "PATCH /api/v1/saved-filters/{uuid}": exp(404, anon=401, supervisor_a=200, norole=403, lead_agent=404),
    "DELETE /api/v1/saved-filters/{uuid}": exp(404, anon=401, supervisor_a=204, norole=403, lead_agent=404),
    # all or nothing: manager_b cannot see team A's interaction nor its assignee, refused with a 400
    "POST /api/v1/assignments/bulk": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=400),
    "GET /api/v1/interactions/{uuid}": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    # recordings and screen tracks (docs/screen-recordings.md): playing for whoever sees the call,
    # uploading with interactions.create (the matrix sends no file: 400 says which field), the combined
    # download with recordings.download; the world's screen track is ready (finalising again is a no-op)
    "POST /api/v1/interactions/{uuid}/recordings": exp(403, anon=401, admin=400, supervisor_a=400, manager_b=404),
    "GET /api/v1/interactions/{uuid}/recordings": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    "GET /api/v1/interactions/{uuid}/recordings/{recording}/media": exp(
        200, anon=401, manager_b=404, agent_b1=404, norole=403
    ),
    "GET /api/v1/interactions/{uuid}/recordings/combined": exp(
        200, anon=401, manager_b=404, agent_a1=403, agent_b1=404, norole=403
    ),
    "POST /api/v1/interactions/{uuid}/screen-tracks": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=404),
    "GET /api/v1/interactions/{uuid}/screen-tracks": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    "GET /api/v1/screen-tracks/{uuid}": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    "PUT /api/v1/screen-tracks/{uuid}/content": exp(403, anon=401, admin=400, supervisor_a=400, manager_b=404),
    "POST /api/v1/screen-tracks/{uuid}/finalize": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
    "GET /api/v1/screen-tracks/{uuid}/media": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    # scorecards.view first, then the interaction in scope
    "GET /api/v1/interactions/{uuid}/scorecards": exp(
        403, anon=401, admin=200, supervisor_a=200, evaluator=200, manager_b=404
    ),
    "GET /api/v1/phrase-sets": exp(200, anon=401, norole=403),
    "POST /api/v1/phrase-sets": admin_only(201, anon=401),
    "POST /api/v1/phrase-sets/rerun": admin_only(200, anon=401),
    "PATCH /api/v1/phrase-sets/{uuid}": admin_only(200, anon=401),
    "DELETE /api/v1/phrase-sets/{uuid}": admin_only(204, anon=401),
    "GET /api/v1/evaluations": exp(200, anon=401),
    "POST /api/v1/evaluations": exp(
        403, anon=401, admin=201, supervisor_a=201, evaluator=201, manager_b=404, agent_b1=404
    ),
    "GET /api/v1/evaluations/{uuid}": exp(200, anon=401, manager_b=404, agent_b1=404, norole=404),
    "PUT /api/v1/evaluations/{uuid}/draft": exp(404, anon=401, evaluator=200),
    "DELETE /api/v1/evaluations/{uuid}/draft": exp(404, anon=401, evaluator=204),
    "GET /api/v1/disputes": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    "POST /api/v1/evaluations/{uuid}/submit": exp(404, anon=401, evaluator=200),
    "POST /api/v1/evaluations/{uuid}/acknowledge": exp(
        403, anon=401, agent_a1=200, manager_b=404, agent_b1=404, norole=404
    ),
    "POST /api/v1/evaluations/{uuid}/dispute": exp(
        403, anon=401, agent_a1=200, manager_b=404, agent_b1=404, norole=404
    ),
    "POST /api/v1/evaluations/{uuid}/respond": exp(
        403, anon=401, admin=400, supervisor_a=400, evaluator=400, manager_b=404, agent_b1=404, norole=404
    ),
    "POST /api/v1/evaluations/{uuid}/void": exp(
        403, anon=401, admin=200, supervisor_a=200, manager_b=404, agent_b1=404, norole=404
    ),
    "DELETE /api/v1/evaluations/{uuid}": exp(
        403, anon=401, admin=400, supervisor_a=400, manager_b=404, agent_b1=404, norole=404
    ),
    "POST /api/v1/evaluations/automated": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=404, agent_b1=404),
    "POST /api/v1/evaluations/{uuid}/adopt": exp(
        403, anon=401, admin=200, supervisor_a=200, evaluator=200, manager_b=404, agent_b1=404, norole=404
    ),
    "GET /api/v1/assignments": exp(200, anon=401),
    "GET /api/v1/analytics/breakdown": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/analytics/trends": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/analytics/leaderboards/agents": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/analytics/leaderboards/evaluators": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/analytics/me": exp(403, anon=401, admin=200, agent_a1=200, agent_b1=200, lead_agent=200),
    "GET /api/v1/analytics/outcomes": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/analytics/my-evaluations": exp(
        403, anon=401, admin=200, supervisor_a=200, manager_b=200, evaluator=200
    ),
    "POST /api/v1/assignments": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=404, agent_b1=404),
    # a task is visible to its assignee and whoever assigned it (and admins); only assigners may extend it
    "POST /api/v1/assignments/{uuid}/extend": exp(
        404, anon=401, admin=200, supervisor_a=200, evaluator=403, lead_agent=404
    ),
    "GET /api/v1/interactions/{uuid}/comments": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    "POST /api/v1/interactions/{uuid}/comments": exp(201, anon=401, manager_b=404, agent_b1=404, norole=403),
    "PATCH /api/v1/comments/{uuid}": exp(403, anon=401, supervisor_a=200, manager_b=404, agent_b1=404, lead_agent=403),
    "GET /api/v1/coaching": exp(200, anon=401, evaluator=403, norole=403),
    "POST /api/v1/coaching": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=400),
    "GET /api/v1/coaching/{uuid}": exp(
        403, anon=401, admin=200, supervisor_a=200, agent_a1=200, manager_b=404, agent_b1=404
    ),
    "PATCH /api/v1/coaching/{uuid}": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
    "POST /api/v1/coaching/{uuid}/status": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
    "POST /api/v1/coaching/{uuid}/acknowledge": exp(403, anon=401, agent_a1=200, manager_b=404, agent_b1=404),
    "GET /api/v1/calibrations": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200, evaluator=200),
    "POST /api/v1/calibrations": exp(403, anon=401, admin=201, supervisor_a=201, manager_b=404),
    # outside the session's scope (or without calibration permissions) it does not exist: 404
    "GET /api/v1/calibrations/{uuid}": exp(404, anon=401, admin=200, supervisor_a=200, evaluator=200),
    "POST /api/v1/calibrations/{uuid}/assessors": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
    "DELETE /api/v1/calibrations/{uuid}/assessors/{user}": exp(
        403, anon=401, admin=200, supervisor_a=200, manager_b=404
    ),
    "POST /api/v1/calibrations/{uuid}/close": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
    # only assessors start; supervisor_a opened the session but does not assess
    "POST /api/v1/calibrations/{uuid}/start": exp(404, anon=401, admin=200, evaluator=200, supervisor_a=403),
    # assessors who have not submitted are blind: the export is refused
    "GET /api/v1/calibrations/{uuid}/export": exp(404, anon=401, admin=403, supervisor_a=200, evaluator=403),
    "DELETE /api/v1/comments/{uuid}": exp(403, anon=401, supervisor_a=204, manager_b=404, agent_b1=404, lead_agent=403),
    "GET /api/v1/schedules/entries": exp(200, anon=401),
    "POST /api/v1/schedules/entries/bulk": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=400),
    # agent_a1's shift: in the evaluator's and agent_a1's scope, but they may not manage schedules
    "DELETE /api/v1/schedules/entries/{uuid}": exp(
        404, anon=401, admin=204, supervisor_a=204, evaluator=403, agent_a1=403
    ),
    "GET /api/v1/schedules/suggestions": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=400),
    "GET /api/v1/schedules/forecast": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/schedules/settings": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "PATCH /api/v1/schedules/settings": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=200),
    "GET /api/v1/webhooks/events": admin_only(200, anon=401),
    "POST /api/v1/webhooks/secrets": admin_only(201, anon=401),
    "GET /api/v1/webhooks/endpoints": admin_only(200, anon=401),
    "POST /api/v1/webhooks/endpoints": admin_only(400, anon=401),  # a loopback URL: refused, nothing sent
    "GET /api/v1/webhooks/endpoints/{uuid}": admin_only(200, anon=401),
    "PATCH /api/v1/webhooks/endpoints/{uuid}": admin_only(200, anon=401),
    "DELETE /api/v1/webhooks/endpoints/{uuid}": admin_only(204, anon=401),
    "POST /api/v1/webhooks/endpoints/{uuid}/test": admin_only(200, anon=401),
    "GET /api/v1/webhooks/endpoints/{uuid}/deliveries": admin_only(200, anon=401),
    "POST /api/v1/webhooks/deliveries/{uuid}/resend": admin_only(200, anon=401),
    "GET /api/v1/automations": editors(200, anon=401),
    "POST /api/v1/automations": editors(201, anon=401),
    "POST /api/v1/automations/reorder": editors(200, anon=401),
    "GET /api/v1/automations/test": editors(200, anon=401),
    "GET /api/v1/automations/{uuid}": editors(200, anon=401),
    "PATCH /api/v1/automations/{uuid}": editors(200, anon=401),
    "DELETE /api/v1/automations/{uuid}": editors(204, anon=401),
    "POST /api/v1/automations/{uuid}/duplicate": editors(201, anon=401),
    "GET /api/v1/interactions/{uuid}/automations": editors(200, anon=401),
    # goals.view: admin, supervisors, managers; goals.edit: admin and supervisors (team A's goal)
    "GET /api/v1/goals": exp(403, admin=200, supervisor_a=200, manager_b=200, anon=401),
    "POST /api/v1/goals": exp(403, admin=201, supervisor_a=201, anon=401),
    "GET /api/v1/goals/{uuid}": exp(403, admin=200, supervisor_a=200, manager_b=404, anon=401),
    "PATCH /api/v1/goals/{uuid}": exp(403, admin=200, supervisor_a=200, manager_b=404, anon=401),
    "GET /api/v1/goals/{uuid}/progress": exp(403, admin=200, supervisor_a=200, manager_b=404, anon=401),
    "POST /api/v1/goals/{uuid}/generate": exp(403, admin=200, supervisor_a=200, manager_b=404, anon=401),
    "GET /api/v1/moments": exp(200, anon=401, norole=403),
    "POST /api/v1/moments": exp(403, anon=401, admin=201, supervisor_a=201, evaluator=201, manager_b=404),
    "GET /api/v1/moments/{uuid}": exp(200, anon=401, manager_b=404, agent_b1=404, norole=403),
    "DELETE /api/v1/moments/{uuid}": exp(
        403, anon=401, admin=204, supervisor_a=204, manager_b=404, agent_b1=404, lead_agent=403
    ),
    "POST /api/v1/moments/{uuid}/share": exp(403, anon=401, admin=200, supervisor_a=200, evaluator=200, manager_b=404),
    "POST /api/v1/moments/{uuid}/links": exp(403, anon=401, admin=201, supervisor_a=201),
    "GET /api/v1/moments/{uuid}/links": exp(403, anon=401, admin=200, supervisor_a=200, evaluator=200, manager_b=404),
    "DELETE /api/v1/moments/{uuid}/links/{link}": exp(403, anon=401, admin=200, supervisor_a=200, manager_b=404),
}


# --- lead_agent's own work: the same routes on their interaction, evaluations and session ------------
# Nobody evaluates their own interaction, is assigned it, calibrates it, or answers a dispute on, voids
# or deletes their own evaluation; they still see, acknowledge and dispute it as its agent. The
# interaction is team A's, so the other personas are answered as in WEB and API.
OWN_WEB: dict[tuple[str, str], dict[str, int]] = {
    ("evaluations:start", "GET"): exp(403, admin=200, supervisor_a=200, evaluator=200, manager_b=404, lead_agent=403),
    ("evaluations:start", "POST"): exp(403, admin=302, supervisor_a=302, evaluator=302, manager_b=404, lead_agent=403),
    # assigned to lead_agent: refused on the assignee, by whoever assigns
    ("evaluations:assign", "POST"): exp(403, admin=400, supervisor_a=400, manager_b=404, lead_agent=400),
    ("evaluations:assign_bulk", "POST"): exp(
        403, admin=Unchanged(302), supervisor_a=Unchanged(302), manager_b=Unchanged(302), lead_agent=Unchanged(302)
    ),
    ("evaluations:detail", "GET"): exp(404, admin=200, supervisor_a=200, evaluator=200, lead_agent=200, norole=403),
    ("evaluations:acknowledge", "POST"): exp(403, lead_agent=302, manager_b=404, agent_a1=404, agent_b1=404),
    ("evaluations:dispute", "POST"): exp(403, lead_agent=302, agent_a1=404, agent_b1=404),
    ("evaluations:respond", "POST"): exp(
        403, admin=302, supervisor_a=302, evaluator=302, manager_b=404, lead_agent=403
    ),
    # nor do they void or delete their own evaluation (it is manual: the others are told to void it)
    ("evaluations:void", "POST"): exp(403, admin=302, supervisor_a=302, lead_agent=403),
    ("evaluations:delete", "POST"): exp(403, admin=Unchanged(302), supervisor_a=Unchanged(302), lead_agent=403),
    # a new session on lead_agent's call with lead_agent among the assessors
    ("calibrations:new", "POST"): exp(403, admin=400, supervisor_a=400, manager_b=400, lead_agent=400),
    # lead_agent added as an assessor of a session on their call: refused with a message
    ("calibrations:assessor_add", "POST"): exp(
        403, admin=Unchanged(302), supervisor_a=Unchanged(302), manager_b=404, lead_agent=Unchanged(302)
    ),
    ("calibrations:start", "POST"): exp(403, evaluator=302, manager_b=404, lead_agent=403),
    ("evaluations:automated_run", "POST"): exp(403, admin=302, supervisor_a=302, manager_b=404, lead_agent=403),
}

OWN_API: dict[str, dict[str, int]] = {
    "POST /api/v1/evaluations": exp(
        403,
        anon=401,
        admin=201,
        supervisor_a=201,
        evaluator=201,
        manager_b=404,
        agent_a1=404,
        agent_b1=404,
        lead_agent=403,
    ),
    "POST /api/v1/assignments": exp(
        403, anon=401, admin=400, supervisor_a=400, manager_b=404, agent_a1=404, agent_b1=404, lead_agent=400
    ),
    "GET /api/v1/evaluations/{uuid}": exp(404, anon=401, admin=200, supervisor_a=200, evaluator=200, lead_agent=200),
    "POST /api/v1/evaluations/{uuid}/acknowledge": exp(
        404, anon=401, admin=403, supervisor_a=403, evaluator=403, lead_agent=200
    ),
    "POST /api/v1/evaluations/{uuid}/dispute": exp(
        404, anon=401, admin=403, supervisor_a=403, evaluator=403, lead_agent=200
    ),
    "POST /api/v1/evaluations/{uuid}/respond": exp(
        404, anon=401, admin=200, supervisor_a=200, evaluator=200, lead_agent=403
    ),
    "POST /api/v1/evaluations/{uuid}/void": exp(
        404, anon=401, admin=200, supervisor_a=200, evaluator=403, lead_agent=403
    ),
    "DELETE /api/v1/evaluations/{uuid}": exp(404, anon=401, admin=400, supervisor_a=400, evaluator=403, lead_agent=403),
    "POST /api/v1/calibrations": exp(403, anon=401, admin=400, supervisor_a=400, manager_b=404, lead_agent=400),
    "POST /api/v1/evaluations/automated": exp(
        403, anon=401, admin=201, supervisor_a=201, manager_b=404, agent_a1=404, agent_b1=404, lead_agent=403
    ),
    "POST /api/v1/calibrations/{uuid}/assessors": exp(
        403, anon=401, admin=400, supervisor_a=400, manager_b=404, lead_agent=400
    ),
    "POST /api/v1/calibrations/{uuid}/start": exp(
        404, anon=401, admin=403, evaluator=200, supervisor_a=403, lead_agent=403
    ),
}
# The field a 400 above must name.
OWN_API_FIELD = {"POST /api/v1/assignments": "assignee"}

# --- Team B's objects: team A's leads (supervisor_a, evaluator, lead_agent) get 404 --------------------
# manager_b evaluated agent_b1's call, assigned it to another lead of B and opened a calibration session
# on it (assessed by two other leads of B and the admin as benchmark): the mirror of team A's world.
CROSS_WEB: dict[tuple[str, str], dict[str, int]] = {
    ("interactions:detail", "GET"): exp(404, admin=200, manager_b=200, agent_b1=200, norole=403),
    ("interactions:comment_create", "POST"): exp(404, admin=302, manager_b=302, agent_b1=302, norole=403),
    ("evaluations:start", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404, evaluator=404),
    ("evaluations:start", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404, evaluator=404),
    ("evaluations:assign", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404),
    ("evaluations:assign", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    ("evaluations:detail", "GET"): exp(404, admin=200, manager_b=200, agent_b1=200, norole=403),
    ("evaluations:acknowledge", "POST"): exp(404, admin=403, manager_b=403, agent_b1=302, norole=403),
    ("evaluations:dispute", "POST"): exp(403, agent_b1=302, agent_a1=404, lead_agent=404),
    # no dispute is open: the service says so and changes nothing
    ("evaluations:respond", "POST"): exp(
        403, admin=Unchanged(302), manager_b=Unchanged(302), supervisor_a=404, evaluator=404
    ),
    ("evaluations:void", "POST"): exp(403, admin=302, supervisor_a=404),
    ("evaluations:automated_run", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    ("evaluations:task", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404, evaluator=404),
    ("evaluations:task", "POST"): exp(403, supervisor_a=404, evaluator=404),
    # team B's goal (made by the admin, evaluated by a lead of team B): manager_b sees it but may not edit
    ("goals:detail", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404),
    ("goals:edit", "GET"): exp(403, admin=200, supervisor_a=404),
    ("goals:edit", "POST"): exp(403, admin=302, supervisor_a=404),
    ("goals:generate", "POST"): exp(403, admin=302, supervisor_a=404),
    ("evaluations:task_extend", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    # the interaction is a form field: "no interaction you can see has this id"
    ("calibrations:new", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=400),
    ("calibrations:detail", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404, evaluator=404),
    ("calibrations:start", "POST"): exp(403, admin=302, supervisor_a=404, evaluator=404),
    ("calibrations:assessor_add", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    ("calibrations:assessor_remove", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    ("calibrations:close", "POST"): exp(403, admin=302, manager_b=302, supervisor_a=404),
    ("calibrations:export", "GET"): exp(403, manager_b=200, supervisor_a=404, evaluator=404),
    ("accounts:team_detail", "GET"): exp(404, admin=200, manager_b=200, agent_b1=200, norole=403),
    # editing teams is the admin's alone: everyone else is refused before the team is looked up
    ("accounts:team_edit", "GET"): admin_only(200),
    ("accounts:team_edit", "POST"): admin_only(302),
    ("accounts:user_detail", "GET"): exp(403, admin=200, manager_b=200, supervisor_a=404, evaluator=404),
}

CROSS_API: dict[str, dict[str, int]] = {
    "GET /api/v1/interactions/{uuid}": exp(404, anon=401, admin=200, manager_b=200, agent_b1=200, norole=403),
    "GET /api/v1/interactions/{uuid}/comments": exp(404, anon=401, admin=200, manager_b=200, agent_b1=200, norole=403),
    "POST /api/v1/interactions/{uuid}/comments": exp(404, anon=401, admin=201, manager_b=201, agent_b1=201, norole=403),
    "POST /api/v1/evaluations": exp(404, anon=401, admin=201, manager_b=201, agent_b1=403, norole=403),
    "GET /api/v1/evaluations/{uuid}": exp(404, anon=401, admin=200, manager_b=200, agent_b1=200),
    "POST /api/v1/evaluations/{uuid}/acknowledge": exp(404, anon=401, admin=403, manager_b=403, agent_b1=200),
    "POST /api/v1/evaluations/{uuid}/dispute": exp(404, anon=401, admin=403, manager_b=403, agent_b1=200),
    "POST /api/v1/evaluations/{uuid}/respond": exp(404, anon=401, admin=400, manager_b=400, agent_b1=403),
    "POST /api/v1/evaluations/{uuid}/void": exp(404, anon=401, admin=200, manager_b=403, agent_b1=403),
    "DELETE /api/v1/evaluations/{uuid}": exp(404, anon=401, admin=400, manager_b=403, agent_b1=403),
    "POST /api/v1/evaluations/automated": exp(404, anon=401, admin=201, manager_b=201, agent_b1=403, norole=403),
    "POST /api/v1/assignments": exp(404, anon=401, admin=201, manager_b=201, agent_b1=403, norole=403),
    "POST /api/v1/assignments/{uuid}/extend": exp(404, anon=401, admin=200, manager_b=200),
    "POST /api/v1/calibrations": exp(403, anon=401, admin=201, manager_b=201, supervisor_a=404),
    "GET /api/v1/calibrations/{uuid}": exp(404, anon=401, admin=200, manager_b=200),
    "POST /api/v1/calibrations/{uuid}/assessors": exp(403, anon=401, admin=200, manager_b=200, supervisor_a=404),
    "DELETE /api/v1/calibrations/{uuid}/assessors/{user}": exp(
        403, anon=401, admin=200, manager_b=200, supervisor_a=404
    ),
    "POST /api/v1/calibrations/{uuid}/close": exp(403, anon=401, admin=200, manager_b=200, supervisor_a=404),
    "POST /api/v1/calibrations/{uuid}/start": exp(404, anon=401, admin=200, manager_b=403),
    "GET /api/v1/calibrations/{uuid}/export": exp(404, anon=401, admin=403, manager_b=200),
    "GET /api/v1/teams/{uuid}": exp(404, anon=401, admin=200, manager_b=200, agent_b1=200),
    "PATCH /api/v1/teams/{uuid}": exp(404, anon=401, admin=200, manager_b=403, agent_b1=403),
    "DELETE /api/v1/teams/{uuid}": exp(404, anon=401, admin=204, manager_b=403, agent_b1=403),
    "GET /api/v1/users/{uuid}": exp(404, anon=401, admin=200, manager_b=200, agent_b1=200),
    "PATCH /api/v1/users/{uuid}": exp(404, anon=401, admin=200, manager_b=403, agent_b1=403),
}


# --- Route discovery ------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern)


def web_routes() -> set[str]:
    """Named routes of the web UI (the API is covered through its OpenAPI schema)."""
    return {name for name, _ in _walk(get_resolver().url_patterns) if not name.startswith("api:")}


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    ops = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods}
    return ops | {"GET /api/v1/openapi.json", "GET /api/v1/docs"}


def _normalise(op: str) -> str:
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", op)


def test_every_route_has_an_expectation():
    missing_web = web_routes() - {name for name, _ in WEB}
    stale_web = {name for name, _ in WEB} - web_routes()
    missing_api = {_normalise(op) for op in api_operations()} - set(API)
    stale_api = set(API) - {_normalise(op) for op in api_operations()}
    assert not missing_web, f"Web routes without a permission expectation: {sorted(missing_web)}"
    assert not missing_api, f"API operations without a permission expectation: {sorted(missing_api)}"
    assert not stale_web and not stale_api, f"Expectations for routes that no longer exist: {stale_web | stale_api}"


# --- The world each request runs against ------------------------------------------------------------


def _interaction(external_id: str, agent_email: str):
    from cxq.interactions.schemas import InteractionIn
    from cxq.interactions.services import interaction_upsert
    from tests.interactions.conftest import PAYLOAD

    payload = {**PAYLOAD, "external_id": external_id, "agent": {"email": agent_email}}
    interaction, _ = interaction_upsert(data=InteractionIn.model_validate(payload))
    return interaction


def _completed(by, interaction, scorecard):
    from cxq.evaluations import services as ev

    evaluation = ev.evaluation_start(by=by, interaction=interaction, scorecard=scorecard)
    ev.evaluation_save(by=by, evaluation=evaluation, answers={"greet": "yes", "disclosure": "yes"})
    return ev.evaluation_submit(by=by, evaluation=evaluation)


def _moment(personas, interaction):
    """supervisor_a's moment of team A's call, its clip cut from a generated recording, and an external
    link (no password) to it."""
    import tempfile
    from pathlib import Path

    from django.core.files import File

    from cxq.devdata.media import synth_audio
    from cxq.moments import services as moments

    moment = moments.moment_create(by=personas.supervisor_a, interaction=interaction, start=0, end=3, title="Matrix")
    with tempfile.TemporaryDirectory() as work:
        path = synth_audio(Path(work) / "clip.m4a", 1, codec="aac")
        with open(path, "rb") as handle:
            moment.clip.save(f"{moment.uuid}.m4a", File(handle), save=False)
    moment.status, moment.clip_content_type = "ready", "audio/mp4"
    moment.save()
    link, token = moments.link_create(by=personas.supervisor_a, moment=moment, expires_in_days=7)
    return moment, link, token


def _screen_track(interaction):
    """A ready screen track of the call (a real, tiny WebM) with screen recording on."""
    import hashlib

    from django.core.files.base import ContentFile

    from cxq.accounts.models import OrgSettings
    from cxq.interactions.models import ScreenTrack
    from tests.interactions.media import webm

    OrgSettings.objects.filter(pk=OrgSettings.get().pk).update(screen_recording_enabled=True)
    data = webm(seconds=0.4)
    track = ScreenTrack(
        interaction=interaction,
        monitor=1,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status="ready",
        content_type="video/webm",
        received=[[0, len(data)]],
    )
    track.file.save("matrix-screen.webm", ContentFile(data), save=False)
    track.save()
    return track


def build_world() -> dict:
    """Team A's objects (the main tables), lead_agent's own work and team B's objects."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.automations.services import rule_create
    from cxq.calibrations import services as cal
    from cxq.evaluations import services as ev
    from cxq.evaluations.automated import automated_evaluation_run
    from cxq.interactions.comments import comment_create
    from cxq.interactions.models import SavedFilter
    from cxq.interactions.phrases import phrase_set_create
    from cxq.interactions.recordings import recording_attach
    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    personas = personas_create()
    lead_agent = lead_agent_create(personas)
    custom = Role.objects.create(key="quality-lead", name="Quality lead", permissions=["scorecards.view"])
    token, _ = api_token_create(user=personas.agent_a1, name="matrix")
    scim_token, _ = scim_token_create(by=personas.admin, name="Okta")
    note = Notification.objects.create(recipient=personas.agent_a1, kind="test", title="Hello", url="/")
    mail = OutboundEmail.objects.create(
        to="x@example.com",
        subject="s",
        body_text="b",
        message_id="<m1@example.com>",
        status="failed",
        next_attempt_at=timezone.now(),
    )
    hook = Endpoint.objects.create(
        name="Warehouse",
        url="https://hooks.example.com/cxq",
        secret_sealed=webhook_secrets.seal(webhook_secrets.generate()),
        events=["evaluation.completed"],
    )
    hook_delivery = Delivery.objects.create(
        endpoint=hook,
        event_id=uuid.uuid4(),
        event_type="evaluation.completed",
        body="{}",
        status="failed",
        next_attempt_at=timezone.now(),
    )
    draft = sc.scorecard_create(by=personas.admin, document={**DOC, "name": "Draft card"})
    published = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    archived = sc.scorecard_archive(
        by=personas.admin,
        scorecard=sc.scorecard_publish(
            by=personas.admin,
            scorecard=sc.scorecard_create(by=personas.admin, document={**DOC, "name": "Old card"}),
        ),
    )
    interaction = _interaction("call-1", personas.agent_a1.email)
    phrase_set = phrase_set_create(by=personas.admin, name="Greeting", phrases=["thank you for calling"])
    recording = recording_attach(
        interaction=interaction,
        by=personas.admin,
        upload=SimpleUploadedFile("a.mp3", b"ID3" + b"0" * 500, content_type="audio/mpeg"),
    )
    comment = comment_create(by=personas.supervisor_a, interaction=interaction, body="Good call")
    screen_track = _screen_track(interaction)
    saved_filter = SavedFilter.objects.create(owner=personas.supervisor_a, name="Chats", query="channel=chat")
    automated_card = sc.scorecard_publish(
        by=personas.admin,
        scorecard=sc.scorecard_create(
            by=personas.admin,
            document={**DOC, "name": "Automated card"},
            indicator_links={"greet": {"indicator": str(phrase_set.uuid), "mentioned": "yes", "absent": "no"}},
        ),
    )
    automated = automated_evaluation_run(by=personas.admin, interaction=interaction, scorecard=automated_card)
    automation = rule_create(
        by=personas.admin,
        name="Matrix card",
        condition={"all": [{"field": "queue", "op": "is", "value": "Nowhere"}]},
        scorecard=published,
        pool=[personas.evaluator],
    )
    ev_draft = ev.evaluation_start(by=personas.evaluator, interaction=interaction, scorecard=published)
    evaluation = _completed(personas.evaluator, interaction, published)
    soon = timezone.now() + timedelta(days=3)
    task = ev.assignment_create(
        by=personas.supervisor_a, interaction=interaction, scorecard=published, assignee=personas.evaluator, due_at=soon
    )
    cal_extra = make_user("cal.extra@example.com", "Cal Extra", "evaluator")
    personas.team_a.leads.add(cal_extra)
    # The sessions are on calls of their own: an assessor who has not submitted sees no other evaluation of
    # the session's call (docs/calibrations.md#blindness), which tests/calibrations/test_blind_everywhere.py covers.
    calibration = cal.session_create(
        by=personas.supervisor_a,
        name="Matrix calibration",
        scorecard=published,
        interaction=_interaction("call-cal-1", personas.agent_a1.email),
        assessors=[personas.evaluator, cal_extra],
        benchmark=personas.admin,
        due_at=soon,
    )
    # lead_agent's own call in team A, evaluated twice by the evaluator: one evaluation they disputed,
    # one still open to acknowledge or dispute; and a session on it that they do not assess.
    own_interaction = _interaction("call-lead-1", lead_agent.email)
    own_disputed = _completed(personas.evaluator, own_interaction, published)
    ev.evaluation_dispute(by=lead_agent, evaluation=own_disputed, items=[("greet", "I greeted them by name")])
    own_open = _completed(personas.evaluator, own_interaction, published)
    own_calibration = cal.session_create(
        by=personas.supervisor_a,
        name="Lead's call",
        scorecard=published,
        interaction=own_interaction,
        assessors=[personas.evaluator, cal_extra],
        due_at=soon,
    )
    # Team B mirrors team A: manager_b evaluated agent_b1's call, assigned it to a lead of B and
    # opened a session that two other leads of B and the admin (benchmark) assess.
    b_lead1 = make_user("b.lead1@example.com", "Bo Bee", "evaluator")
    b_lead2 = make_user("b.lead2@example.com", "Bi Bee", "evaluator")
    personas.team_b.leads.add(b_lead1, b_lead2)
    interaction_b = _interaction("call-b-1", personas.agent_b1.email)
    evaluation_b = _completed(personas.manager_b, interaction_b, published)
    task_b = ev.assignment_create(
        by=personas.manager_b, interaction=interaction_b, scorecard=published, assignee=b_lead1, due_at=soon
    )
    calibration_b = cal.session_create(
        by=personas.manager_b,
        name="Team B calibration",
        scorecard=published,
        interaction=_interaction("call-cal-b-1", personas.agent_b1.email),
        assessors=[b_lead1, b_lead2],
        benchmark=personas.admin,
        due_at=soon,
    )
    from cxq.goals.services import GoalInput, goal_create

    def goal_of(by, evaluators, name):
        data = GoalInput(
            name=name,
            scorecard=published,
            evaluators=evaluators,
            target=1,
            target_per="agent",
            recurrence="weekly",
            starts_on=timezone.now().date() - timedelta(days=30),
            ends_on=None,
            recent_days=30,
            condition={"all": []},
        )
        return goal_create(by=by, data=data)

    from cxq.schedules.models import Entry as ScheduleEntry

    schedule_entry = ScheduleEntry.objects.create(
        user=personas.agent_a1, kind="shift", starts_at=soon, ends_at=soon + timedelta(hours=8)
    )
    moment, moment_link, moment_token = _moment(personas, interaction)
    from cxq.coaching import services as coaching
    from cxq.coaching.services import FocusInput, SessionInput

    def coaching_of(title):
        data = SessionInput(
            title=title,
            agents=[personas.agent_a1],
            coach=personas.supervisor_a,
            starts_at=soon,
            meeting_url="https://meet.example.com/matrix",
            focus=[FocusInput(kind="evaluation", evaluation=evaluation)],
        )
        return coaching.session_create(by=personas.supervisor_a, data=data)

    coaching_session = coaching_of("Matrix coaching")
    coaching_done = coaching.session_complete(
        by=personas.supervisor_a, session=coaching_of("Held"), outcome_notes="Held", follow_ups=["Practise"]
    )
    goal = goal_of(personas.supervisor_a, [personas.evaluator], "Team A sample")
    goal_b = goal_of(personas.admin, [b_lead1], "Team B sample")
    return {
        "calibration": calibration,
        "coaching": coaching_session,
        "coaching_done": coaching_done,
        "goal": goal,
        "schedule_entry": schedule_entry,
        "moment": moment,
        "moment_link": moment_link,
        "moment_token": moment_token,
        "cal_extra": cal_extra,
        "cal_candidate": personas.supervisor_a,
        "cal_assessors": [personas.evaluator, personas.supervisor_a],
        "assignee": personas.evaluator,
        "draft": ev_draft,
        "evaluation": evaluation,
        "automated": automated,
        "automated_card": automated_card,
        "automation": automation,
        "task": task,
        "saved_filter": saved_filter,
        "comment": comment,
        "recording": recording,
        "screen_track": screen_track,
        "interaction": interaction,
        "phrase_set": phrase_set,
        "sc_draft": draft,
        "sc_published": published,
        "sc_archived": archived,
        "user": personas.agent_a1.uuid,
        "team": personas.team_a.uuid,
        "role": custom.uuid,
        "token": token.uuid,
        "scim_token": scim_token.uuid,
        "notification": note.uuid,
        "mail": mail.pk,
        "hook": hook.uuid,
        "hook_delivery": hook_delivery.uuid,
        "personas": personas,
        # lead_agent's own work (OWN_WEB, OWN_API)
        "own": {
            "interaction": own_interaction,
            "evaluation": own_disputed,
            "evaluation_open": own_open,
            "calibration": own_calibration,
            "assignee": lead_agent,
            "cal_candidate": lead_agent,
            "cal_assessors": [lead_agent, personas.evaluator],
        },
        # team B's objects (CROSS_WEB, CROSS_API)
        "team_b": {
            "interaction": interaction_b,
            "evaluation": evaluation_b,
            "task": task_b,
            "calibration": calibration_b,
            "goal": goal_b,
            "cal_extra": b_lead2,
            "cal_candidate": personas.manager_b,
            "cal_assessors": [b_lead1, personas.manager_b],
            "assignee": b_lead1,
            "user": personas.agent_b1.uuid,
            "team": personas.team_b.uuid,
        },
    }


def _sessions(personas) -> dict[str, str]:
    """One logged-in session per persona, made with the world: cases reuse its cookie."""
    keys = {}
    for who in PEOPLE:
        client = Client()
        client.force_login(personas.get(who))
        keys[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def _tokens(personas) -> dict[str, str]:
    """A personal API token per persona, and a revoked and an expired one (the admin's)."""
    raw = {who: api_token_create(user=personas.get(who), name="matrix auth")[1] for who in PEOPLE}
    revoked, raw["revoked"] = api_token_create(user=personas.admin, name="revoked")
    api_token_revoke(by=personas.admin, token=revoked)
    expired, raw["expired"] = api_token_create(user=personas.admin, name="expired", expires_in_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return raw


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        world["sessions"] = _sessions(world["personas"])
        world["tokens"] = _tokens(world["personas"])
        world["state"] = DbState()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(matrix_world, db):
    """The module's world; ``db`` runs the case in a savepoint rolled back before the next one."""
    return matrix_world


def view_of(world: dict, part: str, **extra) -> dict:
    """The world with some objects swapped: lead_agent's own ("own") or team B's ("team_b")."""
    return {**world, **world[part], **extra}


class JsonBody(dict):
    """A POST body sent as JSON (the builder's endpoints) rather than as a form."""


def _sc_doc() -> dict:
    from tests.scorecards.conftest import DOC

    return DOC


SC_DOC = _sc_doc()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cxq.scorecards.csvio import document_to_csv

    return SimpleUploadedFile("card.csv", document_to_csv(SC_DOC).encode(), content_type="text/csv")


def _audio():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("call.mp3", b"ID3" + b"1" * 300, content_type="audio/mpeg")


def _card_form(world, name: str) -> dict:
    return {
        "name": name,
        "condition": json.dumps({"all": [{"field": "queue", "op": "is", "value": "Nowhere"}]}),
        "action": "assign",
        "scorecard": str(world["sc_published"].uuid),
        "pool": [str(world["personas"].evaluator.uuid)],
        "distribution": "round_robin",
        "due_days": "3",
        "enabled": "on",
    }


def web_request(name: str, method: str, world) -> tuple[str, dict]:
    """The concrete URL and POST body for a named route."""
    from django.urls import reverse

    p = world["personas"]
    args = {
        "accounts:token_revoke": [world["token"]],
        "accounts:user_detail": [world["user"]],
        "accounts:user_edit": [world["user"]],
        "accounts:user_password": [world["user"]],
        "accounts:team_detail": [world["team"]],
        "accounts:team_edit": [world["team"]],
        "accounts:team_delete": [world["team"]],
        "accounts:role_edit": [world["role"]],
        "accounts:role_duplicate": [world["role"]],
        "accounts:role_delete": [world["role"]],
        "notifications:read": [world["notification"]],
        "notifications:outbox_retry": [world["mail"]],
        "webhooks:detail": [world["hook"]],
        "webhooks:test": [world["hook"]],
        "webhooks:delete": [world["hook"]],
        "webhooks:resend": [world["hook_delivery"]],
        "scorecards:detail": [world["sc_published"].uuid],
        "scorecards:edit": [world["sc_published"].uuid],
        "scorecards:preview": [world["sc_published"].uuid],
        "scorecards:versions": [world["sc_published"].uuid],
        "scorecards:export": [world["sc_published"].uuid],
        "scorecards:duplicate": [world["sc_published"].uuid],
        "scorecards:archive": [world["sc_published"].uuid],
        "scorecards:publish": [world["sc_draft"].uuid],
        "scorecards:delete": [world["sc_draft"].uuid],
        "scorecards:restore": [world["sc_archived"].uuid],
        "interactions:detail": [world["interaction"].uuid],
        "interactions:recording_upload": [world["interaction"].uuid],
        "interactions:comment_create": [world["interaction"].uuid],
        "evaluations:start": [world["interaction"].uuid],
        "evaluations:assign": [world["interaction"].uuid],
        "evaluations:detail": [world["evaluation"].uuid],
        "evaluations:save": [world["draft"].uuid],
        "evaluations:submit": [world["draft"].uuid],
        "evaluations:discard": [world["draft"].uuid],
        "accounts:password_reset_confirm": ["MQ", "not-a-valid-token"],
        "evaluations:acknowledge": [world["evaluation"].uuid],
        "evaluations:dispute": [world["evaluation"].uuid],
        "evaluations:respond": [world["evaluation"].uuid],
        "evaluations:void": [world["evaluation"].uuid],
        "evaluations:delete": [world["evaluation"].uuid],
        "evaluations:automated_run": [world["interaction"].uuid],
        "automations:edit": [world["automation"].uuid],
        "automations:duplicate": [world["automation"].uuid],
        "automations:delete": [world["automation"].uuid],
        "automations:toggle": [world["automation"].uuid],
        "automations:move": [world["automation"].uuid],
        "evaluations:adopt": [world["automated"].uuid],
        "evaluations:task": [world["task"].uuid],
        "evaluations:task_extend": [world["task"].uuid],
        "interactions:saved_filter_rename": [world["saved_filter"].uuid],
        "interactions:saved_filter_delete": [world["saved_filter"].uuid],
        "interactions:comment_edit": [world["comment"].uuid],
        "interactions:comment_delete": [world["comment"].uuid],
        "interactions:phrase_set_edit": [world["phrase_set"].uuid],
        "interactions:phrase_set_delete": [world["phrase_set"].uuid],
        "interactions:recording_media": [world["interaction"].uuid, world["recording"].uuid],
        "interactions:screen_media": [world["interaction"].uuid, world["screen_track"].uuid],
        "interactions:recordings_combined": [world["interaction"].uuid],
        "calibrations:detail": [world["calibration"].uuid],
        "calibrations:start": [world["calibration"].uuid],
        "calibrations:assessor_add": [world["calibration"].uuid],
        "calibrations:assessor_remove": [world["calibration"].uuid, world["cal_extra"].uuid],
        "calibrations:close": [world["calibration"].uuid],
        "calibrations:export": [world["calibration"].uuid],
        "scim:token_revoke": [world["scim_token"]],
        "scim:user": [world["user"]],
        "scim:group": [world["team"]],
        "scim:schema": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "scim:resource_type": ["User"],
        "scim:unsupported": ["Bulk"],
        "moments:detail": [world["moment"].uuid],
        "moments:clip": [world["moment"].uuid],
        "moments:delete": [world["moment"].uuid],
        "moments:share": [world["moment"].uuid],
        "moments:link_create": [world["moment"].uuid],
        "moments:link_revoke": [world["moment_link"].uuid],
        "moments:create": [world["interaction"].uuid],
        "moments:public": [world["moment_token"]],
        "moments:public_clip": [world["moment_token"]],
        "coaching:detail": [world["coaching"].uuid],
        "coaching:ics": [world["coaching"].uuid],
        "coaching:edit": [world["coaching"].uuid],
        "coaching:complete": [world["coaching"].uuid],
        "coaching:cancel": [world["coaching"].uuid],
        "coaching:missed": [world["coaching"].uuid],
        "coaching:acknowledge": [world["coaching"].uuid],
        "coaching:follow_up": [world["coaching_done"].uuid, world["coaching_done"].follow_ups.get().pk],
        "goals:detail": [world["goal"].uuid],
        "goals:edit": [world["goal"].uuid],
        "goals:generate": [world["goal"].uuid],
        "schedules:feed": ["cxqfeed_not-a-token"],
    }.get(name, [])
    bodies = {
        "accounts:login": {"username": "nobody-here@example.com", "password": "wrong-password-1"},
        "accounts:password_reset": {"email": "nobody-here@example.com"},
        "accounts:password_reset_confirm": {"new_password1": "a-new-long-passphrase", "new_password2": "x"},
        "accounts:profile": {"full_name": "Renamed Person", "time_zone": "Europe/Paris"},
        "accounts:password_change": {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
        "accounts:tokens": {"name": "script", "expires_in_days": ""},
        "accounts:user_create": {
            "email": "new.person@example.com",
            "full_name": "New Person",
            "is_active": "on",
        },
        "accounts:user_edit": {
            "email": "agent.a1@example.com",
            "full_name": "Andy A.",
            "is_active": "on",
            "member_of": [p.team_a.pk],
        },
        "accounts:user_password": {"password": "another-long-passphrase"},
        "accounts:team_create": {"name": "Team C"},
        "webhooks:new": {"name": "Local", "url": "https://127.0.0.1/hook", "events": ["evaluation.completed"]},
        "webhooks:detail": {
            "name": "Warehouse renamed",
            "url": "https://hooks.example.com/cxq",
            "events": ["evaluation.completed"],
            "enabled": "on",
        },
        "accounts:team_edit": {"name": "Team A renamed", "members": [p.agent_a1.pk]},
        "accounts:role_create": {"name": "Auditor", "permissions": ["audit.view"]},
        "sso:settings": {
            "provider_name": "Acme ID",
            "scopes": "openid email profile",
            "email_claim": "email",
            "role_mappings": "cxq-leads: Supervisor",
            "team_mappings": "north: Team A",
        },
        "scim:tokens": {"name": "Entra"},
        "accounts:role_edit": {"name": "Quality lead", "permissions": ["scorecards.view", "analytics.view"]},
        "accounts:org_settings": {
            "name": "Acme",
            "default_time_zone": "UTC",
            "acknowledgement_days": "5",
            "unknown_agents": "create",
            "silence_seconds": "3",
            "crosstalk_seconds": "0.5",
        },
        "scorecards:new": JsonBody({"document": {**SC_DOC, "name": "Brand new"}}),
        "scorecards:edit": JsonBody({"document": {**SC_DOC, "description": "Reworded"}}),
        "scorecards:validate": JsonBody({"document": SC_DOC}),
        "scorecards:builder_preview": JsonBody({"document": SC_DOC}),
        "scorecards:preview_score": {
            "version": str(world["sc_published"].current_version.uuid),
            "qa_greet": "yes",
        },
        "scorecards:import": {"file": _upload()},
        "schedules:import": {"file": _schedule_csv(world)},
        "schedules:settings": {"forecast_weeks": "6"},
        "interactions:new": {
            "agent": str(p.agent_a1.uuid),
            "channel": "offline",
            "direction": "inbound",
            "started_at": "2026-11-20T14:30",
            "duration_minutes": "3",
            "transcript_text": "Customer: hello\nAgent: hi",
        },
        "interactions:recording_upload": {"file": _audio()},
        "interactions:comment_create": {"body": "Noted", "visibility": "public"},
        "interactions:saved_filter_create": {"name": "Voice", "query": "channel=voice"},
        "interactions:saved_filter_rename": {"name": "Chat only"},
        "evaluations:start": {
            "scorecard": str(world["sc_published"].uuid),
            "agent": str(world["interaction"].agent.uuid),
        },
        "evaluations:assign": {
            "scorecard": str(world["sc_published"].uuid),
            "assignee": str(world["assignee"].uuid),
            "due_at": "2030-01-01T10:00",
        },
        "evaluations:save": {"lock_version": "1", "qa_greet": "no"},
        "evaluations:submit": {"lock_version": "1", "qa_greet": "yes"},
        "evaluations:dispute": {"dispute": ["greet"], "reason_greet": "I used the name"},
        "evaluations:respond": {"item": ["greet"], "response_greet": "reaffirm", "note_greet": "Stands"},
        "evaluations:void": {"reason": "Wrong agent"},
        "evaluations:automated_run": {"scorecard": str(world["automated_card"].uuid)},
        "automations:new": _card_form(world, "Matrix web card"),
        "automations:edit": _card_form(world, "Matrix card renamed"),
        "automations:move": {"direction": "up"},
        "automations:reorder": JsonBody({"order": [str(world["automation"].uuid)]}),
        "evaluations:assign_bulk": {
            "interactions": [str(world["interaction"].uuid)],
            "scorecard": str(world["sc_published"].uuid),
            "assignee": str(world["assignee"].uuid),
            "due_at": "2030-01-01T10:00",
        },
        "evaluations:task_extend": {"due_at": "2031-01-01T10:00"},
        "calibrations:new": {
            "name": "Matrix session",
            "scorecard": str(world["sc_published"].uuid),
            "interaction": str(world["interaction"].uuid),
            "assessors": [str(u.uuid) for u in world["cal_assessors"]],
            "due_at": "2030-01-01T10:00",
        },
        "calibrations:assessor_add": {"user": str(world["cal_candidate"].uuid)},
        "moments:create": {"start": "0", "end": "2", "title": "Matrix moment"},
        "moments:share": {"users": [str(p.agent_a1.uuid)]},
        "moments:link_create": {"expires_in_days": "3"},
        "coaching:new": _coaching_body(world, "Matrix session"),
        "coaching:edit": _coaching_body(world, "Renamed session"),
        "coaching:complete": {"outcome_notes": "Went well", "follow_ups": "Practise"},
        "coaching:cancel": {"reason": "Off sick"},
        "coaching:follow_up": {"done": "1"},
        "goals:new": _goal_body(world, "Matrix goal"),
        "goals:edit": _goal_body(world, "Renamed goal"),
        "interactions:comment_edit": {"body": "Good call, really"},
        "interactions:phrase_set_new": {
            "name": "Empathy",
            "kind": "indicator",
            "side": "agent",
            "phrases": "I understand\nI am sorry",
            "is_active": "on",
        },
        "interactions:phrase_set_edit": {
            "name": "Greeting",
            "kind": "indicator",
            "side": "agent",
            "phrases": "thank you for calling\nthanks for calling",
            "is_active": "on",
        },
    }
    url = reverse(name, args=args)
    if name == "schedules:suggest":
        url += f"?users={p.agent_a1.uuid}&from=2030-01-07&to=2030-01-10&duration=30"
    return url, (bodies.get(name, {}) if method == "POST" else {})


def _schedule_csv(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    email = world["personas"].agent_a1.email
    text = f"user,kind,starts_at,ends_at\n{email},shift,2030-01-07 08:00,2030-01-07 16:00\n"
    return SimpleUploadedFile("shifts.csv", text.encode(), content_type="text/csv")


def _coaching_body(world, name: str) -> dict:
    p = world["personas"]
    return {
        "title": name,
        "agents": [str(p.agent_a1.uuid)],
        "coach": str(p.supervisor_a.uuid),
        "kind": "video",
        "starts_at": "2030-01-01T10:00",
        "duration_minutes": "30",
        "meeting_url": "https://meet.example.com/matrix",
    }


def _goal_body(world, name: str) -> dict:
    return {
        "name": name,
        "scorecard": str(world["sc_published"].uuid),
        "evaluators": [str(world["goal"].evaluators.first().uuid)],
        "target": "2",
        "target_per": "agent",
        "recurrence": "weekly",
        "starts_on": "2026-01-05",
        "recent_days": "7",
        "condition": '{"all": [{"field": "queue", "op": "is", "value": "Billing"}]}',
        "is_active": "on",
    }


def _payload() -> dict:
    from tests.interactions.conftest import PAYLOAD

    return dict(PAYLOAD)


API_BODIES = {
    "PATCH /api/v1/me": {"full_name": "Me Myself"},
    "POST /api/v1/me/password": {"current_password": PASSWORD, "password": "a-new-long-passphrase"},
    "POST /api/v1/users": {"email": "api.person@example.com", "full_name": "Api Person", "role": "agent"},
    "PATCH /api/v1/users/{uuid}": {"full_name": "Andy Renamed"},
    "POST /api/v1/users/{uuid}/password": {"current_password": PASSWORD, "password": "a-new-long-passphrase"},
    "POST /api/v1/teams": {"name": "Team D"},
    "PATCH /api/v1/teams/{uuid}": {"description": "New description"},
    "POST /api/v1/roles": {"name": "Reporter", "permissions": ["analytics.view"]},
    "PATCH /api/v1/roles/{uuid}": {"description": "Leads quality"},
    "POST /api/v1/roles/{uuid}/duplicate": {"name": ""},
    "PATCH /api/v1/settings": {"acknowledgement_days": 3},
    "POST /api/v1/tokens": {"name": "ci"},
    "POST /api/v1/scorecards": {"document": {**SC_DOC, "name": "Via API"}},
    "POST /api/v1/scorecards/import": {"format": "json", "content": {**SC_DOC, "name": "Imported"}},
    "PUT /api/v1/scorecards/{uuid}": {"document": {**SC_DOC, "description": "Reworded"}},
    "PUT /api/v1/scorecards/{uuid}/applicability": {"channels": ["voice"]},
    "POST /api/v1/scorecards/{uuid}/duplicate": {"name": ""},
    "POST /api/v1/scoring/preview": {"answers": {"greet": "yes"}},
    "POST /api/v1/interactions": {**_payload(), "external_id": "matrix-1"},
    "POST /api/v1/interactions/bulk": {"items": [{**_payload(), "external_id": "matrix-2"}]},
    "POST /api/v1/phrase-sets": {"name": "Empathy", "phrases": ["I understand"]},
    "PATCH /api/v1/phrase-sets/{uuid}": {"phrases": ["thank you for calling", "thanks for calling"]},
    "POST /api/v1/interactions/{uuid}/comments": {"body": "Agreed"},
    "POST /api/v1/interactions/{uuid}/screen-tracks": {
        "monitor": 2,
        "offset_seconds": -1.5,
        "size": 900,
        "sha256": "ab" * 32,
    },
    "PATCH /api/v1/automations/{uuid}": {"name": "Matrix card renamed"},
    "PUT /api/v1/evaluations/{uuid}/draft": {"answers": {"greet": "no"}, "lock_version": 1},
    "POST /api/v1/evaluations/{uuid}/submit": {},
    "POST /api/v1/evaluations/{uuid}/dispute": {"items": [{"question": "greet", "reason": "I did"}]},
    "POST /api/v1/evaluations/{uuid}/respond": {
        "responses": [{"question": "greet", "response": "reaffirm", "note": "Stands"}]
    },
    "POST /api/v1/evaluations/{uuid}/void": {"reason": "Wrong agent"},
    "POST /api/v1/assignments/{uuid}/extend": {"due_at": "2031-01-01T10:00:00Z"},
    "POST /api/v1/saved-filters": {"name": "Matrix voice", "query": "channel=voice"},
    "PATCH /api/v1/saved-filters/{uuid}": {"name": "Matrix chats"},
    "PATCH /api/v1/coaching/{uuid}": {"title": "Renamed session", "duration_minutes": 45},
    "POST /api/v1/coaching/{uuid}/status": {"status": "cancelled", "reason": "Off sick"},
    "PATCH /api/v1/comments/{uuid}": {"body": "Good call, really"},
    "POST /api/v1/webhooks/endpoints": {
        "name": "Local",
        "url": "https://127.0.0.1/hook",
        "events": ["evaluation.completed"],
        "secret": "whsec_" + "a" * 43,
    },
    "PATCH /api/v1/webhooks/endpoints/{uuid}": {"name": "Warehouse renamed"},
    "PATCH /api/v1/schedules/settings": {"forecast_weeks": 6},
}


def api_request(op: str, world) -> tuple[str, str, dict | None]:
    method, path = op.split(" ", 1)
    obj = None
    if "/webhooks/endpoints/{uuid}" in path:
        obj = world["hook"]
    elif "/webhooks/deliveries/{uuid}" in path:
        obj = world["hook_delivery"]
    elif "/schedules/entries/{uuid}" in path:
        obj = world["schedule_entry"].uuid
    elif "/users/{uuid}" in path:
        obj = world["user"]
    elif "/teams/{uuid}" in path:
        obj = world["team"]
    elif "/roles/{uuid}" in path:
        obj = world["role"]
    elif "/tokens/{uuid}" in path:
        obj = world["token"]
    elif "/notifications/{uuid}" in path:
        obj = world["notification"]
    elif "/evaluations/{uuid}" in path:
        key = "draft" if path.endswith(("/draft", "/submit")) else "evaluation"
        key = "automated" if path.endswith("/adopt") else key
        obj = world[key].uuid
    elif "/goals/{uuid}" in path:
        obj = world["goal"].uuid
    elif "/automations/{uuid}" in path:
        obj = world["automation"].uuid
    elif "/assignments/{uuid}" in path:
        obj = world["task"].uuid
    elif "/coaching/{uuid}" in path:
        obj = world["coaching"].uuid
    elif "/calibrations/{uuid}" in path:
        obj = world["calibration"].uuid
    elif "/comments/{uuid}" in path:
        obj = world["comment"].uuid
    elif "/screen-tracks/{uuid}" in path:
        obj = world["screen_track"].uuid
    elif "/interactions/{uuid}" in path:
        obj = world["interaction"].uuid
    elif "/moments/{uuid}" in path:
        obj = world["moment"].uuid
    elif "/phrase-sets/{uuid}" in path:
        obj = world["phrase_set"].uuid
    elif "/saved-filters/{uuid}" in path:
        obj = world["saved_filter"].uuid
    elif "/scorecards/{uuid}" in path:
        card = {"publish": "sc_draft", "restore": "sc_archived"}.get(path.rsplit("/", 1)[-1], "sc_published")
        if method == "DELETE":
            card = "sc_draft"
        obj = world[card].uuid
    url = path.replace("{uuid}", str(obj)) if obj else path
    url = url.replace("{recording}", str(world["recording"].uuid))
    url = url.replace("{number}", "1").replace("{user}", str(world["cal_extra"].uuid))
    url = url.replace("{link}", str(world["moment_link"].uuid))
    if path.endswith("/diff"):
        url += "?from_version=1&to_version=1"
    body = API_BODIES.get(op)
    if op == "POST /api/v1/evaluations":
        body = {"interaction": str(world["interaction"].uuid), "scorecard": str(world["sc_published"].uuid)}
    if op == "POST /api/v1/evaluations/automated":
        body = {"interaction": str(world["interaction"].uuid), "scorecard": str(world["automated_card"].uuid)}
    if op == "POST /api/v1/automations":
        body = {
            "name": "Matrix API card",
            "condition": {"all": [{"field": "queue", "op": "is", "value": "Nowhere"}]},
            "scorecard": str(world["sc_published"].uuid),
            "pool": [str(world["personas"].evaluator.uuid)],
        }
    if op == "POST /api/v1/goals":
        body = {
            "name": "Matrix API goal",
            "scorecard": str(world["sc_published"].uuid),
            "evaluators": [str(world["personas"].evaluator.uuid)],
            "target": 1,
            "starts_on": "2030-01-01",
        }
    if op == "PATCH /api/v1/goals/{uuid}":
        body = {"name": "Matrix goal renamed"}
    if op == "POST /api/v1/automations/reorder":
        body = {"order": [str(world["automation"].uuid)]}
    if path.endswith("/automations/test"):
        url += f"?interaction={world['interaction'].uuid}"
    if op == "POST /api/v1/assignments":
        body = {
            "interaction": str(world["interaction"].uuid),
            "scorecard": str(world["sc_published"].uuid),
            "assignee": str(world["assignee"].uuid),
            "due_at": "2030-06-01T10:00:00Z",
        }
    if op == "POST /api/v1/assignments/bulk":
        body = {
            "interactions": [str(world["interaction"].uuid)],
            "scorecard": str(world["sc_published"].uuid),
            "evaluator": str(world["assignee"].uuid),
            "due_at": "2030-06-01T10:00:00Z",
        }
    if op == "POST /api/v1/calibrations":
        body = {
            "name": "Matrix API session",
            "scorecard": str(world["sc_published"].uuid),
            "interaction": str(world["interaction"].uuid),
            "assessors": [str(u.uuid) for u in world["cal_assessors"]],
            "due_at": "2030-06-01T10:00:00Z",
        }
    if op == "POST /api/v1/moments":
        body = {"interaction": str(world["interaction"].uuid), "start": 0, "end": 2, "title": "API moment"}
    if op == "POST /api/v1/moments/{uuid}/share":
        body = {"users": [str(world["personas"].agent_a1.uuid)]}
    if op == "POST /api/v1/moments/{uuid}/links":
        body = {"expires_in_days": 3}
    if op == "POST /api/v1/coaching":
        body = {
            "title": "Matrix API coaching",
            "agents": [str(world["personas"].agent_a1.uuid)],
            "starts_at": "2030-06-01T10:00:00Z",
            "meeting_url": "https://meet.example.com/api",
        }
    if op == "POST /api/v1/calibrations/{uuid}/assessors":
        body = {"user": str(world["cal_candidate"].uuid)}
    if op == "POST /api/v1/schedules/entries/bulk":
        body = {
            "items": [
                {
                    "user": world["personas"].agent_a1.email,
                    "kind": "meeting",
                    "starts_at": "2030-01-07T09:00:00Z",
                    "ends_at": "2030-01-07T10:00:00Z",
                    "external_id": "matrix-meeting",
                }
            ]
        }
    if op == "GET /api/v1/schedules/suggestions":
        url += f"?users={world['personas'].agent_a1.uuid}&from=2030-01-07&to=2030-01-10&duration=30"
    if op == "POST /api/v1/scoring/preview":
        body = {**body, "version": str(world["sc_published"].current_version.uuid)}
    return method, url, body


# --- Did the request change the database? ---------------------------------------------------------

# Sessions and login-attempt records are written by refused requests too; a user's last login and a
# token's last use are bookkeeping of the request itself, not a change it made.
_SKIP_TABLES = {"django_session"}
_SKIP_COLUMNS = {"accounts_user": {"last_login"}, "accounts_apitoken": {"last_used_at"}}
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class DbState:
    """The state of the tables a request could touch, compared with the state the world started in.

    Every case starts from the same rows (its changes are rolled back), so the start is taken once:
    per table its row count, highest id and latest ``updated_at`` — one query after each case — and a
    hash of its rows. Tables the request wrote to (seen in the SQL it ran) whose count, id and
    ``updated_at`` still look the same are compared row by row: that catches an update that leaves
    ``updated_at`` alone (``QuerySet.update``, tables without it, link tables).
    """

    def __init__(self):
        self.models = {
            m._meta.db_table: m
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and m._meta.db_table not in _SKIP_TABLES and not m._meta.db_table.startswith("axes_")
        }
        q = connection.ops.quote_name
        columns, self._keys = [], []
        for table, model in sorted(self.models.items()):
            names = {f.attname for f in model._meta.concrete_fields}
            aggregates = [("rows", "COUNT(*)"), ("max id", f"MAX({q(model._meta.pk.column)})")]
            if "updated_at" in names:
                aggregates.append(("max updated_at", f"MAX({q('updated_at')})"))
            for label, expression in aggregates:
                columns.append(f"(SELECT {expression} FROM {q(table)})")
                self._keys.append((table, label))
        self._sql = "SELECT " + ", ".join(columns)
        self.start = self.summary()
        self.start_rows = {table: self.rows(table) for table in self.models}

    def summary(self) -> dict[tuple[str, str], object]:
        with connection.cursor() as cursor:
            cursor.execute(self._sql)
            return dict(zip(self._keys, cursor.fetchone(), strict=True))

    def rows(self, table: str) -> str:
        model = self.models[table]
        skip = _SKIP_COLUMNS.get(table, set())
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows = model._base_manager.order_by("pk").values_list(*fields)
        return hashlib.sha256(json.dumps(list(rows), default=str).encode()).hexdigest()

    def changes(self, written: set[str] = frozenset()) -> list[str]:
        """What differs from the start: "table (rows)", "table (max updated_at)", "table (row contents)"."""
        now = self.summary()
        found = [f"{table} ({label})" for (table, label), value in now.items() if value != self.start[table, label]]
        moved = {entry.split(" ", 1)[0] for entry in found}
        for table in sorted((written & self.models.keys()) - moved):
            if self.rows(table) != self.start_rows[table]:
                found.append(f"{table} (row contents)")
        return found

    @contextmanager
    def watch(self):
        """``with state.watch() as seen: …`` — afterwards ``seen.changes`` lists what the block changed."""
        seen = _Writes()
        with connection.execute_wrapper(seen):
            yield seen
        seen.changes = self.changes(seen.tables)


class _Writes:
    """Records the tables that INSERT, UPDATE or DELETE statements name."""

    def __init__(self):
        self.tables: set[str] = set()
        self.changes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match:
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)


def client_as(who: str, world, *, token: str | None = None) -> Client:
    """A client logged in as the persona (the world's session), or sending a personal API token."""
    if token is not None:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client = Client()
    if who != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][who]
    return client


REFUSED = {401, 403, 404, 405, 503}
# Accepted POSTs that may legitimately leave the tables as they were (sessions are not compared).
NO_STATE_CHANGE = {
    "accounts:login",
    "accounts:logout",
    "notifications:read_all",
    # allowed, but the world's evaluation is manual and not disputed: the service says why, changes nothing
    "evaluations:delete",
    "evaluations:respond",
    "evaluations:assign_bulk",  # manager_b cannot see team A's interaction: refused with a message
}


def check_web(route, who, world, expected, *, quiet=NO_STATE_CHANGE):
    """Request the route as ``who``; assert the status, and that a refusal changed nothing while an
    accepted POST (other than the ``quiet`` routes and ``Unchanged`` answers) changed something."""
    name, method = route
    client = client_as(who, world)
    url, body = web_request(name, method, world)
    with world["state"].watch() as seen:
        if isinstance(body, JsonBody):
            response = client.post(url, json.dumps(body), content_type="application/json")
        elif method == "POST":
            response = client.post(url, body)
        else:
            response = client.get(url)
    assert response.status_code == expected, f"{method} {url} as {who}: expected {expected}, got {response.status_code}"
    if expected >= 400 or isinstance(expected, Unchanged):
        assert not seen.changes, f"refused {method} {url} as {who} changed the database: {seen.changes}"
    elif method == "POST" and expected == 302 and who != "anon" and name not in quiet:
        assert seen.changes, f"accepted {method} {url} as {who} changed nothing"
    return response


def check_api(op, who, world, expected, *, token: str | None = None):
    """Call the operation as ``who`` (by session, or with ``token``); a refusal must change nothing
    and say why in ``detail``."""
    client = client_as(who, world, token=token)
    method, url, body = api_request(op, world)
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    with world["state"].watch() as seen:
        response = getattr(client, method.lower())(url, **kwargs)
    assert response.status_code == expected, (
        f"{op} as {who}: expected {expected}, got {response.status_code}: {response.content[:300]!r}"
    )
    if expected >= 400:
        assert not seen.changes, f"refused {op} as {who} changed the database: {seen.changes}"
        if url.startswith("/api/v1/") and "docs" not in url:
            assert "detail" in response.json()
    return response


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", sorted(WEB), ids=lambda r: f"{r[1]} {r[0]}")
def test_web_route_answers_as_expected_for_each_persona(route, who, world):
    check_web(route, who, world, WEB[route][who])


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("op", sorted(API))
def test_api_operation_answers_as_expected_for_each_persona(op, who, world):
    check_api(op, who, world, API[op][who])


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("op", sorted(API))
def test_api_operation_answers_a_token_as_it_answers_the_session(op, who, world):
    check_api(op, who, world, API[op][who], token=world["tokens"][who])


@pytest.mark.parametrize("dead", ["revoked", "expired"])
@pytest.mark.parametrize("op", sorted(API))
def test_api_operation_treats_a_dead_token_as_no_login(op, dead, world):
    check_api(op, "anon", world, API[op]["anon"], token=world["tokens"][dead])


# --- lead_agent's own work and team B's objects ---------------------------------------------------

# Acknowledging and disputing need lead_agent's evaluation that is still open; the rest use the
# disputed one.
_OPEN_EVALUATION = {"evaluations:acknowledge", "evaluations:dispute", "acknowledge", "dispute"}


def _own_view(world, name: str) -> dict:
    extra = {"evaluation": world["own"]["evaluation_open"]} if name.rsplit("/", 1)[-1] in _OPEN_EVALUATION else {}
    return view_of(world, "own", **extra)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", sorted(OWN_WEB), ids=lambda r: f"{r[1]} {r[0]}")
def test_web_route_on_lead_agents_own_work(route, who, world):
    check_web(route, who, _own_view(world, route[0]), OWN_WEB[route][who], quiet=())


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("op", sorted(OWN_API))
def test_api_operation_on_lead_agents_own_work(op, who, world):
    response = check_api(op, who, _own_view(world, op), OWN_API[op][who])
    field = OWN_API_FIELD.get(op)
    if field and response.status_code == 400:
        assert field in json.dumps(response.json()), f"{op} as {who}: the refusal does not name {field!r}"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", sorted(CROSS_WEB), ids=lambda r: f"{r[1]} {r[0]}")
def test_web_route_on_team_b_objects(route, who, world):
    check_web(route, who, view_of(world, "team_b"), CROSS_WEB[route][who], quiet=())


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("op", sorted(CROSS_API))
def test_api_operation_on_team_b_objects(op, who, world):
    check_api(op, who, view_of(world, "team_b"), CROSS_API[op][who])


# --- The checks themselves ------------------------------------------------------------------------


def _writes(kind: str, world):
    """A write of the given kind, as a faulty view might make it before refusing."""
    from cxq.accounts.models import Team
    from cxq.evaluations.models import Event
    from cxq.interactions.models import PhraseSet

    p = world["personas"]
    if kind == "insert":
        Notification.objects.create(recipient=p.agent_b1, kind="test", title="Sneaky", url="/")
    elif kind == "save":
        team = Team.objects.get(pk=p.team_b.pk)
        team.description = "Changed by a refusal"
        team.save()
    elif kind == "update without updated_at":
        PhraseSet.objects.filter(pk=world["phrase_set"].pk).update(is_active=False)
    elif kind == "table without updated_at":
        Event.objects.filter(evaluation=world["evaluation"]).update(data={"changed": "by a refusal"})
    elif kind == "link table":
        p.team_b.members.add(p.agent_a1)
    elif kind == "delete":
        Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).delete()


WRITES = ["insert", "save", "update without updated_at", "table without updated_at", "link table", "delete"]


@pytest.mark.parametrize("kind", WRITES)
def test_a_refusal_that_writes_is_caught(kind, world, monkeypatch):
    """The comparison is cheaper than hashing every table after every case: prove it still sees each
    kind of write a refused request could make (here, acknowledging someone else's evaluation)."""
    from django.core.exceptions import PermissionDenied

    from cxq.evaluations import services

    route, who = ("evaluations:acknowledge", "POST"), "supervisor_a"
    assert WEB[route][who] == 403
    check_web(route, who, world, 403)  # as it is, the refusal changes nothing

    def writes_then_refuses(*, by, evaluation):
        _writes(kind, world)
        raise PermissionDenied("Only the evaluated agent can do this.")

    monkeypatch.setattr(services, "evaluation_acknowledge", writes_then_refuses)
    with pytest.raises(AssertionError, match="changed the database"):
        check_web(route, who, world, 403)
    with pytest.raises(AssertionError, match="changed the database"):
        check_api("POST /api/v1/evaluations/{uuid}/acknowledge", who, world, 403)


def test_an_accepted_request_that_writes_nothing_is_caught(world, monkeypatch):
    from cxq.evaluations import services

    route, who = ("evaluations:acknowledge", "POST"), "agent_a1"
    monkeypatch.setattr(services, "evaluation_acknowledge", lambda *, by, evaluation: evaluation)
    with pytest.raises(AssertionError, match="changed nothing"):
        check_web(route, who, world, 302)


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_case_starts_from_the_same_rows(turn, world):
    """Whichever of the two runs first, its write is rolled back before the other starts."""
    assert world["state"].changes(set(world["state"].models)) == []
    _writes("insert", world)
    assert "notifications_notification (rows)" in world["state"].changes()


def test_api_token_is_scoped_like_its_owner(world):
    """A token acts with its owner's permissions: an agent's token cannot list roles."""
    p = world["personas"]
    raw = world["tokens"]["agent_b1"]
    client = Client()
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["email"] == p.agent_b1.email
    assert client.get("/api/v1/roles", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    assert client.get(f"/api/v1/users/{p.agent_a1.uuid}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
