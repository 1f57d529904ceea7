"""Nobody judges their own work: a lead who is also the evaluated agent may not evaluate, be assigned,
calibrate, void or answer a dispute on their own interaction or evaluation (docs/evaluations.md,
"Who may do what"). Each refusal leaves everything as it was, and the UI does not offer the action."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cxq.audit.models import AuditEvent
from cxq.calibrations import services as cal
from cxq.evaluations import policies
from cxq.evaluations import services as ev
from cxq.evaluations.choices import AssignmentStatus, Status
from cxq.evaluations.models import Assignment, Evaluation
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from tests.interactions.conftest import PAYLOAD

ANSWERS = {"greet": "no", "tone": 4, "disclosure": "yes"}


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def own_call(personas):
    """A call handled by supervisor_a, who also leads team A (they take calls on busy days); their role
    is a supervisor's that may also respond to their own evaluations, as an agent's does."""
    from cxq.accounts.models import Role
    from cxq.accounts.permissions import BUILTIN_ROLES

    codes = {r.key: r.permissions for r in BUILTIN_ROLES}
    lead_agent = Role.objects.create(
        key="lead-agent", name="Lead who takes calls", permissions=sorted(codes["supervisor"] | codes["agent"])
    )
    personas.supervisor_a.role = lead_agent
    personas.supervisor_a.save(update_fields=["role"])
    personas.team_a.members.add(personas.supervisor_a)
    payload = copy.deepcopy(PAYLOAD) | {"external_id": "lead-call", "agent": {"email": personas.supervisor_a.email}}
    call = interaction_upsert(data=InteractionIn.model_validate(payload))[0]
    assert call.agent_id == personas.supervisor_a.pk
    return call


@pytest.fixture
def own_disputed(personas, card, own_call):
    """The evaluator scored supervisor_a's call 'greet: no'; supervisor_a, as the agent, disputes it."""
    draft = ev.evaluation_start(by=personas.evaluator, interaction=own_call, scorecard=card)
    ev.evaluation_save(by=personas.evaluator, evaluation=draft, answers=ANSWERS)
    done = ev.evaluation_submit(by=personas.evaluator, evaluation=draft)
    ev.evaluation_dispute(by=personas.supervisor_a, evaluation=done, items=[("greet", "I did greet")])
    done.refresh_from_db()
    assert done.status == Status.DISPUTED
    return done


def test_a_lead_cannot_answer_the_dispute_on_their_own_evaluation(personas, own_disputed):
    before = (own_disputed.score_percent, own_disputed.revision)
    with pytest.raises(PermissionDenied, match="your own evaluation"):
        ev.dispute_respond(
            by=personas.supervisor_a, evaluation=own_disputed, responses={"greet": ("adjust", "", "yes")}
        )
    own_disputed.refresh_from_db()
    assert (own_disputed.score_percent, own_disputed.revision, own_disputed.status) == (*before, Status.DISPUTED)
    assert not AuditEvent.objects.filter(action="evaluation.dispute_answered").exists()
    # another lead of the team still can
    ev.dispute_respond(by=personas.admin, evaluation=own_disputed, responses={"greet": ("adjust", "", "yes")})
    own_disputed.refresh_from_db()
    assert own_disputed.revision == 2


def test_the_api_refuses_a_lead_answering_their_own_dispute(client_for, personas, own_disputed):
    response = post_json(
        client_for("supervisor_a"),
        f"/api/v1/evaluations/{own_disputed.uuid}/respond",
        {"responses": [{"question": "greet", "response": "adjust", "answer": "yes"}]},
    )
    assert response.status_code == 403
    own_disputed.refresh_from_db()
    assert own_disputed.revision == 1 and own_disputed.status == Status.DISPUTED


def test_the_evaluation_page_offers_the_lead_no_answer_form_on_their_own_dispute(client_for, own_disputed):
    own = client_for("supervisor_a").get(f"/evaluations/{own_disputed.uuid}/").content.decode()
    assert 'data-testid="respond-form"' not in own and 'data-testid="open-dispute"' in own
    other = client_for("admin").get(f"/evaluations/{own_disputed.uuid}/").content.decode()
    assert 'data-testid="respond-form"' in other


def test_nobody_evaluates_their_own_interaction(client_for, personas, card, own_call):
    with pytest.raises(PermissionDenied, match="handled this interaction"):
        ev.evaluation_start(by=personas.supervisor_a, interaction=own_call, scorecard=card)
    client = client_for("supervisor_a")
    assert 'data-testid="evaluate"' not in client.get(f"/interactions/{own_call.uuid}/").content.decode()
    response = client.post(f"/evaluations/start/{own_call.uuid}/", {"scorecard": str(card.uuid)})
    assert response.status_code == 403
    api = post_json(client, "/api/v1/evaluations", {"interaction": str(own_call.uuid), "scorecard": str(card.uuid)})
    assert api.status_code == 403
    assert not Evaluation.objects.filter(interaction=own_call).exists()
    # a colleague may
    assert 'data-testid="evaluate"' in client_for("evaluator").get(f"/interactions/{own_call.uuid}/").content.decode()


def test_nobody_is_assigned_their_own_interaction(client_for, personas, card, own_call):
    due = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        ev.assignment_create(
            by=personas.admin, interaction=own_call, scorecard=card, assignee=personas.supervisor_a, due_at=due
        )
    assert "handled this interaction" in str(refused.value.message_dict["assignee"])
    assert not Assignment.objects.exists()
    page = client_for("admin").get(f"/evaluations/assign/{own_call.uuid}/").content.decode()
    assert f'value="{personas.evaluator.uuid}"' in page and f'value="{personas.supervisor_a.uuid}"' not in page
    api = post_json(
        client_for("admin"),
        "/api/v1/assignments",
        {
            "interaction": str(own_call.uuid),
            "scorecard": str(card.uuid),
            "assignee": str(personas.supervisor_a.uuid),
            "due_at": due.isoformat(),
        },
    )
    assert api.status_code == 400 and "assignee" in api.content.decode()
    assert not Assignment.objects.exists()


def test_nobody_calibrates_their_own_interaction(personas, card, own_call):
    due = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError, match="handled this interaction"):
        cal.session_create(
            by=personas.admin,
            name="Lead call",
            scorecard=card,
            interaction=own_call,
            assessors=[personas.evaluator, personas.supervisor_a],
            due_at=due,
        )
    session = cal.session_create(
        by=personas.admin,
        name="Lead call",
        scorecard=card,
        interaction=own_call,
        assessors=[personas.evaluator, personas.admin],
        due_at=due,
    )
    with pytest.raises(ValidationError, match="handled this interaction"):
        cal.assessor_add(by=personas.admin, session=session, user=personas.supervisor_a)
    assert not session.assessors.filter(user=personas.supervisor_a).exists()


def test_nobody_voids_their_own_evaluation(personas, card, own_call):
    draft = ev.evaluation_start(by=personas.evaluator, interaction=own_call, scorecard=card)
    ev.evaluation_save(by=personas.evaluator, evaluation=draft, answers=ANSWERS)
    done = ev.evaluation_submit(by=personas.evaluator, evaluation=draft)
    assert not policies.may_void(personas.supervisor_a, done) and policies.may_void(personas.admin, done)
    with pytest.raises(PermissionDenied):
        ev.evaluation_void(by=personas.supervisor_a, evaluation=done, reason="I disagree")
    done.refresh_from_db()
    assert done.status != Status.VOIDED


def test_a_task_cannot_be_completed_with_another_interaction_or_scorecard(client_for, personas, card, call, own_call):
    """An assignment names one interaction and one scorecard: evaluating something else never closes it."""
    task = ev.assignment_create(
        by=personas.admin,
        interaction=call,
        scorecard=card,
        assignee=personas.evaluator,
        due_at=timezone.now() + timedelta(days=2),
    )
    response = post_json(
        client_for("evaluator"),
        "/api/v1/evaluations",
        {"interaction": str(own_call.uuid), "scorecard": str(card.uuid), "assignment": str(task.uuid)},
    )
    assert response.status_code == 400 and "assignment" in response.content.decode()
    task.refresh_from_db()
    assert task.status == AssignmentStatus.OPEN
    assert not Evaluation.objects.filter(interaction=own_call).exists()
    # the task's own interaction and scorecard still work
    ok = post_json(
        client_for("evaluator"),
        "/api/v1/evaluations",
        {"interaction": str(call.uuid), "scorecard": str(card.uuid), "assignment": str(task.uuid)},
    )
    assert ok.status_code == 201, ok.content


def test_disputing_needs_the_respond_permission_on_every_path(client_for, personas, card, call):
    """The dispute page asked for evaluations.respond; the API did not. A supervisor's role lacks it."""
    personas.team_a.members.add(personas.supervisor_a)
    payload = copy.deepcopy(PAYLOAD) | {"external_id": "sup-call", "agent": {"email": personas.supervisor_a.email}}
    own = interaction_upsert(data=InteractionIn.model_validate(payload))[0]
    draft = ev.evaluation_start(by=personas.evaluator, interaction=own, scorecard=card)
    ev.evaluation_save(by=personas.evaluator, evaluation=draft, answers=ANSWERS)
    done = ev.evaluation_submit(by=personas.evaluator, evaluation=draft)
    response = post_json(
        client_for("supervisor_a"),
        f"/api/v1/evaluations/{done.uuid}/dispute",
        {"items": [{"question": "greet", "reason": "I did greet"}]},
    )
    assert response.status_code == 403
    done.refresh_from_db()
    assert done.status != Status.DISPUTED and not done.disputes.exists()
