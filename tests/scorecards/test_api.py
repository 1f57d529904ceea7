from __future__ import annotations

import json

from cxq.scorecards.csvio import document_to_csv
from cxq.scorecards.models import Scorecard


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def test_a_scorecard_is_created_published_versioned_and_diffed_through_the_api(client_for, doc):
    client = client_for("supervisor_a")
    created = post(client, "/api/v1/scorecards", {"document": doc})
    assert created.status_code == 201
    sid = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert post(client, f"/api/v1/scorecards/{sid}/publish", {}).json()["status"] == "published"
    doc["sections"][0]["weight"] = 40
    saved = put(client, f"/api/v1/scorecards/{sid}", {"document": doc, "change_note": "Opening matters more"})
    assert saved.json()["outcome"] == "new_version"
    assert saved.json()["scorecard"]["current_version"]["number"] == 2
    versions = client.get(f"/api/v1/scorecards/{sid}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    diff = client.get(f"/api/v1/scorecards/{sid}/diff", {"from_version": 1, "to_version": 2}).json()
    assert diff["classification"] == "structural"
    assert [(c["field"], c["old"], c["new"]) for c in diff["changes"]] == [("weight", 20, 40)]
    v1 = client.get(f"/api/v1/scorecards/{sid}/versions/1").json()
    assert v1["document"]["sections"][0]["weight"] == 20


def test_an_invalid_document_is_a_400_naming_the_path(client_for, doc):
    doc["sections"][0]["questions"][1]["default"] = 9
    response = post(client_for("supervisor_a"), "/api/v1/scorecards", {"document": doc})
    assert response.status_code == 400
    assert "sections[0].questions[1].default" in response.json()["detail"]
    assert not Scorecard.objects.exists()


def test_export_json_reproduces_the_imported_document_with_defaults(client_for, doc):
    client = client_for("supervisor_a")
    sid = post(client, "/api/v1/scorecards", {"document": doc}).json()["id"]
    exported = client.get(f"/api/v1/scorecards/{sid}/export").json()
    assert exported["name"] == doc["name"]
    assert exported["sections"][1]["questions"][0]["options"][0]["label"] == "yes"  # label defaults to key
    again = post(client, "/api/v1/scorecards/import", {"format": "json", "content": exported}).json()
    assert again["document"] == exported


def test_csv_export_import_export_is_identical(client_for, doc):
    client = client_for("supervisor_a")
    sid = post(client, "/api/v1/scorecards", {"document": doc}).json()["id"]
    csv_text = client.get(f"/api/v1/scorecards/{sid}/export", {"format": "csv"}).content.decode("utf-8-sig")
    imported = post(client, "/api/v1/scorecards/import", {"format": "csv", "content": csv_text})
    assert imported.status_code == 201
    new_id = imported.json()["scorecard"]["id"]
    again = client.get(f"/api/v1/scorecards/{new_id}/export", {"format": "csv"}).content.decode("utf-8-sig")
    assert again == csv_text


def test_an_import_dry_run_shows_the_changes_and_writes_nothing(client_for, published, doc):
    client = client_for("supervisor_a")
    doc["pass_mark"] = 90
    preview = post(
        client,
        "/api/v1/scorecards/import",
        {"format": "csv", "content": document_to_csv(doc), "update": str(published.uuid), "dry_run": True},
    )
    assert preview.status_code == 200
    assert preview.json()["outcome"] == "structural" and not preview.json()["applied"]
    assert [c["field"] for c in preview.json()["changes"]] == ["pass_mark"]
    published.refresh_from_db()
    assert published.versions.count() == 1
    applied = post(
        client,
        "/api/v1/scorecards/import",
        {
            "format": "csv",
            "content": document_to_csv(doc),
            "update": str(published.uuid),
            "change_note": "stricter",
        },
    )
    assert applied.json()["outcome"] == "new_version"


def test_a_bad_csv_import_names_row_and_column(client_for):
    bad = (
        "record,section,question,option,text,points\nscorecard,,,,Name,\nsection,s1,,,S,\n"
        "question,s1,q1,,Q,\noption,s1,q1,a,A,-3\n"
    )
    response = post(client_for("supervisor_a"), "/api/v1/scorecards/import", {"format": "csv", "content": bad})
    assert response.status_code == 400
    assert "row 5" in response.json()["detail"] and "points" in response.json()["detail"]
    assert not Scorecard.objects.exists()


def test_the_scoring_preview_returns_the_running_total(client_for, published):
    response = post(
        client_for("evaluator"),
        "/api/v1/scoring/preview",
        {"version": str(published.current_version.uuid), "answers": {"greet": "no", "disclosure": "no"}},
    )
    data = response.json()
    assert response.status_code == 200
    assert data["auto_failed"] is True and data["score_percent"] == 0.0
    assert data["missing_required"] == []
    assert [q["key"] for q in data["questions"]] == ["greet", "tone", "disclosure"]


def test_the_scoring_preview_names_a_bad_answer(client_for, published):
    response = post(
        client_for("supervisor_a"),
        "/api/v1/scoring/preview",
        {"scorecard": str(published.uuid), "answers": {"tone": 9}},
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("answers.tone:")


def test_agents_cannot_read_scorecards(client_for, published):
    assert client_for("agent_a1").get("/api/v1/scorecards").status_code == 403
    assert client_for("agent_a1").get(f"/api/v1/scorecards/{published.uuid}").status_code == 403


def test_a_json_import_nested_too_deeply_is_a_400_that_says_so_and_writes_nothing(client_for):
    """100,000 ``[`` made the JSON parser recurse until Python gave up: a 500 instead of a 400."""
    client = client_for("supervisor_a")
    response = post(client, "/api/v1/scorecards/import", {"format": "json", "content": "[" * 100_000})
    assert response.status_code == 400
    assert "nested too deeply (more than 64 levels" in response.json()["detail"]
    deep: object = "x"
    for _ in range(200):  # deep, but not too deep for the request body parser
        deep = [deep]
    response = post(client, "/api/v1/scorecards/import", {"format": "json", "content": {"name": deep}})
    assert response.status_code == 400
    assert "nested too deeply (more than 64 levels" in response.json()["detail"]
    assert not Scorecard.objects.exists()
