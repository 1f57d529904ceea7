"""A dispute item can point at a moment of the recording (docs/evaluations.md#disputes)."""

from __future__ import annotations

import json

import pytest

from cxq.evaluations.models import DisputeItem, Evaluation
from cxq.lib.durations import parse_clock


@pytest.fixture
def awaiting(personas, completed):
    assert completed.status == "awaiting_ack" and completed.interaction.duration_seconds == 12
    return completed


def _dispute(client, evaluation, items):
    return client.post(
        f"/api/v1/evaluations/{evaluation.uuid}/dispute", json.dumps({"items": items}), content_type="application/json"
    )


def test_the_api_takes_a_moment_per_item_and_shows_it_back(client_for, awaiting):
    response = _dispute(
        client_for("agent_a1"),
        awaiting,
        [{"question": "greet", "reason": "I said the name here", "at": 8.5}, {"question": "tone", "reason": "Calm"}],
    )
    assert response.status_code == 200
    items = {i["question"]: i for i in response.json()["disputes"][0]["items"]}
    assert items["greet"]["at"] == 8.5 and items["tone"]["at"] is None
    assert items["greet"]["reason"] == "I said the name here" and items["greet"]["response"] == ""


@pytest.mark.parametrize("at", [-1, 12.5, 999])
def test_a_moment_outside_the_recording_is_a_400_naming_the_item_and_changes_nothing(client_for, awaiting, at):
    response = _dispute(client_for("agent_a1"), awaiting, [{"question": "greet", "reason": "Here", "at": at}])
    assert response.status_code == 400 and response.json()["detail"].startswith("items.greet.at:")
    assert Evaluation.objects.get(pk=awaiting.pk).status == "awaiting_ack" and not DisputeItem.objects.exists()


def test_the_page_takes_the_moment_as_a_clock_and_shows_a_button_that_plays_from_it(client_for, awaiting):
    agent = client_for("agent_a1")
    url = f"/evaluations/{awaiting.uuid}/dispute/"
    bad = agent.post(url, {"dispute": ["greet"], "reason_greet": "Here", "at_greet": "0:75"}, follow=True)
    assert (
        "The moment for question “greet”: Minutes and seconds after a colon run from 00 to 59." in bad.content.decode()
    )
    assert not DisputeItem.objects.exists()
    agent.post(url, {"dispute": ["greet"], "reason_greet": "Here", "at_greet": "0:08"})
    assert DisputeItem.objects.get().at_seconds == 8.0
    page = client_for("evaluator").get(f"/evaluations/{awaiting.uuid}/").content.decode()
    assert 'data-seek="8.000000"' in page and "at 0:08" in page


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("", None), ("83", 83.0), ("83.5", 83.5), ("1:23", 83.0), ("01:02:05", 3725.0), ("0:08,5", 8.5)],
)
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["1:60", "abc", "1::2", "-3", "1:2:3:4"])
def test_parse_clock_refuses_what_is_not_a_moment(text):
    with pytest.raises(ValueError):
        parse_clock(text)
