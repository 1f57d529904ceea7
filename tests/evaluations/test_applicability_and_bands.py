"""Which scorecards "Evaluate" offers (docs/scoring.md#applicability) and where score bands show
(docs/scoring.md#score-bands): evaluation page, evaluations table and CSV, the interaction's Performance tab,
analytics."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from cxq.scorecards.selectors import applicable_scorecards
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

BANDS = [
    {"key": "low", "label": "Needs improvement", "from": 0, "colour": "red"},
    {"key": "mid", "label": "Meets", "from": 70, "colour": "yellow"},
    {"key": "high", "label": "Exceeds", "from": 90, "colour": "green"},
]


def published(by, name, *, channels=(), teams=(), bands=None):
    doc = {**DOC, "name": name}
    if bands:
        doc["bands"] = bands
    card = sc.scorecard_create(by=by, document=doc, channels=list(channels), teams=[str(t.uuid) for t in teams])
    return sc.scorecard_publish(by=by, scorecard=card)


def chat(personas):
    return interaction_upsert(
        data=InteractionIn.model_validate({**PAYLOAD, "external_id": "chat-1", "channel": "chat"})
    )[0]


# --- applicability -----------------------------------------------------------------------------------


def test_applicable_scorecards_match_channel_and_team(personas, call):
    a = personas.admin
    voice = published(a, "Voice QA", channels=["voice"])
    chat_card = published(a, "A chat QA", channels=["chat"])
    team_b_only = published(a, "Team B QA", teams=[personas.team_b])
    everywhere = published(a, "General QA")
    team_a_voice = published(a, "Team A voice", channels=["voice", "video"], teams=[personas.team_a])
    sc.scorecard_create(by=a, document={**DOC, "name": "Draft voice"}, channels=["voice"])  # drafts never apply
    assert call.team_id == personas.team_a.pk
    assert applicable_scorecards(call) == [everywhere, team_a_voice, voice]
    assert applicable_scorecards(chat(personas)) == [chat_card, everywhere]
    assert team_b_only not in applicable_scorecards(call)


def test_evaluate_offers_the_applicable_scorecards_first_and_picks_the_only_one(client_for, personas, call):
    published(personas.admin, "A chat QA", channels=["chat"])  # alphabetically first, but not for a call
    voice = published(personas.admin, "Voice QA", channels=["voice"])
    page = client_for("evaluator").get(reverse("evaluations:start", args=[call.uuid]))
    form = page.context["form"]
    assert form["scorecard"].value() == str(voice.uuid)
    html = page.content.decode()
    assert '<optgroup label="Applies to this interaction">' in html
    assert html.index("Voice QA") < html.index("A chat QA")
    assert f'<option value="{voice.uuid}" selected>' in html


def test_with_several_applicable_scorecards_evaluate_asks_which(client_for, personas, call):
    published(personas.admin, "Voice QA", channels=["voice"])
    published(personas.admin, "General QA")
    page = client_for("evaluator").get(reverse("evaluations:start", args=[call.uuid]))
    assert page.context["form"]["scorecard"].value() is None
    assert "Choose a scorecard…" in page.content.decode()
    assert "optgroup" not in page.content.decode()


def test_the_assign_form_preselects_the_only_applicable_scorecard(client_for, personas, call):
    published(personas.admin, "A chat QA", channels=["chat"])
    voice = published(personas.admin, "Voice QA", channels=["voice"])
    page = client_for("supervisor_a").get(reverse("evaluations:assign", args=[call.uuid]))
    assert page.context["form"]["scorecard"].value() == str(voice.uuid)


def test_the_api_lists_an_interactions_scorecards_applicable_first(client_for, personas, call):
    chat_card = published(personas.admin, "A chat QA", channels=["chat"])
    voice = published(personas.admin, "Voice QA", channels=["voice"])
    body = client_for("evaluator").get(f"/api/v1/interactions/{call.uuid}/scorecards").json()
    assert [s["id"] for s in body["applicable"]] == [str(voice.uuid)]
    assert [s["id"] for s in body["others"]] == [str(chat_card.uuid)]
    assert client_for("agent_b1").get(f"/api/v1/interactions/{call.uuid}/scorecards").status_code in (403, 404)


# --- bands --------------------------------------------------------------------------------------------


def completed_with_bands(personas, call, answers):
    from cxq.evaluations.services import evaluation_save, evaluation_start, evaluation_submit

    card = published(personas.admin, "Banded QA", bands=BANDS)
    evaluation = evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)
    evaluation = evaluation_save(by=personas.evaluator, evaluation=evaluation, answers=answers)
    return card, evaluation_submit(by=personas.evaluator, evaluation=evaluation)


def test_the_band_shows_on_the_evaluation_the_table_and_the_interaction(client_for, personas, call):
    card, evaluation = completed_with_bands(personas, call, {"greet": "no", "tone": 4, "disclosure": "yes"})
    assert evaluation.score_percent < 70
    client = client_for("supervisor_a")
    badge = '<span class="band band-red" data-testid="band">Needs improvement</span>'
    assert badge in client.get(reverse("evaluations:detail", args=[evaluation.uuid])).content.decode()
    assert badge in client.get(reverse("evaluations:list")).content.decode()
    assert badge in client.get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    response = client.get(reverse("evaluations:list"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("band")] == "Needs improvement"
    api = client.get(f"/api/v1/evaluations/{evaluation.uuid}").json()
    assert api["band"] == {"key": "low", "label": "Needs improvement", "start": 0.0, "colour": "red"}
    listed = client.get("/api/v1/evaluations").json()["results"]
    assert [e["band"]["key"] for e in listed] == ["low"]


def test_a_band_follows_the_scorecards_current_bands(client_for, personas, call):
    card, evaluation = completed_with_bands(personas, call, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    page = client_for("admin").get(reverse("evaluations:detail", args=[evaluation.uuid])).content.decode()
    assert "band-green" in page and "Exceeds" in page
    doc = {**card.current_version.document, "bands": [{**BANDS[0], "label": "Everyone", "colour": "blue"}]}
    sc.scorecard_update(by=personas.admin, scorecard=card, document=doc)
    page = client_for("admin").get(reverse("evaluations:detail", args=[evaluation.uuid])).content.decode()
    assert '<span class="band band-blue" data-testid="band">Everyone</span>' in page


def test_no_bands_no_badge_and_an_empty_csv_cell(client_for, personas, completed):
    client = client_for("admin")
    assert 'data-testid="band"' not in client.get(reverse("evaluations:detail", args=[completed.uuid])).content.decode()
    response = client.get(reverse("evaluations:list"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("band")] == ""


def test_analytics_shows_the_band_of_an_average_for_one_scorecard(client_for, personas, call):
    card, _ = completed_with_bands(personas, call, {"greet": "yes", "tone": 4, "disclosure": "yes"})
    client = client_for("admin")
    page = client.get("/analytics/", {"scorecard": str(card.uuid)}).content.decode()
    assert 'data-testid="average-band"><span class="band band-green" data-testid="band">Exceeds</span>' in page
    leaders = client.get("/analytics/leaderboards/", {"scorecard": str(card.uuid)}).content.decode()
    assert "band-green" in leaders
    published(personas.admin, "Other QA", bands=BANDS)
    assert "average-band" in client.get("/analytics/").content.decode()  # one scorecard evaluated so far
