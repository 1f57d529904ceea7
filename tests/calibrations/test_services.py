from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cxq.audit.models import AuditEvent
from cxq.calibrations import selectors, services
from cxq.calibrations.choices import SessionStatus
from cxq.calibrations.models import Assessor, Session
from cxq.evaluations import services as ev
from cxq.evaluations.choices import Source, Status
from cxq.evaluations.models import Evaluation
from cxq.notifications.models import Notification, OutboundEmail
from cxq.scorecards import services as sc
from tests.calibrations.conftest import score
from tests.scorecards.conftest import DOC

# --- Creating a session ------------------------------------------------------------------------------


def test_creating_a_session_invites_every_assessor_by_email_and_in_the_app(personas, session):
    people = {personas.evaluator, personas.supervisor_a, personas.admin}
    assert {a.user for a in session.assessors.all()} == people
    for person in people:
        mail = OutboundEmail.objects.get(to=person.email)
        assert session.name in mail.subject
        assert f"/calibrations/{session.uuid}/" in mail.body_text
        assert "Support QA" in mail.body_text
        assert Notification.objects.filter(recipient=person, kind="calibration.invited").exists()
    assert "benchmark" in OutboundEmail.objects.get(to=personas.admin.email).body_text
    event = AuditEvent.objects.get(action="calibration.created")
    assert event.after["benchmark"] == personas.admin.email


def test_the_benchmark_counts_as_an_assessor_and_the_version_is_pinned(personas, card, call, due):
    session = services.session_create(
        by=personas.supervisor_a,
        name="Pair",
        scorecard=card,
        interaction=call,
        assessors=[personas.evaluator],
        benchmark=personas.supervisor_a,
        due_at=due,
    )
    assert session.assessors.count() == 2
    assert session.version == card.current_version
    assert session.agent == personas.agent_a1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "   "}, "name"),
        ({"assessors": "one"}, "assessors"),
        ({"due_at": "past"}, "due_at"),
        ({"assessors": "agent"}, "assessors"),
        ({"assessors": "out-of-scope"}, "assessors"),
        ({"scorecard": "draft"}, "scorecard"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(personas, card, call, due, change, field):
    people = {
        "one": [personas.evaluator],
        "agent": [personas.evaluator, personas.agent_a1],
        "out-of-scope": [personas.evaluator, personas.manager_b],
    }
    args = {
        "by": personas.supervisor_a,
        "name": "Session",
        "scorecard": card,
        "interaction": call,
        "assessors": [personas.evaluator, personas.supervisor_a],
        "due_at": due,
    }
    if "name" in change:
        args["name"] = change["name"]
    if "assessors" in change:
        args["assessors"] = people[change["assessors"]]
    if "due_at" in change:
        args["due_at"] = timezone.now() - timedelta(hours=1)
    if "scorecard" in change:
        args["scorecard"] = sc.scorecard_create(by=personas.admin, document={**DOC, "name": "Draft"})
    with pytest.raises(ValidationError) as exc:
        services.session_create(**args)
    assert field in exc.value.message_dict
    assert not Session.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_only_managers_who_see_the_interaction_create_sessions(personas, card, call, due):
    args = {"name": "S", "scorecard": card, "interaction": call, "due_at": due}
    with pytest.raises(PermissionDenied):  # evaluators take part but do not manage
        services.session_create(by=personas.evaluator, assessors=[personas.admin, personas.supervisor_a], **args)
    with pytest.raises(PermissionDenied):  # manager_b leads team B only
        services.session_create(by=personas.manager_b, assessors=[personas.admin, personas.supervisor_a], **args)
    assert not Session.objects.exists()


# --- Scoring -----------------------------------------------------------------------------------------


def test_an_assessor_scores_with_an_ordinary_calibration_evaluation_pinned_to_the_session_version(
    personas, session, card
):
    changed = {**DOC, "pass_mark": 60}
    sc.scorecard_update(by=personas.admin, scorecard=card, document=changed, change_note="Lower pass mark")
    card.refresh_from_db()
    assert card.current_version.number == 2  # republished since the session opened
    draft = services.assessor_start(by=personas.evaluator, session=session)
    assert draft.source == Source.CALIBRATION and draft.status == Status.DRAFT
    assert draft.version_id == session.version_id
    assert services.assessor_start(by=personas.evaluator, session=session) == draft  # resumes the same draft
    assert Assessor.objects.get(session=session, user=personas.evaluator).evaluation == draft


def test_submitting_completes_without_acknowledgement_and_the_agent_is_not_told(personas, session):
    evaluation = score(session, personas.evaluator, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    assert evaluation.status == Status.COMPLETED  # the organisation requires acknowledgement by default
    assert evaluation.ack_due_at is None
    assert not Notification.objects.filter(recipient=personas.agent_a1).exists()
    assert not OutboundEmail.objects.filter(to=personas.agent_a1.email).exists()
    with pytest.raises(ValidationError):
        services.assessor_start(by=personas.evaluator, session=session)


def test_someone_who_is_not_an_assessor_cannot_start(personas, session):
    with pytest.raises(PermissionDenied):
        services.assessor_start(by=personas.manager_b, session=session)


# --- Assessors and closing ------------------------------------------------------------------------------


def test_adding_an_assessor_invites_them_and_adding_twice_is_refused(personas, session, team_a_evaluators):
    extra = team_a_evaluators[0]
    services.assessor_add(by=personas.supervisor_a, session=session, user=extra)
    assert OutboundEmail.objects.filter(to=extra.email).count() == 1
    with pytest.raises(ValidationError):
        services.assessor_add(by=personas.supervisor_a, session=session, user=extra)
    assert AuditEvent.objects.filter(action="calibration.assessor_added").count() == 1


def test_removing_an_assessor_withdraws_their_draft(personas, session):
    draft = score(session, personas.evaluator, {"greet": "no"}, submit=False)
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.evaluator)
    draft.refresh_from_db()
    assert draft.status == Status.VOIDED
    with pytest.raises(ValidationError):
        ev.evaluation_save(by=personas.evaluator, evaluation=draft, answers={"greet": "yes"})
    with pytest.raises(PermissionDenied):
        services.assessor_start(by=personas.evaluator, session=session)
    assert selectors.session_report(session).assigned == 2
    assert AuditEvent.objects.filter(action="calibration.assessor_removed").exists()


def test_a_removed_assessor_who_comes_back_gets_their_old_seat_and_draft(personas, session, team_a_evaluators):
    services.assessor_add(by=personas.supervisor_a, session=session, user=team_a_evaluators[0])
    draft = score(session, personas.evaluator, {"greet": "no"}, submit=False)
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.evaluator)
    seat = services.assessor_add(by=personas.supervisor_a, session=session, user=personas.evaluator)
    assert Assessor.objects.filter(session=session, user=personas.evaluator).count() == 1
    back = services.assessor_start(by=personas.evaluator, session=session)
    assert back.pk == draft.pk == seat.evaluation_id
    assert back.status == Status.DRAFT and back.answers.get("greet") == "no"  # as they left it
    assert back.events.filter(kind="evaluation.restored").exists()
    ev.evaluation_save(by=personas.evaluator, evaluation=back, answers={"greet": "yes"}, lock_version=back.lock_version)


def test_a_manager_who_removes_themselves_stays_blind(client_for, personas, session, team_a_evaluators):
    """Leaving a session before submitting must not open everyone's answers, the average or the CSV."""
    services.assessor_add(by=personas.supervisor_a, session=session, user=team_a_evaluators[0])
    score(session, personas.evaluator, {"greet": "no"})
    assert selectors.is_blind(viewer=personas.supervisor_a, session=session)
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.supervisor_a)
    assert selectors.is_blind(viewer=personas.supervisor_a, session=session)
    listed = selectors.session_list(viewer=personas.supervisor_a).get(pk=session.pk)
    assert listed.blind
    client = client_for("supervisor_a")
    api = client.get(f"/api/v1/calibrations/{session.uuid}").json()
    assert api["blind"] is True and api["statistics"] is None
    assert client.get(f"/calibrations/{session.uuid}/export.csv").status_code in (403, 404)
    # back in the session: the same seat, still blind until they submit
    services.assessor_add(by=personas.supervisor_a, session=session, user=personas.supervisor_a)
    assert Assessor.objects.filter(session=session, user=personas.supervisor_a).count() == 1
    assert selectors.is_blind(viewer=personas.supervisor_a, session=session)
    score(session, personas.supervisor_a, {"greet": "yes"})
    assert not selectors.is_blind(viewer=personas.supervisor_a, session=session)


def test_an_assessor_removed_after_submitting_still_sees_what_they_saw(personas, session):
    score(session, personas.supervisor_a, {"greet": "yes"})
    services.assessor_remove(by=personas.admin, session=session, user=personas.supervisor_a)
    assert not selectors.is_blind(viewer=personas.supervisor_a, session=session)


def test_removing_the_benchmark_leaves_no_benchmark(personas, session):
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.admin)
    session.refresh_from_db()
    assert session.benchmark is None


def test_a_session_keeps_at_least_two_assessors(personas, session):
    services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.admin)
    with pytest.raises(ValidationError):
        services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.evaluator)
    assert session.assessors.filter(removed_at__isnull=True).count() == 2


def test_only_managers_in_scope_change_assessors_or_close(personas, session, team_a_evaluators):
    for who in (personas.evaluator, personas.manager_b):
        with pytest.raises(PermissionDenied):
            services.assessor_add(by=who, session=session, user=team_a_evaluators[0])
        with pytest.raises(PermissionDenied):
            services.session_close(by=who, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN


def test_closing_withdraws_unsubmitted_drafts_and_refuses_changes_afterwards(personas, session, team_a_evaluators):
    submitted = score(session, personas.admin, {"greet": "yes", "disclosure": "yes"})
    draft = score(session, personas.evaluator, {"greet": "no"}, submit=False)
    services.session_close(by=personas.supervisor_a, session=session)
    session.refresh_from_db()
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.closed_at
    assert draft.status == Status.VOIDED and submitted.status == Status.COMPLETED
    with pytest.raises(ValidationError):
        ev.evaluation_submit(by=personas.evaluator, evaluation=draft)
    for action in (
        lambda: services.session_close(by=personas.supervisor_a, session=session),
        lambda: services.assessor_add(by=personas.supervisor_a, session=session, user=team_a_evaluators[0]),
        lambda: services.assessor_remove(by=personas.supervisor_a, session=session, user=personas.admin),
        lambda: services.assessor_start(by=personas.supervisor_a, session=session),
    ):
        with pytest.raises(ValidationError):
            action()
    assert AuditEvent.objects.filter(action="calibration.closed").count() == 1
    assert Notification.objects.filter(kind="calibration.closed").count() == 3


# --- Tasks and the marker ------------------------------------------------------------------------------


def test_open_calibrations_are_tasks_until_submitted(personas, session):
    assert [s.session for s in selectors.open_tasks(viewer=personas.evaluator)] == [session]
    score(session, personas.evaluator, {"greet": "yes", "disclosure": "yes"})
    assert not selectors.open_tasks(viewer=personas.evaluator).exists()
    assert selectors.open_tasks(viewer=personas.admin).count() == 1


def test_the_marker_lists_open_sessions_to_staff_but_not_to_agents(personas, session, call):
    assert selectors.open_sessions_for(viewer=personas.evaluator, interaction_id=call.pk) == [(session, True)]
    assert selectors.open_sessions_for(viewer=personas.agent_a1, interaction_id=call.pk) == []
    services.session_close(by=personas.supervisor_a, session=session)
    assert selectors.open_sessions_for(viewer=personas.evaluator, interaction_id=call.pk) == []


# --- Scope and the list ------------------------------------------------------------------------------


def test_sessions_are_scoped_and_searchable_with_completion_and_average(personas, session):
    score(session, personas.evaluator, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    score(session, personas.admin, {"greet": "no", "tone": 3, "disclosure": "yes"})
    rows = list(selectors.session_list(viewer=personas.supervisor_a, q="novem"))
    assert [r.pk for r in rows] == [session.pk]
    row = rows[0]
    assert (row.assigned, row.completed) == (3, 2)
    scores = [
        float(v) for v in Evaluation.objects.filter(status=Status.COMPLETED).values_list("score_percent", flat=True)
    ]
    assert len(scores) == 2
    assert float(row.average) == pytest.approx(sum(scores) / 2)
    assert not selectors.session_list(viewer=personas.supervisor_a, q="december").exists()
    assert not selectors.session_list(viewer=personas.supervisor_a, status="closed").exists()
    assert not selectors.session_scope(viewer=personas.manager_b).exists()
    assert not selectors.session_scope(viewer=personas.agent_a1).exists()
    assert selectors.session_scope(viewer=personas.evaluator).count() == 1


def test_the_report_is_redacted_for_a_blind_viewer_in_the_selector(personas, session):
    """Blindness is applied once, where the report is built: the page, API and CSV get nothing to leak."""
    score(session, personas.evaluator, {"greet": "no"}, comment="Rushed opening")
    hidden = selectors.session_report(session, viewer=personas.supervisor_a)
    assert hidden.blind and hidden.completed == 1 and hidden.assigned == 3
    assert hidden.questions == [] and hidden.spread.mean is None and hidden.alpha_nominal is None
    done = next(r for r in hidden.rows if r.seat.user == personas.evaluator)
    assert done.submitted and done.score is None and done.answers == {} and done.comment == ""
    seen = selectors.session_report(session, viewer=personas.evaluator)
    assert not seen.blind and seen.spread.mean is not None and seen.questions
