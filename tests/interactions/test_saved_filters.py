"""Saved filters of the interactions list go through the events: created, updated (saved again or
renamed) and deleted each publish one event that the audit log keeps, from the page and from the API
alike (docs/interactions.md#list-filters-and-search, docs/api.md#saved-filters)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxq.audit.models import AuditEvent
from cxq.interactions.models import SavedFilter


def audit_rows() -> list[tuple[str, dict | None, dict | None]]:
    return [
        (e.action, e.before, e.after)
        for e in AuditEvent.objects.filter(action__startswith="saved_filter.").order_by("id")
    ]


def test_the_page_records_a_filter_saved_saved_again_renamed_and_deleted(client_for, personas):
    client = client_for("supervisor_a")
    client.post(reverse("interactions:saved_filter_create"), {"name": "Chats", "query": "channel=chat"})
    client.post(reverse("interactions:saved_filter_create"), {"name": "Chats", "query": "channel=chat"})
    client.post(reverse("interactions:saved_filter_create"), {"name": "Chats", "query": "channel=email"})
    saved = SavedFilter.objects.get()
    response = client.post(reverse("interactions:saved_filter_rename", args=[saved.uuid]), {"name": " E-mails "})
    assert response.status_code == 302 and response.url.endswith("?channel=email")
    client.post(reverse("interactions:saved_filter_delete", args=[saved.uuid]))

    assert not SavedFilter.objects.exists()
    assert audit_rows() == [
        ("saved_filter.created", None, {"name": "Chats", "query": "channel=chat"}),
        # the same query saved again changes nothing and records nothing
        (
            "saved_filter.updated",
            {"name": "Chats", "query": "channel=chat"},
            {"name": "Chats", "query": "channel=email"},
        ),
        (
            "saved_filter.updated",
            {"name": "Chats", "query": "channel=email"},
            {"name": "E-mails", "query": "channel=email"},
        ),
        ("saved_filter.deleted", {"name": "E-mails", "query": "channel=email"}, None),
    ]
    event = AuditEvent.objects.filter(action="saved_filter.created").get()
    assert (event.actor, event.object_id) == (personas.supervisor_a, str(saved.uuid))


def test_the_api_records_the_same_events(client_for, personas):
    client = client_for("supervisor_a")
    made = client.post("/api/v1/saved-filters", {"name": "Voice", "query": "channel=voice"}, "application/json")
    uuid = made.json()["id"]
    renamed = client.patch(f"/api/v1/saved-filters/{uuid}", {"name": "Calls"}, "application/json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Calls"
    assert client.delete(f"/api/v1/saved-filters/{uuid}").status_code == 204
    assert [action for action, _, _ in audit_rows()] == [
        "saved_filter.created",
        "saved_filter.updated",
        "saved_filter.deleted",
    ]


@pytest.mark.parametrize(("name", "message"), [("", "Name the filter"), ("Emails", "already have"), ("x" * 101, "100")])
def test_a_refused_rename_names_the_field_and_changes_nothing(client_for, personas, name, message):
    client = client_for("supervisor_a")
    for label, query in (("Chats", "channel=chat"), ("Emails", "channel=email")):
        client.post("/api/v1/saved-filters", {"name": label, "query": query}, "application/json")
    chats = SavedFilter.objects.get(name="Chats")
    before = audit_rows()

    response = client.patch(f"/api/v1/saved-filters/{chats.uuid}", {"name": name}, "application/json")
    assert response.status_code == 400 and message in response.json()["errors"]["name"][0]
    page = client.post(reverse("interactions:saved_filter_rename", args=[chats.uuid]), {"name": name}, follow=True)
    assert message in page.content.decode()

    chats.refresh_from_db()
    assert chats.name == "Chats" and SavedFilter.objects.count() == 2
    assert audit_rows() == before


def test_nobody_renames_or_deletes_someone_elses_filter(client_for, personas):
    saved = SavedFilter.objects.create(owner=personas.supervisor_a, name="Chats", query="channel=chat")
    other = client_for("admin")
    assert other.patch(f"/api/v1/saved-filters/{saved.uuid}", {"name": "Mine"}, "application/json").status_code == 404
    assert (
        other.post(reverse("interactions:saved_filter_rename", args=[saved.uuid]), {"name": "Mine"}).status_code == 404
    )
    assert other.post(reverse("interactions:saved_filter_delete", args=[saved.uuid])).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Chats" and audit_rows() == []


def test_the_list_offers_to_rename_each_saved_filter(client_for, personas):
    saved = SavedFilter.objects.create(owner=personas.supervisor_a, name="Chats", query="channel=chat")
    html = client_for("supervisor_a").get(reverse("interactions:list")).content.decode()
    assert reverse("interactions:saved_filter_rename", args=[saved.uuid]) in html
    assert 'aria-label="Rename Chats"' in html
