from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cxq.calibrations.models import Session
from cxq.evaluations.models import Evaluation
from cxq.evaluations.selectors import evaluation_list, evaluation_scope
from tests.calibrations.conftest import score

A = {"greet": "yes", "tone": 5, "disclosure": "yes"}
B = {"greet": "no", "tone": 3, "disclosure": "yes"}


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- Blindness -------------------------------------------------------------------------------------


def test_before_submitting_an_assessor_sees_nobody_elses_answers_anywhere(personas, session, client_for, call):
    other = score(session, personas.supervisor_a, B, comment="SECRET-REMARK")
    own = score(session, personas.evaluator, {"greet": "yes"}, submit=False)
    client = client_for("evaluator")
    page = client.get(reverse("calibrations:detail", args=[session.uuid]))
    assert page.status_code == 200 and page.context["blind"]
    body = page.content.decode()
    assert "SECRET-REMARK" not in body and "side-by-side" not in body and "The others' answers are hidden" in body
    assert client.get(reverse("calibrations:export", args=[session.uuid])).status_code == 403
    assert client.get(reverse("evaluations:detail", args=[other.uuid])).status_code == 404
    assert client.get(f"/api/v1/evaluations/{other.uuid}").status_code == 404
    api = client.get(f"/api/v1/calibrations/{session.uuid}").json()
    assert api["blind"] and api["statistics"] is None and api["questions"] is None and api["average_score"] is None
    assert all(a["score_percent"] is None and a["evaluation"] is None for a in api["assessors"])
    assert client.get(f"/api/v1/calibrations/{session.uuid}/export").status_code == 403
    interaction = client.get(reverse("interactions:detail", args=[call.uuid]))
    assert f"/evaluations/{other.uuid}/" not in interaction.content.decode()  # not on the Performance tab
    # their own draft stays reachable to fill in
    assert client.get(reverse("evaluations:detail", args=[own.uuid])).status_code == 200


def test_after_submitting_the_assessor_sees_the_comparison(personas, session, client_for):
    score(session, personas.supervisor_a, B, comment="Missed the name")
    score(session, personas.evaluator, A)
    page = client_for("evaluator").get(reverse("calibrations:detail", args=[session.uuid]))
    assert not page.context["blind"]
    body = page.content.decode()
    assert "Missed the name" in body and 'data-testid="disagreement"' in body


def test_calibration_evaluations_stay_out_of_general_lists_and_away_from_agents(personas, session, client_for):
    evaluation = score(session, personas.evaluator, A)
    for who in ("admin", "supervisor_a", "manager_b", "agent_a1"):
        viewer = personas.get(who)
        assert not evaluation_scope(viewer=viewer).filter(pk=evaluation.pk).exists(), who
    assert not evaluation_list(viewer=personas.evaluator).filter(pk=evaluation.pk).exists()
    assert client_for("agent_a1").get(reverse("evaluations:detail", args=[evaluation.uuid])).status_code == 404
    listed = client_for("admin").get("/api/v1/evaluations").json()
    assert str(evaluation.uuid) not in {e["id"] for e in listed["results"]}


# --- Pages -----------------------------------------------------------------------------------------------


def test_the_list_searches_by_name_and_shows_completion_and_average(personas, session, client_for):
    score(session, personas.evaluator, A)
    client = client_for("supervisor_a")
    page = client.get(reverse("calibrations:list"), {"q": "novem"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "November calibration" in body and "33%" in body and "(1/3)" in body
    assert "November" not in client.get(reverse("calibrations:list"), {"q": "zzz"}).content.decode()


def test_creating_a_session_from_the_form(personas, card, call, client_for):
    client = client_for("supervisor_a")
    assert client.get(reverse("calibrations:new"), {"interaction": str(call.uuid)}).status_code == 200
    response = client.post(
        reverse("calibrations:new"),
        {
            "name": "Form session",
            "scorecard": str(card.uuid),
            "interaction": "call-1",  # the external id works as well as the CXQ id
            "assessors": [str(personas.evaluator.uuid)],
            "benchmark": str(personas.supervisor_a.uuid),
            "due_at": "2030-01-01T10:00",
        },
    )
    session = Session.objects.get(name="Form session")
    assert response.status_code == 302 and response["Location"] == reverse("calibrations:detail", args=[session.uuid])
    assert session.benchmark == personas.supervisor_a and session.assessors.count() == 2


def test_the_form_names_the_field_at_fault_and_creates_nothing(personas, card, call, client_for):
    response = client_for("supervisor_a").post(
        reverse("calibrations:new"),
        {
            "name": "Bad",
            "scorecard": str(card.uuid),
            "interaction": "no-such-call",
            "assessors": [str(personas.evaluator.uuid)],
            "due_at": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 400
    assert "No interaction you can see has this id." in response.content.decode()
    response = client_for("supervisor_a").post(
        reverse("calibrations:new"),
        {
            "name": "Bad",
            "scorecard": str(card.uuid),
            "interaction": "call-1",
            "assessors": [str(personas.evaluator.uuid)],
            "due_at": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 400 and "at least 2 assessors" in response.content.decode()
    assert not Session.objects.exists()


def test_starting_from_the_session_opens_the_ordinary_evaluation_form_and_submitting_returns(
    personas, session, client_for
):
    client = client_for("evaluator")
    response = client.post(reverse("calibrations:start", args=[session.uuid]))
    evaluation = Evaluation.objects.get(evaluator=personas.evaluator, source="calibration")
    assert response["Location"] == reverse("evaluations:detail", args=[evaluation.uuid])
    form = client.get(response["Location"])
    assert 'data-testid="calibration-evaluation"' in form.content.decode()
    assert 'data-testid="calibration-marker"' in form.content.decode()
    submitted = client.post(
        reverse("evaluations:submit", args=[evaluation.uuid]),
        {"lock_version": evaluation.lock_version, "qa_greet": "yes", "qa_tone": "4", "qa_disclosure": "yes"},
    )
    assert submitted["Location"] == reverse("calibrations:detail", args=[session.uuid])
    evaluation.refresh_from_db()
    assert evaluation.status == "completed"


def test_my_tasks_lists_open_calibrations(personas, session, client_for):
    page = client_for("evaluator").get(reverse("evaluations:tasks"))
    assert page.status_code == 200 and 'data-testid="calibration-tasks"' in page.content.decode()
    assert "November calibration" in page.content.decode()


def test_the_interaction_page_shows_the_marker_to_staff_only(personas, session, call, client_for):
    url = reverse("interactions:detail", args=[call.uuid])
    assert 'data-testid="calibration-marker"' in client_for("evaluator").get(url).content.decode()
    assert 'data-testid="calibration-marker"' not in client_for("agent_a1").get(url).content.decode()


def test_managing_assessors_and_closing_from_the_page(personas, session, client_for, team_a_evaluators):
    client = client_for("supervisor_a")
    extra = team_a_evaluators[0]
    client.post(reverse("calibrations:assessor_add", args=[session.uuid]), {"user": str(extra.uuid)})
    assert session.assessors.filter(user=extra, removed_at__isnull=True).exists()
    client.post(reverse("calibrations:assessor_add", args=[session.uuid]), {"user": "not-a-uuid"})
    assert session.assessors.count() == 4
    client.post(reverse("calibrations:assessor_remove", args=[session.uuid, extra.uuid]))
    assert not session.assessors.filter(user=extra, removed_at__isnull=True).exists()
    client.post(reverse("calibrations:close", args=[session.uuid]))
    session.refresh_from_db()
    assert session.status == "closed"


def test_the_csv_holds_the_answers_side_by_side(personas, session, client_for):
    score(session, personas.evaluator, A, comments={"tone": "=HYPERLINK(1)"})
    score(session, personas.admin, B)
    assert client_for("supervisor_a").get(reverse("calibrations:export", args=[session.uuid])).status_code == 403
    rows = _csv(client_for("admin").get(reverse("calibrations:export", args=[session.uuid])))
    header = rows[0]
    assert header[:6] == ["section", "question_key", "question", "agreement", "mean_points", "benchmark_points"]
    assert "Eve Evaluator: answer" in header and "Ada Admin (benchmark): answer" in header
    greet = next(r for r in rows if r[1] == "greet")
    assert greet[3] == "disagree"
    assert greet[header.index("Eve Evaluator: answer")] == "Yes"
    assert greet[header.index("Ada Admin (benchmark): answer")] == "No"
    tone = next(r for r in rows if r[1] == "tone")
    assert tone[header.index("Eve Evaluator: comment")] == "'=HYPERLINK(1)"  # formula injection neutralised
    assert rows[-1][1] == "score"


def test_the_agreement_page_draws_trends_with_a_table(personas, session, card, client_for):
    score(session, personas.evaluator, A)
    score(session, personas.admin, B)
    client = client_for("admin")
    assert client.get(reverse("calibrations:agreement")).status_code == 200
    page = client.get(reverse("calibrations:agreement"), {"scorecard": str(card.uuid)})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-chart="trend-mean"' in body and 'id="trend-mean"' in body and 'data-testid="trend-table"' in body
    assert "not enough data" in body or "0." in body


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_creates_a_session_and_reports_its_statistics(personas, card, call, client_for):
    client = client_for("supervisor_a")
    created = client.post(
        "/api/v1/calibrations",
        {
            "name": "API session",
            "scorecard": str(card.uuid),
            "interaction": str(call.uuid),
            "assessors": [str(personas.evaluator.uuid), str(personas.admin.uuid)],
            "benchmark": str(personas.admin.uuid),
            "due_at": "2030-01-01T10:00:00Z",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    uuid = created.json()["id"]
    session = Session.objects.get(uuid=uuid)
    for user, answers in ((personas.evaluator, A), (personas.admin, B)):
        c = client_for("evaluator" if user == personas.evaluator else "admin")
        evaluation = c.post(f"/api/v1/calibrations/{uuid}/start").json()["evaluation"]
        draft = c.put(
            f"/api/v1/evaluations/{evaluation}/draft",
            {"answers": answers, "lock_version": 1},
            content_type="application/json",
        )
        assert draft.status_code == 200
        assert (
            c.post(f"/api/v1/evaluations/{evaluation}/submit", {}, content_type="application/json").status_code == 200
        )
    body = client.get(f"/api/v1/calibrations/{uuid}").json()
    assert body["completion_percent"] == 100 and body["statistics"]["completed"] == 2
    assert body["statistics"]["alpha_nominal"] is not None
    greet = next(q for q in body["questions"] if q["key"] == "greet")
    assert greet["agrees"] is False and {a["answer"] for a in greet["answers"]} == {"yes", "no"}
    listed = client.get("/api/v1/calibrations?q=API").json()
    assert [s["id"] for s in listed["results"]] == [uuid]
    assert listed["results"][0]["completion_percent"] == 100
    export = client.get(f"/api/v1/calibrations/{uuid}/export")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert session.assessors.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [({"assessors": []}, "assessors"), ({"name": ""}, "name"), ({"due_at": "2001-01-01T00:00:00Z"}, "due_at")],
)
def test_the_api_refuses_bad_input_with_the_field_named(personas, card, call, client_for, change, field):
    payload = {
        "name": "API session",
        "scorecard": str(card.uuid),
        "interaction": str(call.uuid),
        "assessors": [str(personas.evaluator.uuid), str(personas.admin.uuid)],
        "due_at": "2030-01-01T10:00:00Z",
        **change,
    }
    response = client_for("supervisor_a").post("/api/v1/calibrations", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Session.objects.exists()


def test_the_api_adds_removes_and_closes(personas, session, client_for, team_a_evaluators):
    client = client_for("supervisor_a")
    extra = team_a_evaluators[0]
    added = client.post(
        f"/api/v1/calibrations/{session.uuid}/assessors", {"user": str(extra.uuid)}, content_type="application/json"
    )
    assert added.status_code == 200 and len(added.json()["assessors"]) == 4
    removed = client.delete(f"/api/v1/calibrations/{session.uuid}/assessors/{extra.uuid}")
    assert removed.status_code == 200 and len(removed.json()["assessors"]) == 3
    closed = client.post(f"/api/v1/calibrations/{session.uuid}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(f"/api/v1/calibrations/{session.uuid}/close")
    assert again.status_code == 400 and "closed" in again.json()["detail"]


def test_the_list_hides_the_average_from_an_assessor_who_has_not_submitted(personas, session, client_for):
    score(session, personas.supervisor_a, B)
    page = client_for("evaluator").get(reverse("calibrations:list")).content.decode()
    assert "after you submit" in page and "48.15%" not in page
    listed = client_for("evaluator").get("/api/v1/calibrations").json()["results"]
    assert listed[0]["average_score"] is None and listed[0]["completed"] == 1
    score(session, personas.evaluator, B)
    page = client_for("evaluator").get(reverse("calibrations:list")).content.decode()
    assert "after you submit" not in page and "48.15%" in page
    assert client_for("evaluator").get("/api/v1/calibrations").json()["results"][0]["average_score"] == 48.15
