"""Automated evaluations (docs/evaluations.md#automated-evaluations): questions linked to indicators are
answered by the system with their evidence; the rest stay unanswered; they are marked automated, counted
as the organisation chooses, taken over by a person, and deleted for good."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cxq.accounts.models import OrgSettings
from cxq.accounts.services import org_settings_update
from cxq.analytics import selectors as analytics
from cxq.analytics.models import AnswerFact, EvaluationFact
from cxq.evaluations import services
from cxq.evaluations.automated import (
    automated_evaluation_adopt,
    automated_evaluation_run,
    linked_scorecards,
)
from cxq.evaluations.choices import Source, Status
from cxq.evaluations.models import Evaluation, Revision
from cxq.evaluations.selectors import evaluation_list
from cxq.interactions.phrases import phrase_set_create
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC


@pytest.fixture
def greeting(personas):
    return phrase_set_create(by=personas.admin, name="Greeting", side="any", phrases=["thank you for calling"])


@pytest.fixture
def apology(personas):
    return phrase_set_create(by=personas.admin, name="Apology", side="any", phrases=["i am sorry"])


def links(greeting, apology, *, apology_side="customer"):
    return {
        "greet": {"indicator": str(greeting.uuid), "side": "agent", "mentioned": "yes", "absent": "no"},
        # the apology is the agent's, so asked of the customer it is absent
        "disclosure": {"indicator": str(apology.uuid), "side": apology_side, "mentioned": "yes", "absent": "no"},
    }


@pytest.fixture
def card(personas, greeting, apology):
    draft = sc.scorecard_create(by=personas.admin, document=DOC, indicator_links=links(greeting, apology))
    return sc.scorecard_publish(by=personas.admin, scorecard=draft)


@pytest.fixture
def call(personas, greeting, apology):
    return interaction_upsert(data=InteractionIn.model_validate(PAYLOAD))[0]


@pytest.fixture
def automated(personas, card, call):
    return automated_evaluation_run(by=personas.supervisor_a, interaction=call, scorecard=card)


# --- The link lives beside the document -------------------------------------------------------------


def test_links_are_kept_beside_the_document_which_round_trips_unchanged(personas, card, greeting):
    version = card.current_version
    assert version.indicator_links["greet"] == {
        "indicator": str(greeting.uuid),
        "side": "agent",
        "mentioned": "yes",
        "absent": "no",
    }
    assert "indicator_links" not in json.dumps(version.document)
    exported = json.loads(json.dumps(version.document))
    again = sc.scorecard_create(by=personas.admin, document=exported)
    assert again.current_version.document == version.document


@pytest.mark.parametrize(
    ("link", "path"),
    [
        ({"nope": {"indicator": "x"}}, "indicator_links.nope"),
        ({"greet": {"indicator": "not-a-uuid", "mentioned": "yes"}}, "indicator_links.greet.indicator"),
        (
            {"greet": {"indicator": "00000000-0000-0000-0000-000000000000", "mentioned": "yes"}},
            "indicator_links.greet.indicator",
        ),
        ({"greet": {"indicator": "{g}", "mentioned": "maybe"}}, "indicator_links.greet.mentioned"),
        ({"greet": {"indicator": "{g}", "side": "bot", "mentioned": "yes"}}, "indicator_links.greet.side"),
        ({"greet": {"indicator": "{g}"}}, "indicator_links.greet"),
        ({"greet": {"indicator": "{g}", "mentioned": "yes", "colour": 1}}, "indicator_links.greet"),
    ],
)
def test_a_bad_link_is_refused_naming_its_part(personas, greeting, link, path):
    raw = json.loads(json.dumps(link).replace("{g}", str(greeting.uuid)))
    with pytest.raises(ValidationError) as exc:
        sc.scorecard_create(by=personas.admin, document=DOC, indicator_links=raw)
    assert path in exc.value.message_dict


def test_changing_only_links_updates_the_version_in_place(personas, card, greeting, apology):
    new = links(greeting, apology, apology_side="agent")
    scorecard, outcome = sc.scorecard_update(
        by=personas.admin, scorecard=card, document=card.current_version.document, indicator_links=new
    )
    assert outcome == "links"
    assert scorecard.current_version.number == 1
    assert scorecard.current_version.indicator_links["disclosure"]["side"] == "agent"


def test_a_new_version_keeps_the_links_that_still_fit(personas, card):
    doc = copy.deepcopy(card.current_version.document)
    doc["sections"][1]["questions"] = [q for q in doc["sections"][1]["questions"] if q["key"] != "disclosure"]
    doc["sections"][1]["questions"].append(
        {"key": "other", "text": "Other", "type": "yes_no", "options": [{"key": "yes", "points": 1}, {"key": "no"}]}
    )
    scorecard, outcome = sc.scorecard_update(by=personas.admin, scorecard=card, document=doc, change_note="drop q")
    assert outcome == "new_version"
    assert set(scorecard.current_version.indicator_links) == {"greet"}


# --- Running one ---------------------------------------------------------------------------------------


def test_it_answers_the_linked_questions_with_evidence_and_leaves_the_others(personas, automated, call):
    assert automated.source == Source.AUTOMATED
    assert automated.status == Status.AWAITING_ACK
    assert automated.answers == {"greet": "yes", "disclosure": "no"}  # tone unanswered; no defaults
    greet = automated.evidence["greet"]
    assert greet["mentioned"] is True
    assert greet["utterance"] == 0 and greet["start"] == 0.0 and greet["speaker"] == "agent"
    assert greet["text"] == "Thank you for calling, how can I help?"
    assert greet["phrase"] == "thank you for calling"
    assert greet["matched"] == "Thank you for calling"
    assert automated.evidence["disclosure"] == {
        "indicator": "Apology",
        "indicator_id": automated.evidence["disclosure"]["indicator_id"],
        "side": "customer",
        "answer": "no",
        "mentioned": False,
    }
    # scored by the engine: "no" to the disclosure fails the evaluation
    assert str(automated.score_percent) == "0.00" and automated.auto_failed
    assert Revision.objects.get(evaluation=automated).reason == "Answered from indicators"
    assert automated.evaluator.email == "automated-evaluations@cxq.invalid"
    assert not automated.evaluator.can_log_in


def test_the_agent_side_finds_the_apology(personas, greeting, apology, call):
    card = sc.scorecard_create(
        by=personas.admin, document=DOC, indicator_links=links(greeting, apology, apology_side="agent")
    )
    sc.scorecard_publish(by=personas.admin, scorecard=card)
    evaluation = automated_evaluation_run(by=None, interaction=call, scorecard=card)
    assert evaluation.answers["disclosure"] == "yes"
    assert evaluation.evidence["disclosure"]["start"] == 8.5
    # greet 5/5, tone 0/4 (unanswered counts 0), disclosure 2/2 → (20 × 55.56 + 10 × 100) / 30
    assert str(evaluation.score_percent) == "70.37" and not evaluation.auto_failed


def test_only_those_who_may_assign_in_scope_run_it(personas, card, call):
    for name in ("agent_a1", "evaluator", "manager_b"):
        with pytest.raises(PermissionDenied):
            automated_evaluation_run(by=personas.get(name), interaction=call, scorecard=card)
    assert not Evaluation.objects.exists()


def test_a_scorecard_without_links_is_refused(personas, call):
    plain = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    assert plain not in linked_scorecards()
    with pytest.raises(ValidationError) as exc:
        automated_evaluation_run(by=personas.admin, interaction=call, scorecard=plain)
    assert "scorecard" in exc.value.message_dict


def test_it_is_marked_automated_in_the_list_and_the_api(personas, automated, client_for):
    assert evaluation_list(viewer=personas.supervisor_a, source="automated").get() == automated
    body = client_for("supervisor_a").get(f"/api/v1/evaluations/{automated.uuid}").json()
    assert body["automated"] is True and body["source"] == "automated"
    assert body["evidence"]["greet"]["start"] == 0.0 and body["evidence"]["greet"]["speaker"] == "agent"
    page = client_for("supervisor_a").get(reverse("evaluations:list") + "?source=automated")
    assert page.status_code == 200 and "Automated" in page.content.decode()


def test_the_api_runs_one(personas, card, call, client_for):
    response = client_for("supervisor_a").post(
        "/api/v1/evaluations/automated",
        {"interaction": str(call.uuid), "scorecard": str(card.uuid)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["answers"] == {"greet": "yes", "disclosure": "no"}
    refused = client_for("evaluator").post(
        "/api/v1/evaluations/automated",
        {"interaction": str(call.uuid), "scorecard": str(card.uuid)},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert Evaluation.objects.count() == 1


# --- Shown with its evidence -----------------------------------------------------------------------------


def test_the_page_shows_the_evidence_beside_the_answer_with_a_link_that_plays_it(automated, client_for):
    html = client_for("supervisor_a").get(reverse("evaluations:detail", args=[automated.uuid])).content.decode()
    assert 'data-testid="evidence-greet"' in html
    assert "Thank you for calling, how can I help?" in html
    assert f'href="/interactions/{automated.interaction.uuid}/#t=0.000000"' in html
    assert "is never said by the customer" in html
    assert 'data-testid="evidence-tone"' not in html


def test_the_interaction_page_offers_the_run_and_marks_it(personas, card, call, client_for):
    client = client_for("supervisor_a")
    page = client.get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    assert "Run automated evaluation" in page
    response = client.post(reverse("evaluations:automated_run", args=[call.uuid]), {"scorecard": str(card.uuid)})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:detail", args=[evaluation.uuid])
    page = client.get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    assert 'pill-brand">Automated' in page
    assert (
        "Run automated evaluation"
        not in client_for("evaluator").get(reverse("interactions:detail", args=[call.uuid])).content.decode()
    )


# --- Counting, deleting, taking over ---------------------------------------------------------------------


def test_deleting_it_removes_it_from_the_interaction_the_table_and_analytics(personas, automated, client_for):
    assert EvaluationFact.objects.filter(evaluation_id=automated.pk).exists()
    assert AnswerFact.objects.filter(evaluation_id=automated.pk).exists()
    client = client_for("admin")
    response = client.post(reverse("evaluations:delete", args=[automated.uuid]), {"back": "interaction"})
    assert response["Location"] == reverse("interactions:detail", args=[automated.interaction.uuid])
    assert not Evaluation.objects.filter(pk=automated.pk).exists()
    assert not EvaluationFact.objects.filter(evaluation_id=automated.pk).exists()
    assert not AnswerFact.objects.filter(evaluation_id=automated.pk).exists()
    assert not evaluation_list(viewer=personas.admin).exists()
    assert (
        "performance-row"
        not in client.get(reverse("interactions:detail", args=[automated.interaction.uuid])).content.decode()
    )


def test_the_organisation_chooses_whether_it_counts(personas, automated, client_for):
    counted = reverse("evaluations:list") + "?counted=1"
    client = client_for("admin")
    assert automated.uuid.hex[:8] in client.get(counted).content.decode().replace("-", "")
    org_settings_update(by=personas.admin, automated_evaluations_count=False)
    assert not OrgSettings.get().automated_evaluations_count
    assert automated.uuid.hex[:8] not in client.get(counted).content.decode().replace("-", "")
    f = analytics.Filters(date_from=date(2000, 1, 1), date_to=date(2100, 1, 1))
    q = analytics._dims(f, analytics.Scope(team_ids=None))
    assert not EvaluationFact.objects.filter(q).exists()  # its facts stay, but no report reads them
    org_settings_update(by=personas.admin, automated_evaluations_count=True)
    assert EvaluationFact.objects.filter(analytics._dims(f, analytics.Scope(team_ids=None))).exists()


def test_a_person_takes_it_over_and_completes_it_as_theirs(personas, automated, client_for):
    client = client_for("evaluator")
    page = client.get(reverse("evaluations:detail", args=[automated.uuid])).content.decode()
    assert 'data-testid="adopt"' in page
    client.post(reverse("evaluations:adopt", args=[automated.uuid]))
    evaluation = Evaluation.objects.get(pk=automated.pk)
    assert (evaluation.source, evaluation.status, evaluation.evaluator) == (
        Source.MANUAL,
        Status.DRAFT,
        personas.evaluator,
    )
    assert not EvaluationFact.objects.filter(evaluation_id=evaluation.pk).exists()  # a draft counts nowhere
    assert [e.kind for e in evaluation.events.all()][-1] == "evaluation.adopted"
    form = client.get(reverse("evaluations:detail", args=[automated.uuid])).content.decode()
    assert 'data-testid="evidence-greet"' in form  # the evidence stays beside the system's answer
    services.evaluation_save(
        by=personas.evaluator,
        evaluation=evaluation,
        answers={**evaluation.answers, "tone": 5},
        lock_version=evaluation.lock_version,
    )
    done = services.evaluation_submit(by=personas.evaluator, evaluation=Evaluation.objects.get(pk=evaluation.pk))
    assert done.revision == 2 and done.status == Status.AWAITING_ACK
    assert list(done.revisions.values_list("number", "reason")) == [
        (1, "Answered from indicators"),
        (2, "Completed by Eve Evaluator"),
    ]
    assert EvaluationFact.objects.filter(evaluation_id=done.pk, source="manual").exists()


def test_nobody_takes_over_their_own_or_a_manual_one(personas, automated):
    with pytest.raises(PermissionDenied):
        automated_evaluation_adopt(by=personas.agent_a1, evaluation=automated)
    adopted = automated_evaluation_adopt(by=personas.evaluator, evaluation=automated)
    with pytest.raises(ValidationError):
        automated_evaluation_adopt(by=personas.supervisor_a, evaluation=adopted)
