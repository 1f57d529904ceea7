from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxq.scorecards.csvio import document_to_csv
from cxq.scorecards.models import Scorecard


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_builder_creates_a_draft_and_redirects_to_it(client_for, doc):
    response = post_json(client_for("supervisor_a"), reverse("scorecards:new"), {"document": doc})
    card = Scorecard.objects.get()
    assert response.status_code == 200
    assert response.json()["redirect"] == reverse("scorecards:detail", args=[card.uuid])


def test_the_builder_reports_document_errors_without_saving(client_for, doc):
    doc["sections"][0]["questions"][0]["key"] = "has space"
    response = post_json(client_for("supervisor_a"), reverse("scorecards:new"), {"document": doc})
    assert response.status_code == 400
    assert "sections[0].questions[0].key" in response.json()["errors"]["document"][0]
    assert not Scorecard.objects.exists()


def test_validation_as_you_type_returns_the_path_of_the_first_problem(client_for, doc):
    doc["sections"][1]["questions"][0]["options"][1]["auto_fail"] = "sometimes"
    data = post_json(client_for("supervisor_a"), reverse("scorecards:validate"), {"document": doc}).json()
    assert data["ok"] is False
    assert data["error"]["path"] == "sections[1].questions[0].options[1].auto_fail"


def test_validation_lists_what_blocks_publishing(client_for):
    data = post_json(
        client_for("supervisor_a"),
        reverse("scorecards:validate"),
        {"document": {"name": "X", "sections": [{"key": "s", "title": "Empty"}]}},
    ).json()
    assert data["ok"] is True and data["problems"] == ["Section “Empty” has no questions."]


def test_editing_a_published_scorecard_structurally_asks_why(client_for, published, doc):
    client = client_for("supervisor_a")
    doc["pass_mark"] = 90
    response = post_json(client, reverse("scorecards:edit", args=[published.uuid]), {"document": doc})
    assert response.status_code == 400 and "change_note" in response.json()["errors"]
    response = post_json(
        client,
        reverse("scorecards:edit", args=[published.uuid]),
        {"document": doc, "change_note": "Raise the bar"},
    )
    assert response.json()["outcome"] == "new_version"
    page = client.get(response.json()["redirect"]).content.decode()
    assert "Saved as version 2" in page


def test_the_preview_form_pre_selects_defaults_and_shows_the_running_total(client_for, published):
    html = client_for("evaluator").get(reverse("scorecards:preview", args=[published.uuid])).content.decode()
    assert 'name="qa_greet" value="yes" checked' in html
    assert 'data-testid="score-panel"' in html


def test_the_running_total_hides_conditional_questions_and_flags_auto_fail(client_for, personas, doc):
    from cxq.scorecards import services

    doc["sections"][0]["questions"][1]["show_if"] = {"question": "greet", "answers": ["no"]}
    card = services.scorecard_publish(
        by=personas.supervisor_a, scorecard=services.scorecard_create(by=personas.supervisor_a, document=doc)
    )
    client = client_for("evaluator")
    version = str(card.current_version.uuid)
    html = client.post(
        reverse("scorecards:preview_score"), {"version": version, "qa_greet": "yes", "qa_disclosure": "no"}
    ).content.decode()
    # The panel names the questions the answers hide; app.js hides them (no inline <style>: CSP).
    assert 'data-hidden-questions="tone"' in html
    assert 'data-testid="autofail-banner"' in html
    html = client.post(
        reverse("scorecards:preview_score"),
        {"version": version, "qa_greet": "no", "qa_tone": "5", "qa_disclosure": "yes"},
    ).content.decode()
    assert 'data-hidden-questions=""' in html and 'data-testid="autofail-banner"' not in html


def test_the_running_total_refuses_a_bad_answer_with_a_400(client_for, published):
    response = client_for("evaluator").post(
        reverse("scorecards:preview_score"), {"version": str(published.current_version.uuid), "qa_tone": "77"}
    )
    assert response.status_code == 400 and b"tone" in response.content


def test_an_upload_is_previewed_and_only_written_on_confirm(client_for, doc):
    client = client_for("supervisor_a")
    upload = SimpleUploadedFile("card.csv", document_to_csv(doc).encode(), content_type="text/csv")
    preview = client.post(reverse("scorecards:import"), {"file": upload})
    assert 'data-testid="import-preview"' in preview.content.decode()
    assert not Scorecard.objects.exists()
    document = preview.context["form"]["document"].value()
    done = client.post(reverse("scorecards:import"), {"confirm": "1", "document": document, "update": ""})
    card = Scorecard.objects.get()
    assert done.url == reverse("scorecards:detail", args=[card.uuid])
    assert card.current_version.document["name"] == "Support QA"


def test_a_bad_upload_names_the_problem_and_writes_nothing(client_for):
    client = client_for("supervisor_a")
    upload = SimpleUploadedFile("card.json", b'{"name": "X", "scoring_mode": "stars"}', content_type="application/json")
    html = client.post(reverse("scorecards:import"), {"file": upload}).content.decode()
    assert "scoring_mode: must be one of percentage, points" in html
    other = SimpleUploadedFile("card.txt", b"hello", content_type="text/plain")
    assert "Upload a .json or .csv" in client.post(reverse("scorecards:import"), {"file": other}).content.decode()
    assert not Scorecard.objects.exists()


def test_an_import_into_a_published_scorecard_shows_the_diff(client_for, published, doc):
    client = client_for("supervisor_a")
    doc["sections"][0]["weight"] = 50
    upload = SimpleUploadedFile("card.csv", document_to_csv(doc).encode(), content_type="text/csv")
    html = client.post(reverse("scorecards:import"), {"file": upload, "update": str(published.uuid)}).content.decode()
    assert "weight 20 → 50" in html and "become version 2" in html


def test_versions_page_compares_two_versions(client_for, published, doc, personas):
    from cxq.scorecards import services

    doc["pass_mark"] = 85
    services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc, change_note="x")
    html = (
        client_for("manager_b")
        .get(reverse("scorecards:versions", args=[published.uuid]), {"a": 1, "b": 2})
        .content.decode()
    )
    assert 'data-testid="diff"' in html and "pass mark 80 → 85" in html


def test_export_downloads_json_and_csv_of_any_version(client_for, published):
    client = client_for("evaluator")
    as_json = client.get(reverse("scorecards:export", args=[published.uuid]), {"format": "json"})
    assert json.loads(as_json.content)["name"] == "Support QA"
    assert as_json["Content-Disposition"].endswith('-v1.json"')
    as_csv = client.get(reverse("scorecards:export", args=[published.uuid]), {"format": "csv", "version": 1})
    assert as_csv.content.decode("utf-8-sig").startswith("record,")
    assert client.get(reverse("scorecards:export", args=[published.uuid]), {"format": "xml"}).status_code == 400


def test_the_template_is_a_csv_that_imports(client_for):
    from cxq.scorecards.csvio import csv_to_document

    body = client_for("evaluator").get(reverse("scorecards:template")).content.decode("utf-8-sig")
    assert csv_to_document(body)["sections"]


def test_the_scorecard_list_filters_by_status(client_for, personas, published, doc):
    from cxq.scorecards import services

    services.scorecard_create(by=personas.supervisor_a, document={**doc, "name": "Work in progress"})
    client = client_for("supervisor_a")
    html = client.get(reverse("scorecards:list"), {"status": "draft"}).content.decode()
    assert "Work in progress" in html and "Support QA" not in html


def test_lifecycle_buttons_publish_archive_restore(client_for, draft):
    client = client_for("supervisor_a")
    client.post(reverse("scorecards:publish", args=[draft.uuid]))
    draft.refresh_from_db()
    assert draft.status == "published"
    client.post(reverse("scorecards:archive", args=[draft.uuid]))
    draft.refresh_from_db()
    assert draft.status == "archived"
    response = client.get(reverse("scorecards:edit", args=[draft.uuid]))
    assert response.status_code == 302
    client.post(reverse("scorecards:restore", args=[draft.uuid]))
    draft.refresh_from_db()
    assert draft.status == "published"


def test_a_malformed_version_id_in_the_running_total_is_a_400(client_for):
    response = client_for("evaluator").post(reverse("scorecards:preview_score"), {"version": "not-a-uuid"})
    assert response.status_code == 400


def test_a_tampered_import_confirmation_is_refused_without_an_error_page(client_for):
    response = client_for("supervisor_a").post(
        reverse("scorecards:import"), {"confirm": "1", "document": "{broken", "update": ""}
    )
    assert response.status_code == 302 and not Scorecard.objects.exists()


def test_an_upload_or_builder_body_nested_too_deeply_says_so_and_writes_nothing(client_for):
    client = client_for("supervisor_a")
    upload = SimpleUploadedFile("card.json", b"[" * 100_000, content_type="application/json")
    html = client.post(reverse("scorecards:import"), {"file": upload}).content.decode()
    assert "nested too deeply (more than 64 levels" in html
    response = client.post(reverse("scorecards:new"), '{"document": ' + "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply (more than 64 levels" in response.json()["errors"]["__all__"][0]
    confirm = client.post(reverse("scorecards:import"), {"confirm": "1", "document": "[" * 100_000, "update": ""})
    assert confirm.status_code == 302 and confirm.url == reverse("scorecards:import")
    assert not Scorecard.objects.exists()
