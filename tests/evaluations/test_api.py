from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from cxq.evaluations.models import Assignment, Evaluation


def call_api(client, method, url, body=None):
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(url, **kwargs)


def test_the_whole_lifecycle_through_the_api(client_for, personas, card, call):
    evaluator, agent = client_for("evaluator"), client_for("agent_a1")
    started = call_api(
        evaluator, "post", "/api/v1/evaluations", {"interaction": str(call.uuid), "scorecard": str(card.uuid)}
    )
    assert started.status_code == 201 and started.json()["status"] == "draft"
    eid, lock = started.json()["id"], started.json()["lock_version"]
    saved = call_api(
        evaluator,
        "put",
        f"/api/v1/evaluations/{eid}/draft",
        {
            "answers": {"greet": "no", "tone": 4, "disclosure": "yes"},
            "lock_version": lock,
            "question_comments": {"greet": "No name used"},
        },
    )
    assert saved.status_code == 200 and saved.json()["score_percent"] == 55.56
    stale = call_api(
        evaluator, "put", f"/api/v1/evaluations/{eid}/draft", {"answers": {"greet": "yes"}, "lock_version": lock}
    )
    assert stale.status_code == 409 and "newer version" in stale.json()["detail"]
    submitted = call_api(evaluator, "post", f"/api/v1/evaluations/{eid}/submit", {})
    assert submitted.json()["status"] == "awaiting_ack" and submitted.json()["revision"] == 1
    disputed = call_api(
        agent,
        "post",
        f"/api/v1/evaluations/{eid}/dispute",
        {"items": [{"question": "greet", "reason": "I used the name"}, {"question": "tone", "reason": "Calm"}]},
    )
    assert disputed.json()["status"] == "disputed"
    answered = call_api(
        evaluator,
        "post",
        f"/api/v1/evaluations/{eid}/respond",
        {
            "responses": [
                {"question": "greet", "response": "adjust", "answer": "yes"},
                {"question": "tone", "response": "reaffirm", "note": "Pace was rushed"},
            ]
        },
    )
    data = answered.json()
    assert data["revision"] == 2 and data["score_percent"] == 92.59
    assert [r["number"] for r in data["revisions"]] == [1, 2]
    acknowledged = call_api(agent, "post", f"/api/v1/evaluations/{eid}/acknowledge")
    assert acknowledged.json()["status"] == "acknowledged"


def test_agents_list_only_their_own_non_draft_evaluations(client_for, personas, completed, draft):
    agent_a = client_for("agent_a1").get("/api/v1/evaluations").json()["results"]
    assert [e["id"] for e in agent_a] == [str(completed.uuid)]
    assert client_for("agent_b1").get("/api/v1/evaluations").json()["results"] == []
    assert client_for("agent_b1").get(f"/api/v1/evaluations/{completed.uuid}").status_code == 404


def test_bad_requests_name_the_problem_and_change_nothing(client_for, personas, draft):
    evaluator = client_for("evaluator")
    bad = call_api(
        evaluator, "put", f"/api/v1/evaluations/{draft.uuid}/draft", {"answers": {"tone": 11}, "lock_version": 1}
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("answers.tone")
    missing = call_api(evaluator, "post", f"/api/v1/evaluations/{draft.uuid}/submit", {})
    assert missing.status_code == 200  # the default answers cover every required question
    draft.refresh_from_db()
    assert draft.status == "awaiting_ack"


def test_assignments_through_the_api(client_for, personas, card, call):
    due = (timezone.now() + timedelta(days=2)).isoformat()
    created = call_api(
        client_for("supervisor_a"),
        "post",
        "/api/v1/assignments",
        {
            "interaction": str(call.uuid),
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": due,
        },
    )
    assert created.status_code == 201 and not created.json()["overdue"]
    mine = client_for("evaluator").get("/api/v1/assignments").json()
    assert [a["id"] for a in mine] == [created.json()["id"]]
    later = (timezone.now() + timedelta(days=5)).isoformat()
    extended = call_api(
        client_for("supervisor_a"), "post", f"/api/v1/assignments/{created.json()['id']}/extend", {"due_at": later}
    )
    assert extended.status_code == 200
    refused = call_api(
        client_for("evaluator"),
        "post",
        "/api/v1/assignments",
        {
            "interaction": str(call.uuid),
            "scorecard": str(card.uuid),
            "assignee": str(personas.evaluator.uuid),
            "due_at": due,
        },
    )
    assert refused.status_code == 403 and Assignment.objects.count() == 1
    assert Evaluation.objects.count() == 0
