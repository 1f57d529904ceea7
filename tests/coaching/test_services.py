"""Coaching services: statuses, transitions refused with clear errors, scope (docs/coaching.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cxq.coaching import selectors, services
from cxq.coaching.models import CoachingSession
from cxq.events import Name
from cxq.notifications.models import OutboundEmail
from tests.coaching.conftest import FocusInput, session_input


def _errors(exc) -> dict:
    return {k: " ".join(v) for k, v in exc.value.message_dict.items()}


def test_it_schedules_a_session_with_its_focus_and_invites_the_agent(personas, session):
    assert session.status == "scheduled"
    assert [a.agent for a in session.attendees.all()] == [personas.agent_a1]
    kinds = [f.kind for f in session.focus.all()]
    assert kinds == ["evaluation", "question", "note"]
    question = session.focus.get(kind="question")
    assert question.question_key == "greet" and question.question_text
    mail = OutboundEmail.objects.exclude(calendar="").get(to=personas.agent_a1.email)
    assert "METHOD:REQUEST" in mail.calendar
    assert "Greeting practice" in mail.subject


def test_it_publishes_the_agreed_payload(personas, evaluation, monkeypatch):
    seen = []
    from cxq.events import Phase, bus

    monkeypatch.setattr(bus, "_registry", {**bus._registry})
    bus._registry[Name.COACHING_SCHEDULED] = [bus.Subscription(seen.append, Phase.PROJECTION)]
    s = services.session_create(
        by=personas.supervisor_a, data=session_input(personas.supervisor_a, [personas.agent_a1])
    )
    data = seen[0].data
    assert data["session_id"] == s.pk and data["agent_ids"] == [personas.agent_a1.pk]
    assert data["coach_id"] == personas.supervisor_a.pk and data["title"] == "Greeting practice"
    assert data["starts_at"] == s.starts_at.isoformat() and data["ends_at"] == s.ends_at.isoformat()
    assert data["organization_id"] == 1


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"meeting_url": ""}, "meeting_url", "link"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url", "https://"),
        ({"kind": "in_person", "location": ""}, "location", "required"),
        ({"kind": "async", "due_at": None}, "due_at", "due date"),
        ({"kind": "async", "due_at": timezone.now() + timedelta(days=1)}, "material", "Say what"),
        ({"starts_at": timezone.now() - timedelta(days=1)}, "starts_at", "past"),
        ({"duration_minutes": 1}, "duration_minutes", "Between"),
        ({"title": " "}, "title", "required"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(personas, extra, field, words):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            by=personas.supervisor_a, data=session_input(personas.supervisor_a, [personas.agent_a1], **extra)
        )
    assert words in _errors(exc)[field]
    assert not CoachingSession.objects.exists()


def test_agents_outside_scope_and_self_coaching_are_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            by=personas.supervisor_a, data=session_input(personas.supervisor_a, [personas.agent_b1])
        )
    assert "not an agent in your scope" in _errors(exc)["agents"]
    with pytest.raises(PermissionDenied):
        services.session_create(by=personas.evaluator, data=session_input(personas.evaluator, [personas.agent_a1]))


def test_a_focus_evaluation_must_be_about_the_agents(personas, evaluation):
    from tests.coaching.conftest import completed_evaluation

    other = completed_evaluation(personas.manager_b, personas.agent_b1, external_id="coach-b")
    data = session_input(personas.admin, [personas.agent_a1], focus=[FocusInput(kind="evaluation", evaluation=other)])
    with pytest.raises(ValidationError) as exc:
        services.session_create(by=personas.admin, data=data)
    assert "not about one of the agents" in _errors(exc)["focus"]
    data.focus = [FocusInput(kind="question", evaluation=evaluation, question_key="nope")]
    with pytest.raises(ValidationError) as exc:
        services.session_create(by=personas.admin, data=data)
    assert "no question 'nope'" in _errors(exc)["focus"]


def test_statuses_move_and_closed_sessions_refuse_transitions(personas, session):
    sup = personas.supervisor_a
    done = services.session_complete(
        by=sup, session=session, outcome_notes="Went well", follow_ups=["Read script", " "]
    )
    assert done.status == "completed" and [f.text for f in done.follow_ups.all()] == ["Read script"]
    with pytest.raises(ValidationError) as exc:
        services.session_cancel(by=sup, session=done)
    assert _errors(exc)["status"] == "A completed session cannot be cancelled."
    with pytest.raises(ValidationError) as exc:
        services.session_update(by=sup, session=done, data=session_input(sup, [personas.agent_a1]))
    assert _errors(exc)["status"] == "A completed session cannot be edited."


def test_completing_needs_an_outcome(personas, session):
    with pytest.raises(ValidationError) as exc:
        services.session_complete(by=personas.supervisor_a, session=session, outcome_notes="", follow_ups=[])
    assert "required" in _errors(exc)["outcome_notes"]
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_a_session_not_ended_cannot_be_marked_missed_by_hand(personas, session):
    with pytest.raises(ValidationError) as exc:
        services.session_mark_missed(by=personas.supervisor_a, session=session)
    assert "not ended yet" in _errors(exc)["status"]


def test_the_sweep_marks_past_sessions_missed_after_the_grace_period_once(personas, session):
    CoachingSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=23))
    assert services.mark_missed_due() == 0
    CoachingSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=26))
    assert services.mark_missed_due() == 1
    assert services.mark_missed_due() == 0
    session.refresh_from_db()
    assert session.status == "missed"
    # a missed session can be rescheduled: scheduled again, new invite revision
    data = session_input(personas.supervisor_a, [personas.agent_a1])
    again = services.session_update(by=personas.supervisor_a, session=session, data=data)
    assert again.status == "scheduled" and again.sequence == 1


def test_rescheduling_bumps_the_sequence_and_a_focus_change_does_not(personas, session):
    sup = personas.supervisor_a
    same = session_input(
        sup, [personas.agent_a1], starts_at=session.starts_at, focus=[FocusInput(kind="note", note="x")]
    )
    s = services.session_update(by=sup, session=session, data=same)
    assert s.sequence == 0 and [f.note for f in s.focus.all()] == ["x"]
    moved = session_input(sup, [personas.agent_a1], starts_at=session.starts_at + timedelta(hours=1))
    s = services.session_update(by=sup, session=s, data=moved)
    assert s.sequence == 1
    assert OutboundEmail.objects.filter(to=personas.agent_a1.email).exclude(calendar="").count() == 2


def test_the_agent_acknowledges_once_and_others_cannot(personas, session):
    with pytest.raises(PermissionDenied):
        services.session_acknowledge(by=personas.agent_b1, session=session)
    services.session_acknowledge(by=personas.agent_a1, session=session)
    with pytest.raises(ValidationError) as exc:
        services.session_acknowledge(by=personas.agent_a1, session=session)
    assert "You acknowledged this session" in _errors(exc)["status"]


def test_follow_ups_are_ticked_by_the_agent_not_by_others(personas, session):
    done = services.session_complete(by=personas.supervisor_a, session=session, outcome_notes="ok", follow_ups=["A"])
    item = done.follow_ups.get()
    services.follow_up_set_done(by=personas.agent_a1, follow_up=item, done=True)
    item.refresh_from_db()
    assert item.done_at is not None and item.done_by == personas.agent_a1
    with pytest.raises(PermissionDenied):
        services.follow_up_set_done(by=personas.evaluator, follow_up=item, done=False)


def test_scope_coach_agent_lead_admin_and_outsiders(personas, session):
    def sees(user):
        return selectors.session_scope(viewer=user).filter(pk=session.pk).exists()

    assert sees(personas.supervisor_a) and sees(personas.agent_a1) and sees(personas.admin)
    assert not sees(personas.agent_b1) and not sees(personas.manager_b) and not sees(personas.norole)
    # the evaluator leads team A but does not coach: only sessions they run or attend
    assert not sees(personas.evaluator)


def test_the_evaluation_lists_the_sessions_about_it_both_ways(personas, session, evaluation):
    assert selectors.sessions_about_evaluation(viewer=personas.agent_a1, evaluation=evaluation) == [session]
    assert selectors.sessions_about_evaluation(viewer=personas.manager_b, evaluation=evaluation) == []


def test_the_board_sorts_upcoming_to_acknowledge_and_history(personas, session):
    board = selectors.board(viewer=personas.agent_a1)
    assert board.upcoming == [session] and board.to_acknowledge == [session]
    services.session_cancel(by=personas.supervisor_a, session=session, reason="Sick")
    board = selectors.board(viewer=personas.agent_a1)
    assert board.upcoming == [] and board.to_acknowledge == [] and [s.pk for s in board.history] == [session.pk]


def test_the_board_shows_the_first_of_each_list_in_order_and_counts_the_rest(personas, monkeypatch, client):
    """docs/coaching.md#where-it-shows: each list holds BOARD_ROWS, the rest are counted, to-dos included."""
    monkeypatch.setattr(selectors, "BOARD_ROWS", 2)
    sup, agent = personas.supervisor_a, personas.agent_a1
    soon = timezone.now().replace(microsecond=0) + timedelta(days=1)
    made = [
        services.session_create(
            by=sup, data=session_input(sup, [agent], title=f"S{n}", starts_at=soon + timedelta(hours=n))
        )
        for n in (3, 1, 4, 2, 0)
    ]
    for s in made[:3]:  # S3, S1, S4 completed with two follow-ups each, not acknowledged
        services.session_complete(by=sup, session=s, outcome_notes="ok", follow_ups=[f"{s.title}-a", f"{s.title}-b"])
    board = selectors.board(viewer=agent)
    assert [s.title for s in board.upcoming] == ["S0", "S2"] and board.more["upcoming"] == 0
    assert [s.title for s in board.to_acknowledge] == ["S0", "S1"] and board.more["to_acknowledge"] == 3
    assert [f.text for f in board.follow_ups] == ["S1-a", "S1-b"] and board.more["follow_ups"] == 4
    assert board.todo_count == 5 + 6
    coach = selectors.board(viewer=sup)
    assert coach.to_acknowledge == [] and [s.title for s in coach.upcoming] == ["S0", "S2"]
    client.force_login(agent)
    page = client.get("/coaching/").content.decode()
    assert "3 more to acknowledge" in page and "4 more follow-ups" in page and "S1-b" in page and "S3-a" not in page


def test_the_board_tells_an_ended_session_from_one_in_progress_by_its_end(personas):
    """Ended (start + duration, or an asynchronous session's due time, in the past): the coach's outcome to
    record; started but not ended: still upcoming. Decided in SQL on both databases."""
    sup, agent = personas.supervisor_a, personas.agent_a1
    now = timezone.now()
    made = {
        title: services.session_create(by=sup, data=session_input(sup, [agent], title=title))
        for title in ("ended", "in progress", "async overdue", "async due")
    }
    CoachingSession.objects.filter(pk=made["ended"].pk).update(starts_at=now - timedelta(minutes=31))
    CoachingSession.objects.filter(pk=made["in progress"].pk).update(
        starts_at=now - timedelta(minutes=100), duration_minutes=120
    )
    for title, due in (("async overdue", now - timedelta(minutes=1)), ("async due", now + timedelta(hours=1))):
        CoachingSession.objects.filter(pk=made[title].pk).update(kind="async", starts_at=None, due_at=due)
    board = selectors.board(viewer=sup, now=now)
    assert [s.title for s in board.to_complete] == ["ended", "async overdue"]
    assert [s.title for s in board.upcoming] == ["in progress", "async due"]
    assert selectors.board(viewer=agent, now=now).to_complete == []  # only the coach records the outcome


def test_the_coach_sees_the_questions_the_agent_fails_most_and_the_weekly_scores(personas):
    from tests.coaching.conftest import completed_evaluation

    for n in range(3):
        completed_evaluation(personas.evaluator, personas.agent_a1, external_id=f"weak-{n}")
    weak = selectors.weak_questions(viewer=personas.supervisor_a, agent=personas.agent_a1)
    assert weak and weak[0]["question_key"] == "greet" and weak[0]["n"] == 3
    assert selectors.weak_questions(viewer=personas.manager_b, agent=personas.agent_a1) == []  # not their team
    assert selectors.weak_questions(viewer=personas.agent_a1, agent=personas.agent_a1) == []  # agents do not coach
    weeks = selectors.weekly_scores(viewer=personas.agent_a1, agent=personas.agent_a1)
    assert sum(p["count"] for p in weeks) == 3
    assert selectors.weekly_scores(viewer=personas.agent_b1, agent=personas.agent_a1) == []


def test_an_asynchronous_session_books_the_time_set_aside_before_its_due_time(personas, monkeypatch):
    from cxq.events import Phase, bus

    seen = []
    monkeypatch.setattr(bus, "_registry", {**bus._registry})
    bus._registry[Name.COACHING_SCHEDULED] = [bus.Subscription(seen.append, Phase.PROJECTION)]
    due = timezone.now() + timedelta(days=2)
    data = session_input(
        personas.supervisor_a, [personas.agent_a1], kind="async", due_at=due, material="Read", duration_minutes=20
    )
    services.session_create(by=personas.supervisor_a, data=data)
    assert seen[0].data["ends_at"] == due.isoformat()
    assert seen[0].data["starts_at"] == (due - timedelta(minutes=20)).isoformat()
