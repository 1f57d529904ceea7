"""The evaluations table's one filter vocabulary (cxq/evaluations/filters.py) drives the page, the CSV
export, the selector and the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cxq.evaluations import selectors
from cxq.evaluations.filters import EvaluationFilter


def _parameters(client):
    spec = client.get("/api/v1/openapi.json").json()
    return {p["name"]: p for p in spec["paths"]["/api/v1/evaluations"]["get"]["parameters"]}


def test_the_openapi_document_lists_the_evaluation_filters_with_types_and_enums(client_for):
    params = _parameters(client_for("admin"))
    expected = {"status", "source", "agent", "evaluator", "scorecard", "passed", "date_from", "date_to"}
    drill_down = {"team", "version", "channel", "completed_from", "completed_to", "counted", "question", "answer"}
    assert expected | drill_down <= set(params)
    # every sort of the page, keyset-paged in the API too (docs/api.md#evaluations-and-assignments)
    assert set(params["sort"]["schema"]["anyOf"][0]["enum"]) == {
        "-created",
        "created",
        "-completed",
        "completed",
        "-score",
        "score",
        "agent",
        "-agent",
    }
    first = {name: p["schema"]["anyOf"][0] for name, p in params.items() if "anyOf" in p["schema"]}
    assert "awaiting_ack" in first["status"]["enum"] and "calibration" not in first["source"]["enum"]
    assert first["passed"] == {"type": "boolean"} and first["counted"] == {"type": "boolean"}
    assert first["completed_from"] == {"format": "date-time", "type": "string"}
    assert first["date_from"] == {"format": "date", "type": "string"}


@pytest.mark.parametrize(
    ("params", "status", "name"),
    [
        ({"status": "nope"}, 422, "status"),
        ({"completed_from": "2026-01-01T00:00:00"}, 422, "completed_from"),  # no offset
        ({"team": "not-a-uuid"}, 422, "team"),  # a malformed id is a 422, as for every id parameter
        ({"question": "not a slug"}, 400, "question"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, 400, "date_to"),
    ],
)
def test_a_bad_api_filter_is_a_4xx_naming_it(client_for, params, status, name):
    response = client_for("admin").get("/api/v1/evaluations", params)
    assert response.status_code == status
    detail = response.json()["detail"]
    if status == 422:
        assert detail[0]["loc"] == ["query", name]
    else:
        assert detail.startswith(f"{name}:")


def _page_params(personas, completed, case):
    return {
        "all": {},
        "status": {"status": completed.status},
        "failed": {"passed": "no" if completed.passed else "yes"},
        "passed": {"passed": "yes" if completed.passed else "no"},
        "agent": {"agent": str(completed.agent.uuid)},
        "scorecard": {"scorecard": str(completed.scorecard.uuid), "counted": "1"},
        "days": {"date_from": "2000-01-01", "date_to": "2199-12-31"},
        "completed": {"completed_from": "2000-01-01T00:00:00+00:00", "channel": completed.interaction.channel},
        "other version": {"version": "00000000-0000-0000-0000-000000000000"},
    }[case]


@pytest.mark.parametrize(
    "case", ["all", "status", "failed", "passed", "agent", "scorecard", "days", "completed", "other version"]
)
def test_page_export_selector_and_api_give_the_same_rows(client_for, personas, completed, draft, case):
    params = _page_params(personas, completed, case)
    client = client_for("admin")

    page = client.get(reverse("evaluations:list"), params)
    assert page.status_code == 200
    from_page = [str(e.uuid) for e in page.context["rows"]]

    export = client.get(reverse("evaluations:list"), {**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    from_export = [r[0] for r in rows[1:]]

    filterset = EvaluationFilter.of(params)
    from_selector = [str(e.uuid) for e in selectors.evaluation_list(viewer=personas.admin, filters=filterset)]

    api_params = dict(params)
    if "passed" in api_params:
        api_params["passed"] = "true" if api_params["passed"] == "yes" else "false"
    api = client.get("/api/v1/evaluations", api_params)
    assert api.status_code == 200
    from_api = [e["id"] for e in api.json()["results"]]

    assert from_page == from_export == from_selector == from_api
    if case in ("failed", "other version"):
        assert from_page == []
    else:
        assert from_page == [str(completed.uuid)]
