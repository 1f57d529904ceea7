"""The goals API (docs/goals.md#api): list, create, read, change, progress and draw-now, with the same
rules as the pages; bad input is a 4xx that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cxq.accounts.services import api_token_create
from cxq.goals.models import Goal, GoalTask
from cxq.interactions.models import Interaction
from cxq.scorecards import services as sc
from tests.scorecards.conftest import DOC


def _client(client, user):
    _, token = api_token_create(user=user, name="goals")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_a_goal_made_through_the_api_draws_its_tasks_and_reports_progress(client, personas):
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    now = timezone.now()
    for i in range(3):
        Interaction.objects.create(
            agent=personas.agent_a1, team=personas.team_a, channel="voice", started_at=now - timedelta(hours=i + 1)
        )
    api = _client(client, personas.supervisor_a)
    body = {
        "name": "Voice QA",
        "scorecard": str(card.uuid),
        "evaluators": [str(personas.evaluator.uuid)],
        "target": 2,
        "recurrence": "weekly",
        "starts_on": (now - timedelta(days=7)).date().isoformat(),
        "condition": {"all": [{"field": "channel", "op": "is", "value": "voice"}]},
    }
    bad = api.post("/api/v1/goals", {**body, "condition": {"all": [{"field": "nope"}]}}, "application/json")
    assert bad.status_code == 400 and "condition" in str(bad.json()), bad.json()
    assert api.post("/api/v1/goals", {**body, "target": 0}, "application/json").status_code == 422
    assert not Goal.objects.exists()

    made = api.post("/api/v1/goals", body, "application/json")
    assert made.status_code == 201, made.content
    goal_id = made.json()["id"]
    listed = api.get("/api/v1/goals").json()
    assert [g["id"] for g in listed["results"]] == [goal_id] and listed["next"] is None
    assert api.get(f"/api/v1/goals/{goal_id}/progress").json()["period"] is None

    drawn = api.post(f"/api/v1/goals/{goal_id}/generate")
    assert drawn.status_code == 200 and (drawn.json()["eligible"], drawn.json()["drawn"]) == (3, 2)
    again = api.post(f"/api/v1/goals/{goal_id}/generate")
    assert again.json() == drawn.json() and GoalTask.objects.count() == 2
    progress = api.get(f"/api/v1/goals/{goal_id}/progress").json()
    assert (progress["target"], progress["drawn"], progress["done"]) == (2, 2, 0)
    assert [line["person"] for line in progress["evaluators"]] == [str(personas.evaluator.uuid)]

    changed = api.patch(f"/api/v1/goals/{goal_id}", {"target": 3, "is_active": False}, "application/json")
    assert changed.status_code == 200 and (changed.json()["target"], changed.json()["is_active"]) == (3, False)
    paused = api.post(f"/api/v1/goals/{goal_id}/generate")
    assert paused.status_code == 400


def test_an_agent_may_not_read_goals_and_a_manager_may_not_write(client, personas):
    assert _client(client, personas.agent_a1).get("/api/v1/goals").status_code == 403
    manager = _client(client, personas.manager_b)
    assert manager.get("/api/v1/goals").status_code == 200
    assert manager.post("/api/v1/goals", {}, "application/json").status_code in (403, 422)
