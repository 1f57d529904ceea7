from __future__ import annotations

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cxq.audit.models import AuditEvent
from cxq.scorecards import services
from cxq.scorecards.choices import ChangeKind
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scoring import normalize_answers, score


def test_a_new_scorecard_is_a_draft_at_version_1_in_canonical_form(draft):
    assert draft.status == "draft" and draft.current_version.number == 1
    doc = draft.current_version.document
    assert doc["sections"][0]["questions"][1]["options"][0] == {
        "key": "1",
        "label": "1",
        "points": 0,
        "auto_fail": "none",
    }
    assert AuditEvent.objects.filter(action="scorecard.created", object_id=str(draft.uuid)).exists()


def test_an_invalid_document_is_refused_naming_the_key_and_nothing_is_written(personas, doc):
    doc["sections"][0]["questions"][0]["options"][0]["points"] = -1
    with pytest.raises(ValidationError) as exc:
        services.scorecard_create(by=personas.supervisor_a, document=doc)
    assert "sections[0].questions[0].options[0].points: must not be negative" in str(exc.value)
    assert not Scorecard.objects.exists()


def test_only_scorecard_editors_create_scorecards(personas, doc):
    with pytest.raises(PermissionDenied):
        services.scorecard_create(by=personas.manager_b, document=doc)


def test_a_draft_is_edited_in_place(personas, draft, doc):
    doc["sections"][0]["questions"][0]["options"][0]["points"] = 10
    scorecard, outcome = services.scorecard_update(by=personas.supervisor_a, scorecard=draft, document=doc)
    assert outcome == ChangeKind.SAVED
    assert scorecard.versions.count() == 1
    assert scorecard.current_version.document["sections"][0]["questions"][0]["options"][0]["points"] == 10


def test_publishing_needs_questions(personas):
    empty = services.scorecard_create(by=personas.supervisor_a, document={"name": "Empty", "sections": []})
    with pytest.raises(ValidationError, match="Add at least one section"):
        services.scorecard_publish(by=personas.supervisor_a, scorecard=empty)
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_a_cosmetic_edit_of_a_published_scorecard_keeps_the_version(personas, published, doc):
    doc["name"] = "Support QA (2026)"
    doc["sections"][0]["questions"][0]["text"] = "Did the agent greet the customer by name?"
    doc["sections"][0]["questions"][0]["options"][0]["label"] = "Yes, by name"
    scorecard, outcome = services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)
    assert outcome == ChangeKind.COSMETIC
    assert scorecard.current_version.number == 1 and scorecard.versions.count() == 1
    assert scorecard.name == "Support QA (2026)"
    assert scorecard.current_version.document["sections"][0]["questions"][0]["options"][0]["label"] == "Yes, by name"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["sections"][0]["questions"][0]["options"][0].update(points=7),
        lambda d: d["sections"][1]["questions"][0]["options"][1].update(auto_fail="section"),
        lambda d: d["sections"][0]["questions"][0].update(required=False),
        lambda d: d["sections"][0]["questions"][1].update(allow_na=False),
        lambda d: d["sections"][0].update(weight=30),
        lambda d: d.update(pass_mark=85),
        lambda d: d.update(scoring_mode="points", pass_mark=5),
        lambda d: d["sections"][0]["questions"].pop(),
        lambda d: d["sections"][0]["questions"][1].update(show_if={"question": "greet", "answers": ["no"]}),
        lambda d: d["sections"][0]["questions"][0].update(default="no"),
    ],
    ids=[
        "points",
        "auto_fail",
        "required",
        "allow_na",
        "weight",
        "pass_mark",
        "mode",
        "question_removed",
        "condition",
        "default",
    ],
)
def test_a_non_cosmetic_edit_of_a_published_scorecard_makes_a_new_version(personas, published, doc, mutate):
    mutate(doc)
    scorecard, outcome = services.scorecard_update(
        by=personas.supervisor_a, scorecard=published, document=doc, change_note="Calibrated with QA"
    )
    assert outcome == ChangeKind.NEW_VERSION
    assert scorecard.current_version.number == 2
    v2 = scorecard.current_version
    assert (v2.created_by, v2.change_note) == (personas.supervisor_a, "Calibrated with QA")
    assert scorecard.versions.get(number=1).document != v2.document
    event = AuditEvent.objects.filter(action="scorecard.new_version").latest("id")
    assert event.after["version"] == 2 and event.after["why"] == "Calibrated with QA" and event.after["changes"]


def test_a_new_version_needs_a_reason(personas, published, doc):
    doc["pass_mark"] = 90
    with pytest.raises(ValidationError) as exc:
        services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)
    assert "change_note" in exc.value.message_dict
    assert published.versions.count() == 1


def test_saving_the_same_document_changes_nothing(personas, published, doc):
    _, outcome = services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)
    assert outcome == ChangeKind.UNCHANGED
    assert published.versions.count() == 1


def test_an_old_scores_result_and_form_are_unchanged_after_the_scorecard_is_edited(personas, published, doc):
    """A stored score pins its version: after edits (cosmetic and structural) the version it points
    at still produces the same result and shows the same questions and answers."""
    pinned = published.current_version
    answers = {"greet": "yes", "tone": 4, "disclosure": "yes"}
    before = score(compiled_for(pinned.document), normalize_answers(compiled_for(pinned.document), answers))
    form_before = copy.deepcopy(pinned.document)

    doc["sections"][0]["questions"][0]["options"][0]["points"] = 1  # structural
    doc["sections"][0]["questions"].append({"key": "extra", "text": "New question", "type": "yes_no"})
    services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc, change_note="v2")
    doc["sections"][0]["title"] = "Greeting"  # cosmetic, lands on v2 only
    services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)

    pinned = ScorecardVersion.objects.get(pk=pinned.pk)
    assert pinned.document == form_before
    after = score(compiled_for(pinned.document), normalize_answers(compiled_for(pinned.document), answers))
    assert after.as_json() == before.as_json()
    published.refresh_from_db()
    assert published.current_version.number == 2
    assert published.current_version.document["sections"][0]["title"] == "Greeting"


def test_archived_scorecards_cannot_be_edited_until_restored(personas, published, doc):
    services.scorecard_archive(by=personas.supervisor_a, scorecard=published)
    with pytest.raises(ValidationError, match="archived"):
        services.scorecard_update(by=personas.supervisor_a, scorecard=published, document=doc)
    restored = services.scorecard_restore(by=personas.supervisor_a, scorecard=published)
    assert restored.status == "published" and restored.is_usable


def test_only_published_scorecards_are_usable(personas, draft):
    from cxq.scorecards.selectors import usable_scorecards

    assert list(usable_scorecards()) == []
    services.scorecard_publish(by=personas.supervisor_a, scorecard=draft)
    assert list(usable_scorecards()) == [draft]
    services.scorecard_archive(by=personas.supervisor_a, scorecard=draft)
    assert list(usable_scorecards()) == []


def test_only_drafts_can_be_deleted(personas, published):
    with pytest.raises(ValidationError):
        services.scorecard_delete(by=personas.supervisor_a, scorecard=published)
    copy_ = services.scorecard_duplicate(by=personas.supervisor_a, scorecard=published)
    assert copy_.status == "draft" and copy_.name == "Support QA (copy)"
    services.scorecard_delete(by=personas.supervisor_a, scorecard=copy_)
    assert not Scorecard.objects.filter(pk=copy_.pk).exists()
    assert AuditEvent.objects.filter(action="scorecard.deleted").exists()
