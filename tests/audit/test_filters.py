"""The audit log's one filter vocabulary (cxq/audit/filters.py) drives the page, the export and the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cxq.audit import selectors
from cxq.audit.filters import AuditFilter
from cxq.audit.services import audit_record


def _parameters(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/audit"]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def test_the_openapi_document_lists_the_audit_filters_with_their_types(client_for):
    params = _parameters(client_for("admin"))
    assert {"actor", "action", "object_type", "object_id", "search", "date_from", "date_to"} <= set(params)
    assert "q" not in params  # the page's "q" is "search" in the API
    assert params["date_from"]["schema"]["anyOf"][0] == {"format": "date", "type": "string"}
    assert params["search"]["description"] == "Object name"
    assert all(not p.get("required") for p in params.values())


def test_an_api_date_range_ending_before_it_starts_is_a_400_naming_the_end(client_for):
    response = client_for("admin").get("/api/v1/audit", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert response.json()["detail"] == "date_to: The end date is before the start date."


def test_a_control_character_in_the_api_search_is_a_422_naming_it(client_for):
    response = client_for("admin").get("/api/v1/audit", {"search": "a\x01b"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "search"]


def test_an_unknown_actor_uuid_narrows_the_api_to_nothing(client_for, personas):
    audit_record(actor=personas.admin, action="test.event", object_type="x", object_repr="one")
    response = client_for("admin").get("/api/v1/audit", {"actor": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize(
    "page_params",
    [
        {"action": "test.event"},
        {"action": "test.other", "q": "two"},
        {"object_type": "y"},
        {"date_from": "2000-01-01", "date_to": "2199-12-31", "q": "ONE"},
        {"actor": "ADMIN"},
    ],
)
def test_page_export_selector_and_api_give_the_same_rows(client_for, personas, page_params):
    audit_record(actor=personas.admin, action="test.event", object_type="x", object_repr="one")
    audit_record(actor=personas.admin, action="test.other", object_type="y", object_repr="two")
    audit_record(actor=personas.supervisor_a, action="test.other", object_type="x", object_repr="three")
    if page_params.get("actor") == "ADMIN":
        page_params = {"actor": str(personas.admin.uuid)}
    client = client_for("admin")

    page = client.get(reverse("audit:list"), page_params)
    assert page.status_code == 200
    from_page = [e.object_repr for e in page.context["events"]]

    export = client.get(reverse("audit:export"), page_params)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    from_export = [r[5] for r in rows[1:]]

    filterset = AuditFilter(page_params)
    assert filterset.is_valid()
    from_selector = [e.object_repr for e in selectors.audit_list(viewer=personas.admin, filters=filterset)]

    api_params = {("search" if k == "q" else k): v for k, v in page_params.items()}
    api = client.get("/api/v1/audit", api_params)
    assert api.status_code == 200
    from_api = [e["object_repr"] for e in api.json()["results"]]

    assert from_page == from_export == from_selector == from_api
    assert from_page  # each case matches something


def test_the_page_form_does_not_show_api_only_filters(client_for):
    form = client_for("admin").get(reverse("audit:list")).context["form"]
    assert list(form.fields) == ["actor", "action", "object_type", "q", "date_from", "date_to"]
