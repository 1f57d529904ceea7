"""Evaluation goals (docs/goals.md): periods, the fair draw, recent and unevaluated only, idempotence,
edits from the next period, progress and the pages."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from cxq.accounts.models import OrgSettings, User
from cxq.evaluations.choices import AssignmentStatus, Source
from cxq.evaluations.models import Assignment
from cxq.evaluations.services import evaluation_start, evaluation_submit, evaluation_void
from cxq.goals import selectors, services
from cxq.goals.models import GoalPeriod, GoalTask
from cxq.goals.periods import period_at, period_days
from cxq.goals.sampling import fair_shares, spread
from cxq.goals.services import GoalInput
from cxq.interactions.models import Interaction
from cxq.scorecards import services as sc
from tests.conftest import make_user
from tests.scorecards.conftest import DOC

# --- periods -------------------------------------------------------------------------------------------


def test_periods_are_days_weeks_months_or_the_whole_goal_clipped_to_its_dates():
    start, end = date(2026, 11, 4), date(2026, 12, 10)  # a Wednesday
    assert period_days("daily", date(2026, 11, 5), starts_on=start, ends_on=end) == (
        date(2026, 11, 5),
        date(2026, 11, 6),
    )
    assert period_days("weekly", date(2026, 11, 4), starts_on=start, ends_on=end) == (
        date(2026, 11, 4),
        date(2026, 11, 9),
    )
    assert period_days("weekly", date(2026, 11, 12), starts_on=start, ends_on=end) == (
        date(2026, 11, 9),
        date(2026, 11, 16),
    )
    assert period_days("monthly", date(2026, 12, 3), starts_on=start, ends_on=end) == (
        date(2026, 12, 1),
        date(2026, 12, 11),
    )
    assert period_days("once", date(2026, 11, 20), starts_on=start, ends_on=end) == (start, date(2026, 12, 11))
    assert period_days("daily", date(2026, 11, 3), starts_on=start, ends_on=end) is None
    assert period_days("daily", date(2026, 12, 11), starts_on=start, ends_on=end) is None


def test_a_period_starts_at_local_midnight_in_the_organisations_time_zone():
    zone = ZoneInfo("America/New_York")
    # 02:00 UTC on the 5th is still the 4th in New York
    first, after = period_at(
        "daily", datetime(2026, 11, 5, 2, tzinfo=UTC), zone, starts_on=date(2026, 1, 1), ends_on=None
    )
    assert first == datetime(2026, 11, 4, tzinfo=zone) and after == datetime(2026, 11, 5, tzinfo=zone)
    assert first.astimezone(UTC) == datetime(2026, 11, 4, 5, tzinfo=UTC)


# --- the fair split, as properties ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    eligible=st.dictionaries(st.integers(0, 40), st.integers(0, 30), max_size=25),
    total=st.integers(0, 400),
    seed=st.integers(),
)
def test_fair_shares_give_everyone_their_share_and_over_sample_nobody(eligible, total, seed):
    shares = fair_shares(eligible, total, random.Random(seed))
    assert set(shares) == set(eligible)
    assert sum(shares.values()) == min(total, sum(eligible.values()))
    for agent, share in shares.items():
        assert 0 <= share <= eligible[agent]
        if share < eligible[agent]:  # still had interactions: nobody got more than one above them
            assert all(other <= share + 1 for other in shares.values())


def test_fair_shares_exact_example():
    shares = fair_shares({"a": 1, "b": 10, "c": 10, "d": 3}, 12, random.Random(1))
    assert shares["a"] == 1 and shares["d"] == 3
    assert sorted([shares["b"], shares["c"]]) == [4, 4]


@settings(max_examples=200, deadline=None)
@given(tasks=st.integers(0, 60), evaluators=st.integers(1, 6), seed=st.integers())
def test_the_work_is_spread_evenly_over_the_evaluators(tasks, evaluators, seed):
    given_to = spread(list(range(tasks)), list(range(evaluators)), lambda e, t: True, random.Random(seed))
    loads = [list(given_to.values()).count(e) for e in range(evaluators)]
    assert sum(loads) == tasks and max(loads) - min(loads) <= 1


def test_spread_never_gives_a_task_to_someone_not_allowed_and_respects_the_cap():
    given_to = spread(list(range(10)), ["x", "y"], lambda e, t: not (e == "x" and t % 2), random.Random(3), cap=4)
    assert all(e == "y" for t, e in given_to.items() if t % 2)
    assert list(given_to.values()).count("x") <= 4 and list(given_to.values()).count("y") <= 4


# --- generation against the database ------------------------------------------------------------------------

NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def card(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


@pytest.fixture
def agents(personas):
    """Three agents in team A (agent_a1 and two more) and agent_b1 in team B."""
    more = [make_user(f"a{i}@example.com", f"Agent {i}", "agent") for i in (2, 3)]
    personas.team_a.members.add(*more)
    return [personas.agent_a1, *more]


def calls(agent, team, n, *, days_ago=1, channel="voice", queue="billing", base=None):
    base = base or NOW
    return [
        Interaction.objects.create(
            agent=agent,
            team=team,
            channel=channel,
            queue=queue,
            started_at=base - timedelta(days=days_ago, minutes=i),
        )
        for i in range(n)
    ]


def goal_input(card, evaluators, **changes) -> GoalInput:
    values = dict(
        name="Weekly QA",
        scorecard=card,
        evaluators=evaluators,
        target=2,
        target_per="agent",
        recurrence="weekly",
        starts_on=date(2026, 11, 1),
        ends_on=None,
        recent_days=7,
        condition={"all": []},
    )
    values.update(changes)
    return GoalInput(**values)


def second_evaluator(personas) -> User:
    other = make_user("eval2@example.com", "Evan Evaluator", "evaluator")
    personas.team_a.leads.add(other)
    return other


def test_each_agent_gets_the_target_or_all_they_have_and_the_work_is_split_evenly(personas, card, agents):
    e2 = second_evaluator(personas)
    calls(agents[0], personas.team_a, 5)
    calls(agents[1], personas.team_a, 1)
    calls(agents[2], personas.team_a, 3)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator, e2], target=2))
    period = services.period_generate(goal=goal, now=NOW, rng=random.Random(7))
    tasks = list(GoalTask.objects.filter(period=period).select_related("assignment"))
    per_agent = {a.pk: sum(t.agent_id == a.pk for t in tasks) for a in agents}
    assert per_agent == {agents[0].pk: 2, agents[1].pk: 1, agents[2].pk: 2}
    loads = sorted(sum(t.evaluator_id == e.pk for t in tasks) for e in (personas.evaluator, e2))
    assert loads == [2, 3]
    for task in tasks:
        assert task.assignment.source == Source.GOAL
        assert task.assignment.interaction.agent_id == task.agent_id
        assert task.assignment.due_at == period.ends_at
        assert task.assignment.assignee_id == task.evaluator_id
    # period: Monday 2 Nov → Monday 9 Nov in the organisation's zone (UTC here)
    assert period.starts_at == datetime(2026, 11, 2, tzinfo=UTC) and period.ends_at == datetime(2026, 11, 9, tzinfo=UTC)
    assert (period.eligible, period.drawn) == (9, 5)


def test_a_per_evaluator_target_is_shared_fairly_over_the_agents(personas, card, agents):
    calls(agents[0], personas.team_a, 10)
    calls(agents[1], personas.team_a, 1)
    calls(agents[2], personas.team_a, 10)
    goal = services.goal_create(
        by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=7, target_per="evaluator")
    )
    period = services.period_generate(goal=goal, now=NOW, rng=random.Random(1))
    counts = sorted(GoalTask.objects.filter(period=period, agent=a).count() for a in agents)
    assert counts == [1, 3, 3]
    assert GoalTask.objects.filter(period=period, evaluator=personas.evaluator).count() == 7


def test_only_recent_unevaluated_matching_interactions_in_the_evaluators_scope_are_drawn(personas, card, agents):
    fresh = calls(agents[0], personas.team_a, 1)[0]
    calls(agents[0], personas.team_a, 1, days_ago=9)  # too old
    calls(agents[0], personas.team_a, 1, channel="chat")  # does not match
    evaluated = calls(agents[0], personas.team_a, 1)[0]
    evaluation_start(by=personas.evaluator, interaction=evaluated, scorecard=card)
    voided = calls(agents[0], personas.team_a, 1)[0]
    evaluation_void(
        by=personas.supervisor_a,
        evaluation=evaluation_start(by=personas.evaluator, interaction=voided, scorecard=card),
        reason="Wrong card",
    )
    tasked = calls(agents[0], personas.team_a, 1)[0]
    Assignment.objects.create(
        interaction=tasked, scorecard=card, assignee=personas.evaluator, due_at=NOW + timedelta(days=3)
    )
    calls(personas.agent_b1, personas.team_b, 2)  # team B: the evaluator leads team A only
    calls(None, personas.team_a, 1)  # no agent
    goal = services.goal_create(
        by=personas.supervisor_a,
        data=goal_input(
            card,
            [personas.evaluator],
            target=10,
            condition={"all": [{"field": "channel", "op": "is", "value": "voice"}]},
        ),
    )
    period = services.period_generate(goal=goal, now=NOW, rng=random.Random(2))
    drawn = set(GoalTask.objects.filter(period=period).values_list("assignment__interaction_id", flat=True))
    assert drawn == {fresh.pk, voided.pk}


def test_an_evaluator_is_never_given_their_own_interaction(personas, card, agents):
    lead = make_user("lead@example.com", "Lee Lead", "supervisor")
    personas.team_a.leads.add(lead)
    own = calls(lead, personas.team_a, 3)
    goal = services.goal_create(by=personas.admin, data=goal_input(card, [lead, personas.evaluator], target=3))
    period = services.period_generate(goal=goal, now=NOW, rng=random.Random(5))
    tasks = GoalTask.objects.filter(period=period)
    assert tasks.count() == 3
    assert set(tasks.values_list("evaluator_id", flat=True)) == {personas.evaluator.pk}
    assert {t.assignment.interaction_id for t in tasks} == {i.pk for i in own}


def test_re_running_a_period_creates_nothing_new(personas, card, agents):
    calls(agents[0], personas.team_a, 6)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=2))
    first = services.period_generate(goal=goal, now=NOW)
    again = services.period_generate(goal=goal, now=NOW + timedelta(hours=5))
    assert again.pk == first.pk
    assert Assignment.objects.count() == 2
    assert services.generate_due(now=NOW + timedelta(hours=6)) == 0
    assert Assignment.objects.count() == 2
    # the next week is a new period, drawn among what is left
    assert services.generate_due(now=NOW + timedelta(days=7)) == 1
    assert GoalPeriod.objects.filter(goal=goal).count() == 2


def test_an_edit_applies_from_the_next_period(personas, card, agents):
    calls(agents[0], personas.team_a, 10)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=2))
    first = services.period_generate(goal=goal, now=NOW)
    services.goal_update(by=personas.supervisor_a, goal=goal, data=goal_input(card, [personas.evaluator], target=4))
    assert services.period_generate(goal=goal, now=NOW + timedelta(hours=1)).pk == first.pk
    assert GoalTask.objects.filter(period=first).count() == 2
    assert selectors.period_progress(first).target == 2  # the period keeps the target it was drawn with
    calls(agents[0], personas.team_a, 10, days_ago=-6)  # the next week's calls (started during it)
    later = services.period_generate(goal=goal, now=NOW + timedelta(days=7, hours=1))
    assert GoalTask.objects.filter(period=later).count() == 4


def test_a_paused_goal_or_a_day_outside_its_dates_draws_nothing(personas, card, agents):
    calls(agents[0], personas.team_a, 3)
    goal = services.goal_create(
        by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], starts_on=date(2026, 11, 10))
    )
    assert services.period_generate(goal=goal, now=NOW) is None
    services.goal_update(
        by=personas.supervisor_a, goal=goal, data=goal_input(card, [personas.evaluator]), is_active=False
    )
    assert services.period_generate(goal=goal, now=NOW) is None
    assert not Assignment.objects.exists()


def test_a_goal_is_refused_with_the_field_and_the_path_of_a_bad_condition(personas, card):
    with pytest.raises(ValidationError) as caught:
        services.goal_create(
            by=personas.supervisor_a,
            data=goal_input(
                card,
                [personas.evaluator],
                target=0,
                recurrence="once",
                condition={"all": [{"any": [{"field": "csat", "op": "gt", "value": "lots"}]}]},
            ),
        )
    errors = caught.value.message_dict
    assert errors["condition"] == ["all[0].any[0].value: A number is expected."]
    assert "target" in errors and "ends_on" in errors
    with pytest.raises(ValidationError) as caught:
        services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.agent_b1]))
    assert "evaluators" in caught.value.message_dict


def test_progress_counts_done_and_overdue_per_evaluator_and_per_agent(personas, card, agents):
    calls(agents[0], personas.team_a, 2)
    calls(agents[1], personas.team_a, 2)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=2))
    period = services.period_generate(goal=goal, now=NOW)
    task = GoalTask.objects.filter(period=period, agent=agents[0]).select_related("assignment").first()
    a = task.assignment
    evaluation = evaluation_start(by=personas.evaluator, interaction=a.interaction, scorecard=card, assignment=a)
    assert evaluation.source == Source.GOAL
    evaluation_submit(by=personas.evaluator, evaluation=evaluation)
    assert Assignment.objects.get(pk=a.pk).status == AssignmentStatus.DONE
    progress = selectors.period_progress(period, now=period.ends_at + timedelta(hours=1))
    assert (progress.done, progress.target, progress.overdue) == (1, 4, 3)
    lines = {line.person.pk: (line.done, line.target, line.overdue) for line in progress.agents}
    assert lines == {agents[0].pk: (1, 2, 1), agents[1].pk: (0, 2, 2)}
    (ev,) = progress.evaluators
    assert (ev.done, ev.target) == (1, 4)
    (mine,) = selectors.my_goal_progress(user=personas.evaluator)
    assert (mine.mine.done, mine.mine.target) == (1, 4)


def test_the_organisations_time_zone_sets_the_period(personas, card, agents):
    org = OrgSettings.get()
    org.default_time_zone = "Asia/Tokyo"
    org.save()
    goal = services.goal_create(
        by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], recurrence="daily")
    )
    period = services.period_generate(goal=goal, now=datetime(2026, 11, 4, 16, tzinfo=UTC))  # 01:00 on the 5th in Tokyo
    assert period.starts_at == datetime(2026, 11, 5, tzinfo=ZoneInfo("Asia/Tokyo"))


# --- pages --------------------------------------------------------------------------------------------------


def test_a_supervisor_creates_a_goal_from_the_page_and_draws_it(personas, card, agents, client_for):
    from django.utils import timezone

    calls(agents[0], personas.team_a, 3, days_ago=0, base=timezone.now() - timedelta(hours=1))
    client = client_for("supervisor_a")
    page = client.get("/goals/new/")
    assert page.status_code == 200 and b"conditionBuilder" in page.content
    condition = {"all": [{"field": "queue", "op": "in", "value": ["billing", "a-queue-nobody-has-yet"]}]}
    data = {
        "name": "Billing sample",
        "scorecard": str(card.uuid),
        "evaluators": [str(personas.evaluator.uuid)],
        "target": "2",
        "target_per": "agent",
        "recurrence": "daily",
        "starts_on": "2020-01-01",
        "recent_days": "7",
        "condition": json.dumps(condition),
    }
    bad = client.post(
        "/goals/new/", {**data, "condition": json.dumps({"all": [{"field": "csat", "op": "is", "value": 9}]})}
    )
    assert bad.status_code == 400 and b"all[0].value: CSAT is between 1 and 5." in bad.content
    response = client.post("/goals/new/", data)
    assert response.status_code == 302
    goal = services.Goal.objects.get(name="Billing sample")
    assert goal.condition == condition
    drawn = client.post(f"/goals/{goal.uuid}/generate/")
    assert drawn.status_code == 302
    assert Assignment.objects.filter(assignee=personas.evaluator, source=Source.GOAL).count() == 2
    detail = client.get(f"/goals/{goal.uuid}/")
    assert b"0/2" in detail.content and b"Queue is one of billing, a-queue-nobody-has-yet" in detail.content
    tasks = client_for("evaluator").get("/tasks/")
    assert tasks.content.count(b'data-testid="task-source"') == 2
    dashboard = client_for("evaluator").get("/")
    assert b'data-testid="goal-panel-mine"' in dashboard.content


def test_goals_are_scoped_to_the_viewer(personas, card):
    goal = services.goal_create(by=personas.admin, data=goal_input(card, [personas.manager_b]))
    assert list(selectors.goal_list(viewer=personas.manager_b)) == [goal]
    assert list(selectors.goal_list(viewer=personas.supervisor_a)) == []
    assert list(selectors.goal_list(viewer=personas.admin)) == [goal]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_period_draw_it_once(monkeypatch):
    """Both workers pass the "already drawn?" check before either commits (a barrier holds them there);
    the unique (goal, period start) lets one insert the period, the other waits for it, fails and
    returns the winner's period."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's concurrent transactions")
    from tests.conftest import personas_create

    personas = personas_create()
    card = sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))
    calls(personas.agent_a1, personas.team_a, 6)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=3))
    barrier = threading.Barrier(2, timeout=20)
    original = services._snapshot

    def held(g):
        barrier.wait()
        return original(g)

    monkeypatch.setattr(services, "_snapshot", held)
    results: list = []
    errors: list = []

    def worker():
        try:
            results.append(services.period_generate(goal=goal, now=NOW).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 2 and results[0] == results[1]
    assert GoalPeriod.objects.filter(goal=goal).count() == 1
    assert Assignment.objects.filter(source=Source.GOAL).count() == 3
