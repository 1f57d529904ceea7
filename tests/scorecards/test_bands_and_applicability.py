"""Score bands (docs/scoring.md#score-bands) and where a scorecard applies (docs/scoring.md#applicability): the
service, the CSV, the builder's save and the API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cxq.audit.models import AuditEvent
from cxq.scorecards import services
from cxq.scorecards.choices import ChangeKind
from cxq.scorecards.csvio import COLUMNS, CsvImportError, csv_to_document, document_to_csv
from cxq.scorecards.models import Scorecard

BANDS = [
    {"key": "low", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "mid", "label": "Meets", "from": 70, "colour": "yellow"},
    {"key": "high", "label": "Exceeds", "from": 90, "colour": "green"},
]


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def put_json(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


# --- bands --------------------------------------------------------------------------------------------


def test_bands_on_a_published_scorecard_are_a_cosmetic_change_copied_to_the_scorecard(personas, published, doc):
    doc["bands"] = BANDS
    card, outcome = services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)
    assert outcome == ChangeKind.COSMETIC
    assert card.current_version.number == 1
    assert [b["key"] for b in Scorecard.objects.get(pk=card.pk).bands] == ["low", "mid", "high"]
    assert card.band(score_percent=69.99, earned=None)["label"] == "Needs improvement"
    assert card.band(score_percent=90, earned=None)["label"] == "Exceeds"


def test_a_points_scorecard_bands_its_earned_points(personas, doc):
    doc.update(scoring_mode="points", pass_mark=5, bands=[BANDS[0], {**BANDS[1], "from": 5}])
    card = services.scorecard_create(by=personas.supervisor_a, document=doc)
    assert card.band(score_percent=99, earned=4)["key"] == "low"
    assert card.band(score_percent=10, earned=5)["key"] == "mid"


def test_a_band_error_names_the_band_row(personas, doc):
    doc["bands"] = [BANDS[0], {**BANDS[1], "from": 95}, BANDS[2]]
    with pytest.raises(ValidationError) as exc:
        services.scorecard_create(by=personas.supervisor_a, document=doc)
    assert "bands[2].from: must be above where the band before it starts (95)" in exc.value.messages[0]
    assert not Scorecard.objects.exists()


def test_bands_round_trip_through_csv_in_their_own_rows(doc):
    doc["bands"] = BANDS
    text = document_to_csv(doc, bom=False)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows[1:5]] == ["scorecard", "band", "band", "band"]
    band = dict(zip(COLUMNS, rows[3], strict=True))
    assert (band["band"], band["text"], band["band_from"], band["colour"]) == ("mid", "Meets", "70", "yellow")
    assert csv_to_document(text)["bands"] == BANDS
    assert document_to_csv(csv_to_document(text), bom=False) == text


def test_a_csv_without_band_columns_still_imports_and_exports_without_them(doc):
    text = document_to_csv(doc, bom=False)
    assert "band_from" not in text.splitlines()[0]
    assert "bands" not in csv_to_document(text)


@pytest.mark.parametrize(
    ("edit", "row", "column", "words"),
    [
        (lambda rows: rows[3].__setitem__(COLUMNS.index("band_from"), "0"), 4, "band_from", "must be above"),
        (lambda rows: rows[2].__setitem__(COLUMNS.index("colour"), "pink"), 3, "colour", "must be one of"),
        (lambda rows: rows[2].__setitem__(COLUMNS.index("text"), ""), 3, "text", "must not be empty"),
        (lambda rows: rows.insert(6, rows.pop(2)), 7, "record", "band rows come right after the scorecard row"),
    ],
)
def test_a_bad_band_row_is_named_by_row_and_column(doc, edit, row, column, words):
    doc["bands"] = BANDS
    rows = list(csv.reader(io.StringIO(document_to_csv(doc, bom=False), newline="")))
    edit(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    with pytest.raises(CsvImportError) as exc:
        csv_to_document(out.getvalue())
    assert (exc.value.row, exc.value.column) == (row, column)
    assert words in exc.value.message


def test_the_json_export_carries_bands_and_an_old_document_without_them_imports(client_for, personas, doc):
    client = client_for("supervisor_a")
    old = post_json(client, "/api/v1/scorecards", {"document": doc})
    assert old.status_code == 201 and old.json()["bands"] == []
    doc["bands"] = BANDS
    created = post_json(client, "/api/v1/scorecards", {"document": {**doc, "name": "With bands"}}).json()
    exported = client.get(f"/api/v1/scorecards/{created['id']}/export").json()
    assert exported["bands"][1] == BANDS[1]
    assert created["bands"] == BANDS


# --- applicability --------------------------------------------------------------------------------------


def test_applicability_is_stored_audited_and_all_when_empty(personas, published):
    card = services.scorecard_set_applicability(
        by=personas.supervisor_a,
        scorecard=published,
        channels=["chat", "voice"],
        teams=[str(personas.team_a.uuid)],
    )
    card.refresh_from_db()
    assert card.channels == ["voice", "chat"]  # in the channels' own order
    assert list(card.teams.all()) == [personas.team_a]
    event = AuditEvent.objects.get(action="scorecard.applicability_changed")
    assert event.before == {"channels": [], "teams": []}
    assert event.after == {"channels": ["voice", "chat"], "teams": ["Team A"]}
    services.scorecard_set_applicability(by=personas.supervisor_a, scorecard=card, channels=[], teams=[])
    card.refresh_from_db()
    assert card.channels == [] and not card.teams.exists()
    # the same values again record nothing
    services.scorecard_set_applicability(by=personas.supervisor_a, scorecard=card, channels=[], teams=[])
    assert AuditEvent.objects.filter(action="scorecard.applicability_changed").count() == 2


@pytest.mark.parametrize(
    ("channels", "teams", "field", "words"),
    [
        (["fax"], None, "channels", "Unknown channel 'fax'"),
        ("voice", None, "channels", "Give a list of channels"),
        (None, ["not-a-uuid"], "teams", "is not a team id"),
        (None, ["2f0c7c2e-5f55-4a4e-8f39-000000000000"], "teams", "No team has the id"),
    ],
)
def test_bad_applicability_is_refused_naming_the_field(personas, published, channels, teams, field, words):
    with pytest.raises(ValidationError) as exc:
        services.scorecard_set_applicability(
            by=personas.supervisor_a, scorecard=published, channels=channels, teams=teams
        )
    assert words in " ".join(exc.value.message_dict[field])
    assert Scorecard.objects.get(pk=published.pk).channels == []


def test_only_scorecard_editors_set_applicability(personas, published):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.scorecard_set_applicability(by=personas.evaluator, scorecard=published, channels=["voice"])


def test_the_builder_saves_applicability_with_the_document(client_for, personas, doc):
    client = client_for("supervisor_a")
    body = {"document": doc, "channels": ["email"], "teams": [str(personas.team_b.uuid)]}
    assert post_json(client, reverse("scorecards:new"), body).status_code == 200
    card = Scorecard.objects.get()
    assert card.channels == ["email"] and list(card.teams.all()) == [personas.team_b]
    page = client.get(reverse("scorecards:edit", args=[card.uuid])).content.decode()
    assert 'data-testid="channel-email"' in page and "builder-applicability" in page
    response = post_json(client, reverse("scorecards:edit", args=[card.uuid]), {**body, "channels": ["fax"]})
    assert response.status_code == 400 and "channels" in response.json()["errors"]
    response = post_json(client, reverse("scorecards:edit", args=[card.uuid]), {**body, "channels": []})
    assert response.status_code == 200
    assert Scorecard.objects.get().channels == []


def test_duplicating_keeps_applicability(personas, published):
    services.scorecard_set_applicability(
        by=personas.supervisor_a, scorecard=published, channels=["voice"], teams=[str(personas.team_a.uuid)]
    )
    copy = services.scorecard_duplicate(by=personas.supervisor_a, scorecard=published)
    assert copy.channels == ["voice"] and list(copy.teams.all()) == [personas.team_a]


def test_the_api_reads_and_writes_applicability(client_for, personas, published, doc):
    client = client_for("supervisor_a")
    url = f"/api/v1/scorecards/{published.uuid}/applicability"
    response = put_json(client, url, {"channels": ["voice"], "teams": [str(personas.team_a.uuid)]})
    assert response.status_code == 200
    assert response.json()["channels"] == ["voice"]
    assert response.json()["teams"] == [str(personas.team_a.uuid)]
    assert put_json(client, url, {"channels": ["fax"]}).status_code == 422
    unknown = put_json(client, url, {"teams": ["2f0c7c2e-5f55-4a4e-8f39-000000000000"]})
    assert unknown.status_code == 400 and "teams" in unknown.json()["detail"]
    assert put_json(client_for("evaluator"), url, {"channels": []}).status_code == 403
    listed = client.get("/api/v1/scorecards").json()["results"][0]
    assert listed["channels"] == ["voice"]
    saved = put_json(client, f"/api/v1/scorecards/{published.uuid}", {"document": doc, "channels": []}).json()
    assert saved["scorecard"]["channels"] == [] and saved["scorecard"]["teams"] == [str(personas.team_a.uuid)]
