from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.audit.models import AuditEvent
from cxq.evaluations import services
from cxq.evaluations.models import Evaluation, Event
from cxq.notifications.models import Notification
from cxq.scorecards import services as sc


def test_a_draft_starts_with_the_defaults_and_their_running_total(draft):
    assert draft.status == "draft" and draft.answers == {"greet": "yes"}
    assert draft.version.number == 1 and draft.team.name == "Team A"
    # opening 5/9 (tone unanswered counts 0 of 4) = 55.56 % × weight 20; compliance 0/2 = 0 % × 10 → 37.04 %
    assert draft.score_percent == Decimal("37.04")


def test_only_published_scorecards_and_visible_interactions_can_be_evaluated(personas, card, call):
    sc.scorecard_archive(by=personas.admin, scorecard=card)
    with pytest.raises(ValidationError, match="published"):
        services.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card)
    sc.scorecard_restore(by=personas.admin, scorecard=card)
    with pytest.raises(PermissionDenied):
        services.evaluation_start(by=personas.manager_b, interaction=call, scorecard=card)
    with pytest.raises(PermissionDenied):
        services.evaluation_start(by=personas.agent_a1, interaction=call, scorecard=card)
    assert not Evaluation.objects.exists()


def test_saving_recomputes_the_score_and_refuses_a_stale_save(personas, draft):
    saved = services.evaluation_save(
        by=personas.evaluator,
        evaluation=draft,
        lock_version=1,
        answers={"greet": "yes", "tone": 5, "disclosure": "yes"},
        question_comments={"tone": "Warm"},
        comment="Good call",
    )
    assert saved.score_percent == Decimal("100.00") and saved.lock_version == 2
    with pytest.raises(services.StaleEdit):
        services.evaluation_save(by=personas.evaluator, evaluation=draft, lock_version=1, answers={"greet": "no"})
    saved.refresh_from_db()
    assert saved.answers["greet"] == "yes" and saved.question_comments == {"tone": "Warm"}


def test_a_bad_answer_is_refused_naming_the_question(personas, draft):
    with pytest.raises(ValidationError) as exc:
        services.evaluation_save(by=personas.evaluator, evaluation=draft, answers={"tone": 9})
    assert "answers.tone" in exc.value.message_dict


def test_nobody_but_the_evaluator_edits_a_draft(personas, draft):
    with pytest.raises(PermissionDenied):
        services.evaluation_save(by=personas.supervisor_a, evaluation=draft, answers={})


def test_submit_is_blocked_while_required_questions_are_unanswered(personas, draft):
    services.evaluation_save(by=personas.evaluator, evaluation=draft, answers={})
    with pytest.raises(ValidationError) as exc:
        services.evaluation_submit(by=personas.evaluator, evaluation=draft)
    assert exc.value.messages == ["Answer “Greeted by name?” (required)."]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_submitting_completes_keeps_a_revision_and_tells_the_agent(personas, completed):
    assert completed.status == "awaiting_ack" and completed.revision == 1
    assert completed.ack_due_at - completed.completed_at == timedelta(days=7)
    # opening 3/9 = 33.33 % × 20, compliance 2/2 = 100 % × 10 → 55.56 %
    assert completed.score_percent == Decimal("55.56")
    assert completed.revisions.get().result["score_percent"] == 55.56
    note = Notification.objects.get(recipient=personas.agent_a1, kind="evaluation.completed")
    assert note.url == f"/evaluations/{completed.uuid}/"
    assert Event.objects.filter(evaluation=completed, kind="evaluation.completed").exists()


def test_without_required_acknowledgement_an_evaluation_stays_completed(personas, draft):
    OrgSettings.get()
    OrgSettings.objects.filter(pk=1).update(acknowledgement_required=False)
    services.evaluation_save(by=personas.evaluator, evaluation=draft, answers={"greet": "yes", "disclosure": "yes"})
    done = services.evaluation_submit(by=personas.evaluator, evaluation=Evaluation.objects.get(pk=draft.pk))
    assert done.status == "completed" and done.ack_due_at is None


def test_the_agent_acknowledges_and_nobody_else_can(personas, completed):
    with pytest.raises(PermissionDenied):
        services.evaluation_acknowledge(by=personas.evaluator, evaluation=completed)
    done = services.evaluation_acknowledge(by=personas.agent_a1, evaluation=completed)
    assert done.status == "acknowledged" and not done.auto_acknowledged
    with pytest.raises(ValidationError):
        services.evaluation_acknowledge(by=personas.agent_a1, evaluation=done)


def test_a_dispute_names_questions_with_reasons_and_notifies_the_evaluator(personas, completed):
    with pytest.raises(ValidationError):
        services.evaluation_dispute(by=personas.agent_a1, evaluation=completed, items=[])
    with pytest.raises(ValidationError):
        services.evaluation_dispute(by=personas.agent_a1, evaluation=completed, items=[("greet", " ")])
    dispute = services.evaluation_dispute(
        by=personas.agent_a1,
        evaluation=completed,
        items=[("greet", "I did use the name"), ("tone", "I was calm")],
        note="Please listen again",
    )
    completed.refresh_from_db()
    assert completed.status == "disputed" and dispute.items.count() == 2
    assert Notification.objects.filter(recipient=personas.evaluator, kind="evaluation.disputed").exists()
    with pytest.raises(ValidationError, match="disputed cannot be acknowledged"):
        services.evaluation_acknowledge(by=personas.agent_a1, evaluation=completed)


def test_adjusting_one_answer_makes_a_new_revision_and_reaffirming_keeps_the_other(personas, completed):
    services.evaluation_dispute(
        by=personas.agent_a1, evaluation=completed, items=[("greet", "I did use the name"), ("tone", "I was calm")]
    )
    with pytest.raises(ValidationError):
        services.dispute_respond(
            by=personas.evaluator, evaluation=completed, responses={"greet": ("adjust", "", "yes")}
        )  # tone unanswered
    with pytest.raises(ValidationError):
        services.dispute_respond(
            by=personas.evaluator,
            evaluation=completed,
            responses={"greet": ("adjust", "", "yes"), "tone": ("reaffirm", "", "")},
        )
    after = services.dispute_respond(
        by=personas.evaluator,
        evaluation=completed,
        responses={"greet": ("adjust", "You did, at 0:02", "yes"), "tone": ("reaffirm", "Pace was rushed", "")},
    )
    assert after.status == "awaiting_ack" and after.revision == 2
    assert after.answers["greet"] == "yes" and after.answers["tone"] == "4"
    assert after.score_percent == Decimal("92.59")  # opening (5 + 3)/9 = 88.89 % × 20, compliance 100 % × 10
    first, second = after.revisions.order_by("number")
    assert first.answers["greet"] == "no" and second.answers["greet"] == "yes"
    assert AuditEvent.objects.filter(action="evaluation.dispute_answered").exists()
    assert Notification.objects.filter(recipient=personas.agent_a1, kind="evaluation.dispute_answered").exists()
    final = services.evaluation_acknowledge(by=personas.agent_a1, evaluation=after)
    assert final.status == "acknowledged"


def test_the_dispute_window_and_limit_are_enforced(personas, completed):
    Evaluation.objects.filter(pk=completed.pk).update(completed_at=timezone.now() - timedelta(days=15))
    completed.refresh_from_db()
    with pytest.raises(ValidationError, match="window"):
        services.evaluation_dispute(by=personas.agent_a1, evaluation=completed, items=[("greet", "x")])


def test_evaluations_past_their_deadline_are_auto_acknowledged_once(personas, completed):
    assert services.auto_acknowledge_due() == 0
    later = completed.ack_due_at + timedelta(minutes=1)
    assert services.auto_acknowledge_due(now=later) == 1
    assert services.auto_acknowledge_due(now=later) == 0
    completed.refresh_from_db()
    assert completed.status == "acknowledged" and completed.auto_acknowledged


def test_manual_evaluations_are_voided_with_a_reason_never_deleted(personas, completed):
    with pytest.raises(ValidationError):
        services.evaluation_void(by=personas.supervisor_a, evaluation=completed, reason=" ")
    with pytest.raises(PermissionDenied):
        services.evaluation_void(by=personas.evaluator, evaluation=completed, reason="wrong agent")
    voided = services.evaluation_void(by=personas.supervisor_a, evaluation=completed, reason="wrong agent")
    assert voided.status == "voided" and Evaluation.objects.filter(pk=completed.pk).exists()
    with pytest.raises(ValidationError, match="Only automated"):
        services.evaluation_delete_automated(by=personas.supervisor_a, evaluation=voided)


def test_automated_evaluations_are_deleted_for_good_with_an_audit_entry_without_content(personas, completed):
    Evaluation.objects.filter(pk=completed.pk).update(source="automated")
    completed.refresh_from_db()
    services.evaluation_delete_automated(by=personas.supervisor_a, evaluation=completed)
    assert not Evaluation.objects.filter(pk=completed.pk).exists()
    event = AuditEvent.objects.get(action="evaluation.deleted")
    assert event.before is None and event.after is None


def test_an_old_evaluation_keeps_its_score_after_the_scorecard_changes(personas, completed, card):
    from tests.scorecards.conftest import DOC

    doc = {**DOC, "pass_mark": 95}
    sc.scorecard_update(by=personas.admin, scorecard=card, document=doc, change_note="stricter")
    completed.refresh_from_db()
    assert completed.version.number == 1 and completed.passed is False
    assert completed.score_percent == Decimal("55.56")
    from cxq.evaluations.views import _result

    assert _result(completed)["score_percent"] == 55.56
