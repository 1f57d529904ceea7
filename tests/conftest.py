"""Shared fixtures: the named personas every test uses (docs/architecture.md).

- admin: Admin role, sees everything
- supervisor_a: Supervisor leading team A
- manager_b: Manager leading team B
- evaluator: Evaluator leading team A (evaluates A's interactions only)
- agent_a1: Agent in team A
- agent_b1: Agent in team B
- norole: a user with no role

Only where a test asks for it (``lead_agent_create``):

- lead_agent: leads team A and also takes calls in it: a supervisor whose role adds the agent's
  permissions, so there are interactions and evaluations in which they are the agent
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from django.test import Client

from cxq.accounts.models import Role, Team, User
from cxq.accounts.services import roles_ensure_builtin

# aiosmtpd logs from its own thread, sometimes after pytest has closed the captured stream.
logging.getLogger("mail.log").setLevel(logging.WARNING)

PASSWORD = "correct-horse-battery-staple"
PERSONA_NAMES = ("admin", "supervisor_a", "manager_b", "evaluator", "agent_a1", "agent_b1", "norole")


@dataclass
class Personas:
    admin: User
    supervisor_a: User
    manager_b: User
    evaluator: User
    agent_a1: User
    agent_b1: User
    norole: User
    team_a: Team
    team_b: Team
    lead_agent: User | None = None

    def get(self, name: str) -> User:
        return getattr(self, name)

    def all(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in PERSONA_NAMES}


def make_user(email: str, name: str, role_key: str | None, password: str = PASSWORD) -> User:
    role = Role.objects.get(key=role_key) if role_key else None
    return User.objects.create_user(email=email, password=password, full_name=name, role=role)


def personas_create() -> Personas:
    """The personas and their two teams (the ``personas`` fixture, or data shared by a module)."""
    roles_ensure_builtin()
    team_a = Team.objects.create(name="Team A", description="Billing")
    team_b = Team.objects.create(name="Team B", description="Tech")
    p = Personas(
        admin=make_user("admin@example.com", "Ada Admin", "admin"),
        supervisor_a=make_user("sup.a@example.com", "Sam Supervisor", "supervisor"),
        manager_b=make_user("man.b@example.com", "Max Manager", "manager"),
        evaluator=make_user("eval@example.com", "Eve Evaluator", "evaluator"),
        agent_a1=make_user("agent.a1@example.com", "Andy Agent", "agent"),
        agent_b1=make_user("agent.b1@example.com", "Bea Agent", "agent"),
        norole=make_user("nobody@example.com", "Nora Norole", None),
        team_a=team_a,
        team_b=team_b,
    )
    team_a.leads.add(p.supervisor_a, p.evaluator)
    team_a.members.add(p.agent_a1)
    team_b.leads.add(p.manager_b)
    team_b.members.add(p.agent_b1)
    return p


def lead_agent_create(p: Personas) -> User:
    """A supervisor of team A who also takes calls in team A: their role is the supervisor's plus the
    agent's own permissions (acknowledge or dispute their evaluations, see their own scores)."""
    supervisor = Role.objects.get(key="supervisor")
    agent = Role.objects.get(key="agent")
    role = Role.objects.create(
        key="playing-lead",
        name="Playing team lead",
        permissions=sorted(set(supervisor.permissions) | set(agent.permissions)),
    )
    user = User.objects.create_user(
        email="lead.agent@example.com", password=PASSWORD, full_name="Lee Leadagent", role=role
    )
    p.team_a.leads.add(user)
    p.team_a.members.add(user)
    p.lead_agent = user
    return user


@pytest.fixture
def personas(db) -> Personas:
    return personas_create()


@pytest.fixture
def client_for(personas):
    """client_for("agent_a1") → a Django test client logged in as that persona."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(personas.get(name))
        return client

    return make
