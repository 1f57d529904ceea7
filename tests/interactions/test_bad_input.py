"""Input that used to make a 500 (issue 13): each is a 4xx naming the field and writes nothing."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from django.urls import reverse

from cxq.interactions.models import Comment, Interaction
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.search import search_transcripts
from cxq.interactions.selectors import interaction_list, interaction_scope
from cxq.interactions.services import interaction_upsert
from tests.interactions.conftest import PAYLOAD


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def locs(response) -> list[str]:
    """The fields a 422 names, as dotted paths without the body/payload prefix (a check across fields
    names its field at the start of the message)."""
    names = []
    for error in response.json()["detail"]:
        loc = list(error["loc"])
        if loc[:1] in (["body"], ["query"]):
            loc = loc[2:] if loc[1:2] == ["payload"] else loc[1:]
        path = ".".join(str(p) for p in loc)
        names.append(path or error["msg"].removeprefix("Value error, ").split(":")[0])
    return names


@pytest.fixture
def call(personas):
    return interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]


# --- The list: filters, search and cursors ------------------------------------------------------------


@pytest.mark.parametrize("name", ["csat", "max_duration", "min_duration"])
def test_a_negative_numeric_filter_with_a_search_is_refused_naming_it(client_for, call, name):
    response = client_for("admin").get("/api/v1/interactions", {"q": "refund", name: -1})
    assert response.status_code == 422 and locs(response) == [name]


def test_an_always_empty_filter_with_a_search_lists_nothing(personas, call):
    rows = search_transcripts(interaction_scope(viewer=personas.admin).filter(csat=-1), "refund")
    assert list(rows) == []
    assert list(interaction_list(viewer=personas.admin, q="refund", max_duration=2**40))


def test_a_nul_in_the_search_is_refused_naming_q(client_for, call):
    response = client_for("admin").get("/api/v1/interactions", {"q": "ref\x00und"})
    assert response.status_code == 400 and response.json()["detail"].startswith("q:")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date_from", "0001-01-01T00:00:00+14:00"),
        ("date_to", "9999-12-31T23:59:59Z"),
        ("date_from", "2026-01-01T00:00"),
    ],
)
def test_a_date_filter_out_of_range_or_without_offset_is_refused(client_for, call, name, value):
    response = client_for("admin").get("/api/v1/interactions", {name: value})
    assert response.status_code == 422 and locs(response) == [name]


def _cursor(started: str, pk) -> str:
    return base64.urlsafe_b64encode(json.dumps([started, pk]).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        _cursor("0001-01-01T00:00:00+14:00", 1),
        _cursor("9999-12-31T23:59:59+00:00", 1),
        _cursor("2026-11-02T09:30:00", 1),  # naive
        _cursor("2026-11-02T09:30:00+00:00", 10**30),
        _cursor("2026-11-02T09:30:00+00:00", -1),
    ],
)
def test_a_crafted_cursor_is_refused_naming_it(client_for, call, cursor):
    response = client_for("admin").get("/api/v1/interactions", {"cursor": cursor})
    assert response.status_code == 400 and response.json()["detail"].startswith("cursor:")


def test_a_real_cursor_still_pages(client_for, personas, call):
    second = copy.deepcopy(PAYLOAD) | {"external_id": "call-2", "started_at": "2026-11-01T09:30:00Z"}
    interaction_upsert(data=InteractionIn.model_validate(second))
    client = client_for("admin")
    first = client.get("/api/v1/interactions", {"page_size": 1}).json()
    rest = client.get(first["next"]).json()
    assert [r["external_id"] for r in first["results"] + rest["results"]] == ["call-1", "call-2"]


def test_the_page_refuses_an_out_of_range_day_next_to_the_field(client_for, call):
    client = client_for("admin")
    for params in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}):
        response = client.get(reverse("interactions:list"), params)
        assert response.status_code == 400 and "between the years 1900 and 2200" in response.content.decode()
        assert response.context["form"].errors.keys() == params.keys()


def test_the_page_refuses_a_nul_in_the_search(client_for, call):
    response = client_for("admin").get(reverse("interactions:list"), {"q": "ref\x00und"})
    assert response.status_code == 400 and response.content.decode().startswith("q:")


# --- Ingest: single and bulk --------------------------------------------------------------------------


BAD_ITEMS = [
    ("queue", lambda p: p.update(queue="Bil\x00ling")),
    ("notes", lambda p: p.update(notes="a\x00b")),
    ("transcript.0.text", lambda p: p["transcript"][0].update(text="Thank\x00 you")),
    ("customer_ref", lambda p: p.update(customer_ref="ab\x07c")),
    ("agent.name", lambda p: p["agent"].update(name="An\x1bdy")),
    ("metadata", lambda p: p.update(metadata={"crm": {"note": "a\x00b"}})),
    ("metadata", lambda p: p.update(metadata={"score": float("nan")})),
    ("started_at", lambda p: p.update(started_at="0001-01-01T00:00:00+14:00")),
    ("started_at", lambda p: p.update(started_at="9999-12-31T23:59:59Z", duration_seconds=60)),
    ("ended_at", lambda p: p.update(ended_at="9999-12-31T23:59:59Z")),
    ("transcript.2.end", lambda p: p["transcript"][2].update(end=1e12)),
    ("transcript.2.end", lambda p: p["transcript"][2].update(end=3e9)),  # past a 32-bit duration column
    ("ended_at", lambda p: p.update(ended_at="2190-01-01T00:00:00Z")),
    ("duration_seconds", lambda p: p.update(duration_seconds=3 * 10**9)),
]


def _bad(mutate) -> dict:
    payload = copy.deepcopy(PAYLOAD)
    mutate(payload)
    return payload


def _body(payload) -> str:
    return json.dumps(payload, allow_nan=True)


@pytest.mark.parametrize(("field", "mutate"), BAD_ITEMS)
def test_one_bad_interaction_is_refused_naming_the_field(client_for, personas, field, mutate):
    response = client_for("admin").post("/api/v1/interactions", _body(_bad(mutate)), content_type="application/json")
    assert response.status_code == 422, response.content
    assert locs(response) == [field]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(("field", "mutate"), BAD_ITEMS)
def test_a_bad_item_in_a_bulk_is_an_error_of_that_item_only(client_for, personas, field, mutate):
    good = copy.deepcopy(PAYLOAD) | {"external_id": "good-1"}
    body = _body({"items": [_bad(mutate) | {"external_id": "bad-1"}, good]})
    response = client_for("admin").post("/api/v1/interactions/bulk", body, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["created"] == 1 and [e["index"] for e in data["errors"]] == [0]
    assert data["errors"][0]["errors"][0].startswith(field.split(".")[0])
    assert list(Interaction.objects.values_list("external_id", flat=True)) == ["good-1"]


# --- Comments -----------------------------------------------------------------------------------------


def test_a_comment_with_a_nul_is_refused_over_the_api(client_for, call):
    response = post(client_for("admin"), f"/api/v1/interactions/{call.uuid}/comments", {"body": "a\x00b"})
    assert response.status_code == 422 and locs(response) == ["body"]
    assert not Comment.objects.exists()


def test_a_comment_with_control_characters_is_refused_on_the_page(client_for, call):
    client = client_for("admin")
    url = reverse("interactions:comment_create", args=[call.uuid])
    nul = client.post(url, {"body": "a\x00b"})
    assert nul.status_code == 400 and nul.content.decode().startswith("body:")
    bell = client.post(url, {"body": "ring \x07 ring"}, follow=True)
    assert "control character" in bell.content.decode()
    assert not Comment.objects.exists()
    multi = client.post(url, {"body": "first line\r\nsecond line"})
    assert multi.status_code == 302 and Comment.objects.get().body == "first line\r\nsecond line"
