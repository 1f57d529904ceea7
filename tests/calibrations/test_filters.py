"""The sessions list's one filter vocabulary (cxq/calibrations/filters.py) drives the page, the selector
and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxq.calibrations import selectors, services
from cxq.calibrations.filters import SessionFilter


@pytest.fixture
def sessions(personas, card, call, due):
    made = []
    for name in ("November calibration", "December calibration", "November rerun"):
        made.append(
            services.session_create(
                by=personas.supervisor_a,
                name=name,
                scorecard=card,
                interaction=call,
                assessors=[personas.evaluator, personas.supervisor_a],
                due_at=due,
            )
        )
    services.session_close(by=personas.supervisor_a, session=made[2])
    return made


def test_the_openapi_document_lists_the_session_filters_with_the_status_enum(client_for):
    spec = client_for("supervisor_a").get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/calibrations"]["get"]["parameters"]}
    assert {"q", "status"} <= set(params)
    assert params["q"]["description"] == "Name"
    status = params["status"]["schema"]["anyOf"][0]
    assert sorted(status["enum"]) == ["closed", "open"]


def test_an_unknown_status_in_the_api_is_a_422_naming_it(client_for, sessions):
    response = client_for("supervisor_a").get("/api/v1/calibrations", {"status": "archived"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "status"]


def test_a_search_longer_than_the_page_allows_is_a_400_naming_it(client_for, sessions):
    response = client_for("supervisor_a").get("/api/v1/calibrations", {"q": "x" * 201})
    assert response.status_code == 400 and response.json()["detail"].startswith("q:")


@pytest.mark.parametrize(
    "params", [{}, {"q": "november"}, {"status": "open"}, {"q": " novem ", "status": "closed"}, {"q": "zzz"}]
)
def test_page_selector_and_api_give_the_same_rows(client_for, personas, sessions, params):
    client = client_for("supervisor_a")
    page = client.get(reverse("calibrations:list"), params)
    assert page.status_code == 200
    from_page = [s.name for s in page.context["page"].object_list]
    viewer = personas.supervisor_a
    from_selector = [s.name for s in selectors.session_list(viewer=viewer, filters=SessionFilter.of(params))]
    from_keywords = [s.name for s in selectors.session_list(viewer=viewer, **params)]
    response = client.get("/api/v1/calibrations", params)
    assert response.status_code == 200
    from_api = [s["name"] for s in response.json()["results"]]
    assert from_page == from_selector == from_keywords == from_api
