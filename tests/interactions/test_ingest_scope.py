"""Re-ingesting by external id updates an interaction only for people who can see it: a lead of team A
must not overwrite team B's interaction by reusing its external id (single, bulk and the offline form)."""

from __future__ import annotations

import copy
import json

import pytest

from cxq.interactions.models import Interaction
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from tests.interactions.conftest import PAYLOAD


@pytest.fixture
def team_b_call(personas):
    payload = copy.deepcopy(PAYLOAD) | {"external_id": "b-call", "agent": {"email": personas.agent_b1.email}}
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def overwrite(personas):
    return copy.deepcopy(PAYLOAD) | {
        "external_id": "b-call",
        "agent": {"email": personas.agent_a1.email},
        "queue": "Hijacked",
    }


def test_a_lead_cannot_overwrite_another_teams_interaction_through_the_api(client_for, personas, team_b_call):
    response = _post(client_for("supervisor_a"), "/api/v1/interactions", overwrite(personas))
    assert response.status_code == 400 and "external_id" in response.content.decode()
    team_b_call.refresh_from_db()
    assert team_b_call.queue == "Billing" and team_b_call.agent == personas.agent_b1


def test_a_bulk_item_that_would_overwrite_another_teams_interaction_is_a_per_item_error(
    client_for, personas, team_b_call
):
    fresh = copy.deepcopy(PAYLOAD) | {"external_id": "a-new-call"}
    response = _post(client_for("supervisor_a"), "/api/v1/interactions/bulk", {"items": [fresh, overwrite(personas)]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["created"] == 1 and data["updated"] == 0
    assert [e["index"] for e in data["errors"]] == [1] and "external_id" in data["errors"][0]["errors"][0]
    team_b_call.refresh_from_db()
    assert team_b_call.queue == "Billing"
    assert Interaction.objects.filter(external_id="a-new-call").exists()


def test_someone_who_sees_the_interaction_still_updates_it(client_for, personas, team_b_call):
    response = _post(client_for("admin"), "/api/v1/interactions", overwrite(personas))
    assert response.status_code == 200
    team_b_call.refresh_from_db()
    assert team_b_call.queue == "Hijacked"
