from __future__ import annotations

import csv
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from cxq.accounts import services
from cxq.audit.models import AppendOnlyError, AuditEvent
from cxq.audit.services import audit_record


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(personas):
    event = audit_record(actor=personas.admin, action="test.event", object_type="x", object_id="1")
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_the_database_refuses_updates_to_audit_rows(personas):
    event = audit_record(actor=personas.admin, action="test.event", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite refuses deletes in the ORM only")
def test_postgresql_refuses_deleting_audit_rows(personas):
    event = audit_record(actor=personas.admin, action="test.event", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_failed_service_leaves_no_audit_event(personas):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any validation failure
        services.team_create(by=personas.admin, name="Team A")
    assert AuditEvent.objects.count() == before


def test_every_audited_change_records_actor_object_and_ip(client_for, personas):
    client = client_for("admin")
    client.post(reverse("accounts:team_create"), {"name": "Night Shift"}, REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="team.created")
    assert event.actor == personas.admin
    assert event.actor_label == "Ada Admin <admin@example.com>"
    assert event.object_type == "accounts.team" and event.object_repr == "Night Shift"
    assert event.ip_address == "10.1.2.3"
    assert event.after["name"] == "Night Shift"


def test_the_audit_page_filters_by_action_and_object(client_for, personas):
    services.team_create(by=personas.admin, name="Alpha")
    services.role_create(by=personas.admin, name="Beta role")
    client = client_for("admin")
    html = client.get(reverse("audit:list"), {"action": "team.created"}).content.decode()
    assert "Alpha" in html and "Beta role" not in html
    html = client.get(reverse("audit:list"), {"object_type": "accounts.role"}).content.decode()
    assert "Beta role" in html and "Alpha" not in html


def test_the_audit_page_paginates_by_keyset(client_for, personas):
    for i in range(60):
        audit_record(
            actor=personas.admin,
            action="bulk.event",
            object_type="x",
            object_id=str(i),
            object_repr=f"item-{i:02d}",
        )
    client = client_for("admin")
    first = client.get(reverse("audit:list"), {"action": "bulk.event"})
    assert "item-59" in first.content.decode() and "item-09" not in first.content.decode()
    before = first.context["next_before"]
    second = client.get(reverse("audit:list"), {"action": "bulk.event", "before": before}).content.decode()
    assert "item-09" in second and "item-59" not in second


def test_the_audit_export_is_a_csv_with_the_same_filters(client_for, personas):
    services.team_create(by=personas.admin, name="Alpha")
    services.org_settings_update(by=personas.admin, acknowledgement_days=9)
    response = client_for("admin").get(reverse("audit:export"), {"action": "settings.updated"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
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
    assert [r[2] for r in rows[1:]] == ["settings.updated"]
    assert '"acknowledgement_days": 9' in rows[1][7]


def test_the_audit_export_neutralises_spreadsheet_formulas(client_for, personas):
    audit_record(actor=personas.admin, action="test.event", object_type="x", object_repr='=HYPERLINK("evil")')
    response = client_for("admin").get(reverse("audit:export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_an_invalid_export_filter_is_a_400_naming_the_field(client_for):
    response = client_for("admin").get(reverse("audit:export"), {"date_from": "yesterday"})
    assert response.status_code == 400
    assert b"date_from" in response.content


def test_the_audit_api_lists_events_for_auditors_only(client_for, personas):
    services.team_create(by=personas.admin, name="Alpha")
    data = client_for("admin").get("/api/v1/audit", {"action": "team.created"}).json()
    assert [e["object_repr"] for e in data["results"]] == ["Alpha"]
    assert client_for("supervisor_a").get("/api/v1/audit").status_code == 403


def test_an_invalid_actor_filter_in_the_api_is_a_422_naming_it(client_for):
    response = client_for("admin").get("/api/v1/audit", {"actor": "not-a-uuid"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "actor"]
