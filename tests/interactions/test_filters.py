"""The interactions list's one filter declaration (cxq/interactions/filters.py) drives the page, the
selector and the API alike; its pages run both ways."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from cxq.interactions.filters import InteractionFilter
from cxq.interactions.selectors import interaction_list

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def five(client_for, payload):
    client = client_for("admin")
    items = [
        {
            **payload,
            "external_id": f"p{i}",
            "started_at": f"2026-11-0{i + 1}T10:00:00Z",
            "channel": "voice" if i % 2 else "chat",
            "csat": i + 1,
            "duration_seconds": 60 * (i + 1),
        }
        for i in range(5)
    ]
    assert post(client, "/api/v1/interactions/bulk", {"items": items}).json()["created"] == 5
    return client


def ids(page) -> list[str]:
    return [row["external_id"] for row in page["results"]]


def test_next_and_previous_walk_the_list_both_ways_keeping_the_filters(five):
    first = five.get("/api/v1/interactions", {"page_size": 2, "min_duration": 60}).json()
    assert ids(first) == ["p4", "p3"] and first["previous"] is None
    assert "min_duration=60" in first["next"]
    second = five.get(first["next"]).json()
    third = five.get(second["next"]).json()
    assert ids(second) == ["p2", "p1"] and ids(third) == ["p0"] and third["next"] is None
    back = five.get(third["previous"]).json()
    assert ids(back) == ["p2", "p1"]
    top = five.get(back["previous"]).json()
    assert ids(top) == ["p4", "p3"] and top["previous"] is None and five.get(top["next"]).json() == second


def test_the_api_filters_are_the_page_filters(five):
    assert ids(five.get("/api/v1/interactions", {"channel": "voice"}).json()) == ["p3", "p1"]
    assert ids(five.get("/api/v1/interactions", {"csat": 2}).json()) == ["p1"]
    span = {"min_duration": 120, "max_duration": 240}
    assert ids(five.get("/api/v1/interactions", span).json()) == ["p3", "p2", "p1"]
    moments = {"date_from": "2026-11-02T10:00:00Z", "date_to": "2026-11-04T10:00:00+00:00"}
    assert ids(five.get("/api/v1/interactions", moments).json()) == ["p2", "p1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"csat": 6}, "csat"),
        ({"min_duration": -1}, "min_duration"),
        ({"date_from": "2026-11-02T10:00:00"}, "date_from"),  # no offset
        ({"agent": "not-a-uuid"}, "agent"),
    ],
)
def test_a_value_of_the_wrong_shape_is_a_422_naming_the_parameter(five, params, field):
    response = five.get("/api/v1/interactions", params)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]


def test_a_range_the_wrong_way_round_is_a_400_on_its_second_field(five):
    response = five.get("/api/v1/interactions", {"min_duration": 300, "max_duration": 60})
    assert response.status_code == 400 and response.json()["detail"].startswith("max_duration:")
    response = five.get("/api/v1/interactions", {"date_from": "2026-11-05T00:00:00Z", "date_to": "2026-11-01T00:00Z"})
    assert response.status_code == 400 and response.json()["detail"].startswith("date_to:")


def test_the_page_shows_the_range_error_next_to_the_field_and_lists_everything(five):
    response = five.get("/interactions/", {"min_duration": 300, "max_duration": 60})
    assert response.status_code == 400
    assert response.context["form"].errors == {"max_duration": ["The maximum is below the minimum."]}
    assert len(response.context["rows"]) == 5


def test_code_passes_the_filters_values_as_keywords(five, personas):
    assert [i.external_id for i in interaction_list(viewer=personas.admin, channel="chat", csat=5)] == ["p4"]
    with pytest.raises(ValidationError) as refused:
        interaction_list(viewer=personas.admin, colour="blue")
    assert "colour" in refused.value.message_dict


def test_the_schema_carries_the_bounds_and_the_enums():
    schema = InteractionFilter.api_schema().model_json_schema()["properties"]
    csat = next(s for s in schema["csat"]["anyOf"] if s.get("type") == "integer")
    assert (csat["minimum"], csat["maximum"]) == (1, 5)
    channel = next(s for s in schema["channel"]["anyOf"] if "enum" in s)
    assert "voice" in channel["enum"]
    assert any(s.get("format") == "uuid" for s in schema["indicator"]["anyOf"])
    assert any(s.get("format") == "date-time" for s in schema["date_from"]["anyOf"])
