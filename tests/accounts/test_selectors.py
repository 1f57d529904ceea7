from __future__ import annotations

from cxq.accounts import selectors
from cxq.accounts.permissions import has_perm


def emails(qs):
    return sorted(u.email for u in qs)


def test_admins_see_every_user(personas):
    assert selectors.user_list(viewer=personas.admin).count() == 7


def test_a_supervisor_sees_the_people_of_the_teams_they_lead_and_themselves(personas):
    assert emails(selectors.user_list(viewer=personas.supervisor_a)) == sorted(
        [personas.supervisor_a.email, personas.evaluator.email, personas.agent_a1.email]
    )


def test_a_manager_never_sees_another_teams_people(personas):
    seen = emails(selectors.user_list(viewer=personas.manager_b))
    assert personas.agent_a1.email not in seen
    assert personas.agent_b1.email in seen


def test_agents_and_role_less_users_see_only_themselves(personas):
    assert emails(selectors.user_list(viewer=personas.agent_a1)) == [personas.agent_a1.email]
    assert emails(selectors.user_list(viewer=personas.norole)) == [personas.norole.email]


def test_teams_are_scoped_to_those_one_leads_or_belongs_to(personas):
    assert [t.name for t in selectors.team_list(viewer=personas.admin)] == ["Team A", "Team B"]
    assert [t.name for t in selectors.team_list(viewer=personas.supervisor_a)] == ["Team A"]
    assert [t.name for t in selectors.team_list(viewer=personas.agent_b1)] == ["Team B"]
    assert list(selectors.team_list(viewer=personas.norole)) == []


def test_team_lists_count_members_without_duplicates(personas):
    personas.team_a.leads.add(personas.admin)
    team = selectors.team_list(viewer=personas.supervisor_a).get()
    assert (team.member_count, team.lead_count) == (1, 3)


def test_user_filters_combine(personas):
    found = selectors.user_list(viewer=personas.admin, role_key="agent", team_uuid=str(personas.team_b.uuid))
    assert emails(found) == [personas.agent_b1.email]
    assert emails(selectors.user_list(viewer=personas.admin, role_key="none")) == [personas.norole.email]
    assert emails(selectors.user_list(viewer=personas.admin, search="bea")) == [personas.agent_b1.email]


def test_permissions_follow_the_role_and_vanish_when_deactivated(personas):
    assert has_perm(personas.supervisor_a, "scorecards.edit")
    assert not has_perm(personas.manager_b, "scorecards.edit")
    assert not has_perm(personas.norole, "interactions.view")
    personas.admin.is_active = False
    personas.admin.__dict__.pop("permission_codes", None)
    assert not has_perm(personas.admin, "users.manage")
