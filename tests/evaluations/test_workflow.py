"""The evaluator's working day (docs/evaluations.md): discarding a draft, the next task after a submission,
the disputes queue (its deadline, age and filters, page and API), texts that count properly, and who
counts as an agent in the pickers (docs/accounts.md#who-counts-as-an-agent)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cxq.accounts.models import OrgSettings, Role, User
from cxq.accounts.selectors import agents_in_scope, evaluators_in_scope
from cxq.audit.models import AuditEvent
from cxq.evaluations import selectors, services
from cxq.evaluations.choices import AssignmentStatus
from cxq.evaluations.models import Evaluation
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.lib import humanize
from cxq.lib.env import base_url_from_bind
from cxq.notifications.models import Notification, OutboundEmail
from tests.interactions.conftest import PAYLOAD

ANSWERS = {"greet": "no", "tone": 4, "disclosure": "yes"}


def _call(external_id: str):
    return interaction_upsert(data=InteractionIn.model_validate({**PAYLOAD, "external_id": external_id}))[0]


def _task(personas, card, interaction, *, days: int):
    return services.assignment_create(
        by=personas.supervisor_a,
        interaction=interaction,
        scorecard=card,
        assignee=personas.evaluator,
        due_at=timezone.now() + timedelta(days=days),
    )


# --- Discarding a draft ---------------------------------------------------------------------------


def test_the_evaluator_discards_their_draft_and_the_audit_log_keeps_that_it_happened(personas, draft):
    services.evaluation_discard(by=personas.evaluator, evaluation=draft)
    assert not Evaluation.objects.filter(pk=draft.pk).exists()
    entry = AuditEvent.objects.get(action="evaluation.discarded")
    assert entry.actor == personas.evaluator and "draft evaluation of Andy Agent" in entry.object_repr


def test_a_discarded_task_draft_leaves_the_task_open_to_start_again(personas, card, call):
    task = _task(personas, card, call, days=2)
    evaluation = services.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card, assignment=task)
    services.evaluation_discard(by=personas.evaluator, evaluation=evaluation)
    task.refresh_from_db()
    assert task.status == AssignmentStatus.OPEN
    again = services.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card, assignment=task)
    assert again.assignment_id == task.pk


def test_only_the_evaluator_discards_and_only_a_draft(personas, draft, completed):
    other = services.evaluation_start(
        by=personas.supervisor_a, interaction=draft.interaction, scorecard=draft.scorecard
    )
    with pytest.raises(PermissionDenied):
        services.evaluation_discard(by=personas.evaluator, evaluation=other)
    with pytest.raises(ValidationError) as exc:
        services.evaluation_discard(by=personas.evaluator, evaluation=completed)
    assert "voided instead" in str(exc.value)
    assert Evaluation.objects.filter(pk__in=[other.pk, completed.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="evaluation.discarded").exists()


def test_a_calibration_draft_is_not_discarded_but_withdrawn_by_its_session(personas, draft):
    Evaluation.objects.filter(pk=draft.pk).update(source="calibration")
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.evaluation_discard(by=personas.evaluator, evaluation=draft)
    assert "calibration" in str(exc.value)


def test_the_page_offers_discard_with_a_confirmation_and_goes_back_to_the_interaction(client_for, personas, draft):
    client = client_for("evaluator")
    html = client.get(reverse("evaluations:detail", args=[draft.uuid])).content.decode()
    assert 'data-testid="discard-draft"' in html and "data-confirm=" in html
    response = client.post(reverse("evaluations:discard", args=[draft.uuid]))
    assert response.status_code == 302 and response.url == reverse("interactions:detail", args=[draft.interaction.uuid])
    assert not Evaluation.objects.filter(pk=draft.pk).exists()


def test_someone_else_cannot_discard_through_the_page(client_for, personas, draft):
    # a supervisor of the team does not see another person's draft at all
    assert client_for("supervisor_a").post(reverse("evaluations:discard", args=[draft.uuid])).status_code == 404
    assert client_for("evaluator").get(reverse("evaluations:discard", args=[draft.uuid])).status_code == 405
    assert Evaluation.objects.filter(pk=draft.pk).exists()


def test_the_api_discards_a_draft_and_refuses_a_submitted_evaluation(client_for, personas, card, completed):
    client = client_for("evaluator")
    draft = services.evaluation_start(by=personas.evaluator, interaction=_call("call-2"), scorecard=card)
    response = client.delete(f"/api/v1/evaluations/{completed.uuid}/draft")
    assert response.status_code == 400, response.content
    other = services.evaluation_start(
        by=personas.supervisor_a, interaction=draft.interaction, scorecard=draft.scorecard
    )
    assert client.delete(f"/api/v1/evaluations/{other.uuid}/draft").status_code == 404  # not in their scope
    assert client.delete(f"/api/v1/evaluations/{draft.uuid}/draft").status_code == 204
    assert not Evaluation.objects.filter(pk=draft.pk).exists()
    assert Evaluation.objects.filter(pk=completed.pk).exists()


# --- The next task after submitting -----------------------------------------------------------------


def test_after_submitting_the_evaluator_lands_on_the_task_due_first(client_for, personas, card, call):
    first = _task(personas, card, call, days=1)
    later = _task(personas, card, _call("call-later"), days=5)
    sooner = _task(personas, card, _call("call-sooner"), days=2)
    evaluation = services.evaluation_start(by=personas.evaluator, interaction=call, scorecard=card, assignment=first)
    client = client_for("evaluator")
    post = {f"qa_{k}": v for k, v in ANSWERS.items()} | {"lock_version": evaluation.lock_version}
    response = client.post(reverse("evaluations:submit", args=[evaluation.uuid]), post, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:task", args=[sooner.uuid])
    assert "Here is your next task, due first" in response.content.decode()
    assert later.uuid != sooner.uuid


def test_with_no_task_left_the_evaluator_lands_on_their_task_list_told_so(client_for, personas, draft):
    services.evaluation_save(by=personas.evaluator, evaluation=draft, answers=ANSWERS)
    draft.refresh_from_db()
    client = client_for("evaluator")
    post = {f"qa_{k}": v for k, v in ANSWERS.items()} | {"lock_version": draft.lock_version}
    response = client.post(reverse("evaluations:submit", args=[draft.uuid]), post, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:tasks")
    assert "You have no open tasks left." in response.content.decode()


def test_next_task_is_the_open_one_due_first(personas, card, call):
    assert selectors.next_task(viewer=personas.evaluator) is None
    late = _task(personas, card, call, days=3)
    early = _task(personas, card, _call("call-2"), days=1)
    assert selectors.next_task(viewer=personas.evaluator) == early
    early.status = AssignmentStatus.DONE
    early.save()
    assert selectors.next_task(viewer=personas.evaluator) == late


# --- The disputes queue ------------------------------------------------------------------------------


def _dispute(personas, evaluation):
    return services.evaluation_dispute(by=personas.agent_a1, evaluation=evaluation, items=[("greet", "I did greet")])


def test_a_dispute_must_be_answered_within_the_organisations_response_days(personas, completed):
    settings = OrgSettings.get()
    settings.dispute_response_days = 3
    settings.save()
    before = timezone.now()
    dispute = _dispute(personas, completed)
    assert before + timedelta(days=3) <= dispute.respond_by <= timezone.now() + timedelta(days=3)
    assert not selectors.dispute_is_overdue(dispute)
    assert selectors.dispute_is_overdue(dispute, now=timezone.now() + timedelta(days=4))


def test_the_queue_shows_interaction_deadline_and_a_human_age(client_for, personas, completed):
    dispute = _dispute(personas, completed)
    dispute.created_at = timezone.now() - timedelta(days=3, hours=2)
    dispute.respond_by = timezone.now() - timedelta(hours=5)
    dispute.save()
    html = client_for("supervisor_a").get(reverse("evaluations:disputes")).content.decode().replace("\xa0", " ")
    assert reverse("interactions:detail", args=[completed.interaction.uuid]) in html
    assert ">3 days<" in html  # the age
    assert 'data-testid="dispute-overdue"' in html and "5 hours ago" in html
    assert "0 minutes" not in html and "(s)" not in html


def test_the_queue_filters_by_overdue_agent_status_and_scorecard(client_for, personas, completed, card):
    dispute = _dispute(personas, completed)
    client = client_for("supervisor_a")
    url = reverse("evaluations:disputes")

    def listed(**params) -> bool:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return str(completed.interaction.uuid) in response.content.decode()

    assert listed() and listed(agent=str(personas.agent_a1.uuid), scorecard=str(card.uuid))
    assert listed(team=str(personas.team_a.uuid), evaluator=str(personas.evaluator.uuid))
    assert not listed(overdue="1")
    dispute.respond_by = timezone.now() - timedelta(minutes=1)
    dispute.save()
    assert listed(overdue="1")
    assert not listed(status="answered")
    assert listed(status="any")
    response = client.get(url, {"agent": str(personas.agent_b1.uuid)})  # out of the supervisor's choices
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_answered_disputes_leave_the_open_queue(personas, completed):
    _dispute(personas, completed)
    services.dispute_respond(
        by=personas.evaluator, evaluation=completed, responses={"greet": ("reaffirm", "It stands", "")}
    )
    assert not selectors.dispute_list(viewer=personas.supervisor_a).exists()
    assert selectors.dispute_list(viewer=personas.supervisor_a, status="answered").count() == 1
    assert not selectors.dispute_list(viewer=personas.manager_b, status="any").exists()  # another team


def test_the_api_lists_the_queue_with_the_same_filters(client_for, personas, completed):
    dispute = _dispute(personas, completed)
    client = client_for("supervisor_a")
    rows = client.get("/api/v1/disputes").json()["results"]
    assert [r["id"] for r in rows] == [str(dispute.uuid)]
    row = rows[0]
    assert row["interaction"] == str(completed.interaction.uuid) and row["questions"] == ["greet"]
    assert row["respond_by"] and row["overdue"] is False and row["agent"]["full_name"] == "Andy Agent"
    assert client.get("/api/v1/disputes", {"overdue": "true"}).json()["results"] == []
    assert client.get("/api/v1/disputes", {"status": "answered"}).json()["results"] == []
    assert client.get("/api/v1/disputes", {"status": "nonsense"}).status_code == 422
    assert client.get("/api/v1/disputes", {"agent": "not-a-uuid"}).status_code == 422
    assert client_for("manager_b").get("/api/v1/disputes").json()["results"] == []
    assert client_for("agent_a1").get("/api/v1/disputes").status_code == 403


# --- Texts ----------------------------------------------------------------------------------------------


def test_the_dispute_notice_counts_answers_properly(personas, completed):
    _dispute(personas, completed)
    note = Notification.objects.get(kind="evaluation.disputed")
    assert note.title == "Andy Agent disputed 1 answer of your evaluation"


def test_the_answer_mail_invites_no_further_dispute_once_the_limit_is_reached(personas, completed):
    _dispute(personas, completed)  # max_disputes defaults to 1
    services.dispute_respond(
        by=personas.evaluator, evaluation=completed, responses={"greet": ("reaffirm", "It stands", "")}
    )
    mail = OutboundEmail.objects.get(subject__startswith="Your dispute was answered")
    assert "dispute specific answers" not in mail.body_text
    assert "Please acknowledge it by" in mail.body_text
    assert "already been disputed 1 time, the most allowed" in mail.body_text


def test_the_answer_mail_still_invites_a_dispute_while_one_is_allowed(personas, completed):
    settings = OrgSettings.get()
    settings.max_disputes = 2
    settings.save()
    _dispute(personas, completed)
    services.dispute_respond(
        by=personas.evaluator, evaluation=completed, responses={"greet": ("reaffirm", "It stands", "")}
    )
    mail = OutboundEmail.objects.get(subject__startswith="Your dispute was answered")
    assert "acknowledge it or dispute specific answers by" in mail.body_text


def test_human_spans_of_time():
    now = timezone.now()

    def ago(value, now):
        return humanize.ago(value, now).replace("\xa0", " ")

    def age(value, now):
        return humanize.age(value, now).replace("\xa0", " ")

    def until(value, now):
        return humanize.until(value, now).replace("\xa0", " ")

    assert ago(now - timedelta(seconds=5), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5 minutes ago"
    assert age(now - timedelta(days=3, hours=4), now) == "3 days"
    assert age(now - timedelta(seconds=20), now) == "less than a minute"
    assert until(now + timedelta(days=2, hours=1), now) == "in 2 days"
    assert until(now - timedelta(hours=1), now) == "1 hour ago"


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("127.0.0.1:9123", "http://127.0.0.1:9123"),
        ("0.0.0.0:8080", "http://localhost:8080"),
        ("[::]:8443", "http://localhost:8443"),
        ("qa.internal:80", "http://qa.internal"),
        ("unix:/run/cxq.sock", "http://localhost"),
        ("", "http://localhost"),
    ],
)
def test_the_mail_links_default_to_the_address_the_server_binds(bind, url):
    assert base_url_from_bind(bind) == url


# --- Who counts as an agent ----------------------------------------------------------------------------


@pytest.fixture
def custom_agent(personas):
    """An agent of team A given a custom role (the agent's permissions under another name)."""
    role = Role.objects.create(key="senior-agent", name="Senior agent", permissions=["interactions.view"])
    user = User.objects.create_user(email="sia@example.com", password="x" * 12, full_name="Sia Senior", role=role)
    personas.team_a.members.add(user)
    return user


def test_agents_are_team_members_or_people_who_answer_for_their_evaluations(personas, custom_agent):
    loner = User.objects.create_user(
        email="loner@example.com", full_name="Lou Loner", role=Role.objects.get(key="agent")
    )
    everyone = set(agents_in_scope(viewer=personas.admin))
    assert {personas.agent_a1, personas.agent_b1, custom_agent, loner} <= everyone
    assert not everyone & {personas.admin, personas.supervisor_a, personas.evaluator, personas.norole}
    assert set(agents_in_scope(viewer=personas.supervisor_a)) == {personas.agent_a1, custom_agent}
    custom_agent.is_active = False
    custom_agent.save()
    assert custom_agent not in agents_in_scope(viewer=personas.admin)
    assert personas.evaluator in evaluators_in_scope(viewer=personas.supervisor_a)


def test_an_agent_with_a_custom_role_appears_in_every_agent_picker(client_for, personas, custom_agent, completed):
    client = client_for("supervisor_a")
    html = client.get(reverse("interactions:new")).content.decode()
    assert f'value="{custom_agent.uuid}"' in html
    # the lists' filters pick agents by autocomplete (docs/interactions.md#pickers): the agents' endpoint
    # offers them, and a chosen one is rendered with its name after a reload
    found = client.get(reverse("accounts:pick_agents"), {"q": "sia"}).json()["results"]
    assert found == [{"value": str(custom_agent.uuid), "text": "Sia Senior"}]
    for url in (
        reverse("interactions:list"),
        reverse("evaluations:list"),
        reverse("evaluations:disputes"),
        reverse("analytics:breakdown"),
    ):
        html = client.get(url, {"agent": str(custom_agent.uuid)}).content.decode()
        assert f'<option value="{custom_agent.uuid}" selected>Sia Senior</option>' in html, url
    html = client_for("admin").get(reverse("accounts:team_create")).content.decode()
    assert "Sia Senior" in html
