"""The source table (cxq/evaluations/sources.py) drives the behaviour it names: each test flips one
attribute of the manual source and sees the behaviour follow, so no 'source == …' branch is left."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from cxq.analytics.models import EvaluationFact
from cxq.evaluations import policies, selectors, services
from cxq.evaluations.choices import Source, Status
from cxq.evaluations.models import Evaluation
from cxq.evaluations.sources import SOURCE_POLICIES, source_policy, sources_where
from cxq.notifications.models import Notification

ANSWERS = {"greet": "no", "tone": 4, "disclosure": "yes"}


@pytest.fixture
def manual_is(monkeypatch):
    """manual_is(listed=False): the manual source, with one attribute changed for this test."""

    def change(**attrs):
        monkeypatch.setitem(
            SOURCE_POLICIES, Source.MANUAL, dataclasses.replace(SOURCE_POLICIES[Source.MANUAL], **attrs)
        )

    return change


def submit(personas, draft):
    services.evaluation_save(by=personas.evaluator, evaluation=draft, answers=ANSWERS)
    return services.evaluation_submit(by=personas.evaluator, evaluation=Evaluation.objects.get(pk=draft.pk))


def test_every_source_has_a_row():
    assert set(SOURCE_POLICIES) == set(Source.values)
    assert sources_where("listed", False) == [Source.CALIBRATION]
    assert sources_where("removal", "delete") == [Source.AUTOMATED]


def test_counts_in_analytics(personas, draft, manual_is):
    manual_is(counts_in_analytics=False)
    done = submit(personas, draft)
    assert done.status == Status.AWAITING_ACK
    assert not EvaluationFact.objects.filter(evaluation_id=done.pk).exists()


def test_counted_by_default(personas, draft):
    done = submit(personas, draft)
    assert EvaluationFact.objects.filter(evaluation_id=done.pk).exists()


def test_listed(personas, draft, manual_is):
    done = submit(personas, draft)
    assert selectors.evaluation_list(viewer=personas.supervisor_a).filter(pk=done.pk)
    manual_is(listed=False)
    assert not selectors.evaluation_list(viewer=personas.supervisor_a).filter(pk=done.pk)
    assert not selectors.evaluation_scope(viewer=personas.agent_a1).filter(pk=done.pk).exists()


def test_notifies_agent(personas, draft, manual_is):
    manual_is(notifies_agent=False)
    submit(personas, draft)
    assert not Notification.objects.filter(recipient=personas.agent_a1, kind="evaluation.completed").exists()


def test_needs_acknowledgement(personas, draft, manual_is):
    manual_is(needs_acknowledgement=False)
    done = submit(personas, draft)
    assert done.status == Status.COMPLETED and done.ack_due_at is None


def test_disputable(personas, draft, manual_is):
    done = submit(personas, draft)
    manual_is(disputable=False)
    assert services.dispute_closed_reason(done) == "This kind of evaluation cannot be disputed."
    with pytest.raises(ValidationError):
        services.evaluation_dispute(by=personas.agent_a1, evaluation=done, items=[("greet", "I did")])


def test_removal(personas, draft, manual_is):
    done = submit(personas, draft)
    assert policies.may_void(personas.supervisor_a, done) and not policies.may_delete(personas.supervisor_a, done)
    manual_is(removal="delete")
    assert not policies.may_void(personas.supervisor_a, done) and policies.may_delete(personas.supervisor_a, done)
    with pytest.raises(ValidationError):
        services.evaluation_void(by=personas.supervisor_a, evaluation=done, reason="wrong agent")
    services.evaluation_delete_automated(by=personas.supervisor_a, evaluation=done)
    assert not Evaluation.objects.filter(pk=done.pk).exists()


def test_withdrawable(personas, draft, manual_is):
    with pytest.raises(ValidationError):
        services.calibration_draft_withdraw(by=None, evaluation=draft, reason="session closed")
    manual_is(withdrawable=True)
    withdrawn = services.calibration_draft_withdraw(by=None, evaluation=draft, reason="session closed")
    assert withdrawn.status == Status.VOIDED
    assert services.calibration_draft_restore(by=None, evaluation=withdrawn).status == Status.DRAFT


def test_feeds_calibration_stats(personas, draft, manual_is):
    from cxq.analytics.models import CalibrationFact

    manual_is(feeds_calibration_stats=True)
    done = submit(personas, draft)
    assert CalibrationFact.objects.filter(evaluation_id=done.pk).exists()
    assert source_policy(Source.CALIBRATION).feeds_calibration_stats
