"""The demo organisation (``cxq demo``): idempotent, built through the same services as the UI."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cxq.accounts.models import OrgSettings, Role, Team, User
from cxq.accounts.services import roles_ensure_builtin, team_create, user_create

DEMO_PASSWORD = "cxq-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    member_of: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    external_id: str | None = None


TEAMS = (
    ("Billing Support", "Invoices, payments and refunds — voice and chat."),
    ("Technical Support", "Connectivity, devices and account access — voice, chat and email."),
    ("Outbound Sales", "Outbound sales calls; its own scorecard applies to them."),
)

DEMO_LOGINS = (
    DemoUser("admin@cxq.test", "Alex Admin", "admin"),
    DemoUser("supervisor@cxq.test", "Sam Supervisor", "supervisor", leads=("Billing Support",)),
    DemoUser("manager@cxq.test", "Morgan Manager", "manager", leads=("Technical Support",)),
    DemoUser("evaluator@cxq.test", "Eve Evaluator", "evaluator", leads=("Billing Support", "Technical Support")),
    DemoUser("agent@cxq.test", "Avery Agent", "agent", member_of=("Billing Support",), external_id="AG-1001"),
)

MORE_AGENTS = (
    DemoUser("jordan.lee@cxq.test", "Jordan Lee", "agent", member_of=("Billing Support",), external_id="AG-1002"),
    DemoUser("priya.shah@cxq.test", "Priya Shah", "agent", member_of=("Billing Support",), external_id="AG-1003"),
    DemoUser(
        "diego.ramos@cxq.test",
        "Diego Ramos",
        "agent",
        member_of=("Technical Support",),
        external_id="AG-2001",
    ),
    DemoUser("mei.chen@cxq.test", "Mei Chen", "agent", member_of=("Technical Support",), external_id="AG-2002"),
    DemoUser("tom.okafor@cxq.test", "Tom Okafor", "agent", member_of=("Technical Support",), external_id="AG-2003"),
)


@transaction.atomic
def load_demo(*, stdout=None) -> dict[str, int]:
    """Create what is missing; never duplicate or overwrite what exists. Returns counts created."""
    created = {"users": 0, "teams": 0}
    roles_ensure_builtin()
    org = OrgSettings.get()
    if org.name == OrgSettings._meta.get_field("name").default:
        org.name = "Northwind Contact Center"
        org.default_time_zone = "Europe/Amsterdam"
        org.save(update_fields=["name", "default_time_zone", "updated_at"])
    teams: dict[str, Team] = {}
    for name, description in TEAMS:
        team = Team.objects.filter(name=name).first()
        if team is None:
            team = team_create(by=None, name=name, description=description)
            created["teams"] += 1
        teams[name] = team
    roles = {r.key: r for r in Role.objects.all()}
    for spec in DEMO_LOGINS + MORE_AGENTS:
        if User.objects.filter(email__iexact=spec.email).exists():
            continue
        user_create(
            by=None,
            email=spec.email,
            full_name=spec.name,
            role=roles[spec.role],
            password=DEMO_PASSWORD,
            external_id=spec.external_id,
            member_of=[teams[t] for t in spec.member_of],
            leads=[teams[t] for t in spec.leads],
        )
        created["users"] += 1
    return created
