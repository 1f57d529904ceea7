"""An admin sets up the organisation in the UI and finds every change in the audit log and its CSV."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from cxq.accounts.models import OrgSettings, Team, User

pytestmark = pytest.mark.e2e

AUDIT_CSV_HEADER = [
    "time",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "ip_address",
]


def test_an_admin_creates_a_team_and_a_person_changes_settings_and_finds_it_all_in_the_audit_log(
    personas, page, login, screenshot
):
    login(page, personas.admin)

    # A team, with a lead and an agent
    page.click('[data-nav="accounts:team_list"]')
    screenshot(page, "admin-teams")
    page.get_by_role("link", name="New team").click()
    page.fill("input[name=name]", "Retention")
    page.fill("textarea[name=description]", "Keeps customers who want to leave")
    page.get_by_role("checkbox", name="Bea Agent").check()
    page.get_by_role("checkbox", name="Sam Supervisor").check()
    screenshot(page, "admin-team-form")
    page.get_by_role("button", name="Create team").click()

    expect(page.locator(".flash-success")).to_contain_text("Retention created.")
    expect(page.locator("h1")).to_have_text("Retention")
    screenshot(page, "admin-team-detail")
    team = Team.objects.get(name="Retention")
    assert list(team.members.values_list("email", flat=True)) == [personas.agent_b1.email]
    assert list(team.leads.values_list("email", flat=True)) == [personas.supervisor_a.email]

    # A person in that team
    page.click('[data-nav="accounts:user_list"]')
    screenshot(page, "admin-people")
    page.get_by_role("link", name="Add person").click()
    page.fill("input[name=full_name]", "Carla Caller")
    page.fill("input[name=email]", "carla@example.com")
    page.select_option("select[name=role]", label="Agent")
    page.get_by_label("Retention").first.check()
    page.fill("input[name=external_id]", "AGT-0042")
    screenshot(page, "admin-person-form")
    page.get_by_role("button", name="Add person").click()

    expect(page.locator(".flash-success")).to_contain_text("Carla Caller added.")
    expect(page.locator("dl.props")).to_contain_text("Retention")
    expect(page.locator("dl.props")).to_contain_text("AGT-0042")
    screenshot(page, "admin-person-detail")
    carla = User.objects.get(email="carla@example.com")
    assert carla.role.key == "agent"
    assert not carla.has_usable_password()
    assert list(carla.teams.values_list("name", flat=True)) == ["Retention"]

    # Organisation settings
    page.click('[data-nav="accounts:org_settings"]')
    page.select_option("select[name=default_time_zone]", "Europe/Berlin")
    page.fill("input[name=acknowledgement_days]", "10")
    page.get_by_role("button", name="Save settings").click()

    expect(page.locator(".flash-success")).to_contain_text("Settings saved.")
    # the test queue runs jobs at once: the reports were recomputed before the page came back
    expect(page.locator(".flash-success")).to_contain_text("Reports now count days in Europe/Berlin.")
    expect(page.locator("select[name=default_time_zone]")).to_have_value("Europe/Berlin")
    expect(page.locator("input[name=acknowledgement_days]")).to_have_value("10")
    screenshot(page, "admin-settings")
    org = OrgSettings.get()
    assert (org.default_time_zone, org.acknowledgement_days) == ("Europe/Berlin", 10)

    # The audit log shows all three, newest first, in the organisation's new time zone
    page.click('[data-nav="audit:list"]')
    rows = page.locator("#audit-table tbody tr")
    expect(rows.nth(0)).to_contain_text("settings.updated")
    expect(rows.nth(0)).to_contain_text("Europe/Berlin")
    expect(page.locator("#audit-table tbody tr", has_text="user.created")).to_contain_text("Carla Caller")
    expect(page.locator("#audit-table tbody tr", has_text="team.created")).to_contain_text("Retention")
    expect(rows.nth(0)).to_contain_text(personas.admin.email)
    expect(page.locator(".user-menu .menu-head")).to_contain_text("Times in Europe/Berlin")
    screenshot(page, "admin-audit-log")

    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("cxq-audit-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(io.StringIO(f.read())))

    assert table[0] == AUDIT_CSV_HEADER
    actions = {(row[2], row[5]) for row in table[1:]}
    assert {
        ("team.created", "Retention"),
        ("user.created", "Carla Caller"),
        ("settings.updated", "My contact center"),
    } <= actions
    assert all(row[1].endswith(f"<{personas.admin.email}>") for row in table[1:])
    assert all(row[0].endswith(("+01:00", "+02:00")) for row in table[1:]), "times in Europe/Berlin"
