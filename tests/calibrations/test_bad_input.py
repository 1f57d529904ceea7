"""Input that used to make a 500 (issue 13): each is a 4xx naming the field and creates nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cxq.calibrations.models import Session


def body(personas, card, call, **changes) -> dict:
    data = {
        "name": "December calibration",
        "scorecard": str(card.uuid),
        "interaction": str(call.uuid),
        "assessors": [str(personas.evaluator.uuid), str(personas.supervisor_a.uuid)],
        "due_at": "2030-01-01T09:00:00Z",
    }
    return data | changes


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("due_at", "2030-01-01T00:00:00"),
        ("due_at", "9999-12-31T23:59:59Z"),
        ("name", "Decem\x00ber"),
        ("name", "two\nlines"),
    ],
)
def test_a_session_with_a_bad_field_is_refused_naming_it(client_for, personas, card, call, field, value):
    data = json.dumps(body(personas, card, call, **{field: value}))
    response = client_for("supervisor_a").post("/api/v1/calibrations", data, content_type="application/json")
    assert response.status_code == 422 and [e["loc"][-1] for e in response.json()["detail"]] == [field]
    assert not Session.objects.exists()


def test_the_session_list_refuses_a_nul_in_the_search(client_for, session):
    response = client_for("supervisor_a").get("/api/v1/calibrations", {"q": "Nov\x00"})
    assert response.status_code == 400 and response.json()["detail"].startswith("q:")


def test_the_session_form_refuses_a_far_off_due_date_next_to_the_field(client_for, personas, card, call):
    personas.supervisor_a.time_zone = "Pacific/Honolulu"  # 9999-12-31 local is year 10000 in UTC
    personas.supervisor_a.save(update_fields=["time_zone"])
    response = client_for("supervisor_a").post(
        reverse("calibrations:new"),
        {
            "name": "Far off",
            "scorecard": str(card.uuid),
            "interaction": str(call.uuid),
            "assessors": [str(personas.evaluator.uuid), str(personas.supervisor_a.uuid)],
            "due_at": "9999-12-31T23:59",
        },
    )
    assert response.status_code == 400 and list(response.context["form"].errors) == ["due_at"]
    assert not Session.objects.exists()


def test_the_agreement_page_refuses_a_day_past_the_supported_years(client_for, session, card):
    response = client_for("supervisor_a").get(
        reverse("calibrations:agreement"), {"scorecard": str(card.uuid), "date_to": "9999-12-31"}
    )
    assert response.status_code == 400 and list(response.context["form"].errors) == ["date_to"]
