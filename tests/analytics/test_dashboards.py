"""Dashboards (docs/analytics.md#dashboards): every figure on hand-built data, each role's page, and a
query-count guard per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxq.analytics import dashboards, selectors
from cxq.analytics.models import CalibrationFact
from cxq.analytics.selectors import Filters, Scope
from cxq.analytics.services import analytics_rebuild, org_zone
from cxq.analytics.templatetags.dashboard_panels import age, due, signed
from cxq.evaluations import services as ev
from cxq.evaluations.models import Assignment, Evaluation
from tests.analytics.conftest import evaluate, new_call, reference
from tests.conftest import lead_agent_create

ALL = Scope(team_ids=None)
GOOD = {"greet": "yes", "tone": 5, "disclosure": "yes"}  # 100 %
MIXED = {"greet": "no", "tone": 3, "disclosure": "yes"}


def _back(evaluation, days: int):
    """File an evaluation ``days`` ago (the facts follow after a rebuild)."""
    Evaluation.objects.filter(pk=evaluation.pk).update(completed_at=timezone.now() - timedelta(days=days))


def _score(e) -> float:
    return float(Evaluation.objects.get(pk=e.pk).score_percent)


@pytest.fixture
def history(personas, card):
    """Team A: agent A1 had 3 perfect evaluations 40 days ago and 3 mixed ones now; team B: one now."""
    old = [evaluate(personas.evaluator, personas.agent_a1, card, GOOD) for _ in range(3)]
    new = [evaluate(personas.evaluator, personas.agent_a1, card, MIXED) for _ in range(3)]
    other = evaluate(personas.manager_b, personas.agent_b1, card, MIXED)
    for e in old:
        _back(e, 40)
    analytics_rebuild()
    return {"old": old, "new": new, "other": other}


def test_lead_figures_compare_the_last_30_days_with_the_30_before_in_scope(personas, history):
    f = dashboards.lead_figures(personas.supervisor_a)
    mixed = _score(history["new"][0])
    assert (f["count"], f["previous_count"]) == (3, 3)
    assert f["average_score"] == mixed and f["previous_average_score"] == 100.0
    assert f["average_score_delta"] == round(mixed - 100.0, 2)
    assert f["previous_pass_rate"] == 100.0 and f["pass_rate"] is not None
    assert f["pass_rate_delta"] == round(f["pass_rate"] - 100.0, 2)
    assert "/analytics/trends/?date_from=" in f["trend_link"]
    assert f["passed_link"].startswith("/evaluations/?counted=1") and "passed=yes" in f["passed_link"]
    admin = dashboards.lead_figures(personas.admin)
    assert admin["count"] == 4  # team B's evaluation too
    assert dashboards.lead_figures(personas.manager_b)["count"] == 1


def test_agents_needing_attention_ranks_the_biggest_drop(personas, history):
    rows = dashboards.agents_needing_attention(personas.supervisor_a)
    assert [r["name"] for r in rows] == [personas.agent_a1.full_name]
    row = rows[0]
    assert row["previous_average_score"] == 100.0 and row["change"] == round(_score(history["new"][0]) - 100, 2)
    assert row["n"] == 3 and f"agent={personas.agent_a1.uuid}" in row["link"]
    # team B has no previous period and is out of scope anyway
    assert dashboards.agents_needing_attention(personas.manager_b) == []


def test_an_agent_below_the_minimum_count_is_not_ranked(personas, card):
    for _ in range(2):
        _back(evaluate(personas.evaluator, personas.agent_a1, card, GOOD), 40)
    for _ in range(dashboards.MIN_AGENT_N):
        evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    analytics_rebuild()
    assert dashboards.agents_needing_attention(personas.admin) == []


def test_worst_questions_rank_by_percent_of_max_with_a_minimum_count(personas, card):
    for _ in range(dashboards.MIN_QUESTION_N - 1):
        evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    assert dashboards.worst_questions(personas.admin) == []
    evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    rows = dashboards.worst_questions(personas.admin)
    assert rows[0]["question_key"] == "greet" and rows[0]["percent_of_max"] == 0.0
    assert rows[0]["n"] == dashboards.MIN_QUESTION_N and rows[0]["text"] != "greet"
    percents = [r["percent_of_max"] for r in rows]
    assert percents == sorted(percents)
    assert "scorecard=" in rows[0]["link"] and rows[0]["link"].endswith("#q-greet")
    assert dashboards.worst_questions(personas.manager_b) == []  # all in team A


def test_open_disputes_and_the_oldest_age(personas, card):
    e = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    assert dashboards.open_disputes(personas.supervisor_a)["count"] == 0
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=e, items=[("greet", "I did greet")])
    d = dashboards.open_disputes(personas.supervisor_a)
    assert d["count"] == 1 and d["oldest_at"] is not None and d["link"] == "/evaluations/disputes/"
    assert dashboards.open_disputes(personas.manager_b)["count"] == 0


def test_a_long_dispute_queue_is_counted_up_to_a_cap(personas, card, monkeypatch, client_for):
    monkeypatch.setattr(dashboards, "DISPUTES_COUNTED", 1)
    first = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=first, items=[("greet", "I did greet")])
    d = dashboards.open_disputes(personas.supervisor_a)
    assert d["count"] == 1 and not d["more"]
    second = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=second, items=[("greet", "I did greet")])
    d = dashboards.open_disputes(personas.supervisor_a)
    assert d["count"] == 1 and d["more"] and d["oldest_at"] == first.disputes.get().created_at
    page = client_for("supervisor_a").get("/").content.decode()
    assert '<span class="stat-value">1+</span>' in page


def _task(personas, card, assignee, due_in: timedelta, by=None):
    return Assignment.objects.create(
        interaction=new_call(personas.agent_a1.email),
        scorecard=card,
        assignee=assignee,
        assigned_by=by or personas.supervisor_a,
        due_at=timezone.now() + due_in,
    )


def test_overdue_tasks_are_those_handed_out_or_held(personas, card):
    late = _task(personas, card, personas.evaluator, timedelta(days=-3))
    _task(personas, card, personas.evaluator, timedelta(days=2))
    _task(personas, card, personas.evaluator, timedelta(hours=-1), by=personas.manager_b)
    mine = dashboards.overdue_tasks(personas.supervisor_a)
    assert mine["count"] == 1 and mine["items"] == [late]
    assert dashboards.overdue_tasks(personas.admin)["count"] == 2
    assert dashboards.overdue_tasks(personas.evaluator)["count"] == 2


def test_my_work_counts_open_due_today_and_overdue(personas, card):
    now = timezone.localtime()
    _task(personas, card, personas.evaluator, timedelta(days=-1))
    _task(personas, card, personas.evaluator, timedelta(days=5))
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    if end_of_day - now > timedelta(minutes=2):
        Assignment.objects.create(
            interaction=new_call(personas.agent_a1.email),
            scorecard=card,
            assignee=personas.evaluator,
            due_at=end_of_day,
        )
        expected_today = 1
    else:
        expected_today = 0
    work = dashboards.my_work(personas.evaluator, now=now)
    assert work["open"] == 2 + expected_today
    assert work["overdue"] == 1 and work["due_today"] == expected_today
    assert dashboards.my_work(personas.manager_b, now=now)["open"] == 0


def test_my_week_counts_my_evaluations_since_monday(personas, card):
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.supervisor_a, personas.agent_a1, card, MIXED)
    _back(evaluate(personas.evaluator, personas.agent_a1, card, MIXED), 8)
    analytics_rebuild()
    week = dashboards.my_week(personas.evaluator)
    assert week["count"] == 1 and week["average_score"] == 100.0
    assert f"evaluator={personas.evaluator.uuid}" in week["link"]


def test_my_calibration_deviation_from_hand_built_facts(personas):
    today = dashboards.org_today()
    common = {"scorecard_id": 1, "version_id": 1, "team_id": 0, "day": today}
    CalibrationFact.objects.create(
        evaluation_id=1, interaction_id=10, evaluator_id=personas.evaluator.pk, score=80, **common
    )
    CalibrationFact.objects.create(
        evaluation_id=2, interaction_id=10, evaluator_id=personas.supervisor_a.pk, score=90, **common
    )
    CalibrationFact.objects.create(
        evaluation_id=3, interaction_id=10, evaluator_id=personas.manager_b.pk, score=100, **common
    )
    CalibrationFact.objects.create(
        evaluation_id=4, interaction_id=11, evaluator_id=personas.evaluator.pk, score=50, **common
    )
    CalibrationFact.objects.create(
        evaluation_id=5, interaction_id=11, evaluator_id=personas.manager_b.pk, score=60, **common
    )
    # |80 - 95| = 15 and |50 - 60| = 10: 12.5
    assert dashboards.my_calibration(personas.evaluator)["deviation"] == 12.5
    assert dashboards.my_calibration(personas.agent_a1)["deviation"] is None


def test_agent_figures_latest_scores_acknowledgements_and_team(personas, card):
    mine = [evaluate(personas.evaluator, personas.agent_a1, card, a) for a in (GOOD, MIXED, GOOD, MIXED, GOOD, MIXED)]
    evaluate(personas.evaluator, lead_agent_create(personas), card, GOOD)  # a team-A colleague
    latest = dashboards.my_latest_scores(personas.agent_a1)
    assert len(latest) == 5 and latest[0].pk == mine[-1].pk
    ack = dashboards.awaiting_my_ack(personas.agent_a1)
    assert ack["count"] == 6 and len(ack["items"]) == 5 and ack["items"][0].ack_due_at is not None
    ev.evaluation_acknowledge(by=personas.agent_a1, evaluation=Evaluation.objects.get(pk=mine[0].pk))
    assert dashboards.awaiting_my_ack(personas.agent_a1)["count"] == 5
    assert dashboards.awaiting_my_ack(personas.agent_b1)["count"] == 0
    versus = dashboards.my_average_vs_team(personas.agent_a1)
    scores = [_score(e) for e in mine]
    assert versus["count"] == 6 and versus["average_score"] == round(sum(scores) / 6, 2)
    team = [*scores, 100.0]
    assert versus["team_average_score"] == round(sum(team) / 7, 2)
    assert versus["difference"] == round(versus["average_score"] - versus["team_average_score"], 2)
    assert dashboards.my_average_vs_team(personas.agent_b1)["average_score"] is None


def test_human_texts():
    now = timezone.now()
    assert age(now - timedelta(days=3, hours=5)) == "3\xa0days"
    assert age(now - timedelta(days=1, hours=1)) == "1\xa0day"
    assert age(now - timedelta(seconds=5)) == "less than a minute"
    assert due(now + timedelta(days=2, hours=1)) == "in 2\xa0days"
    assert due(now - timedelta(hours=3, minutes=5)) == "3\xa0hours overdue"
    assert due(None) == "no deadline"
    assert (signed(2.5, " pts"), signed(-1.25, " pts"), signed(0.0), signed(None)) == (
        "+2.5 pts",
        "−1.25 pts",
        "±0",
        "–",
    )


# The budgets allow for the 30-day windows crossing month edges (each crossing reads one more segment,
# docs/analytics.md#filters); a panel that queried per row would blow them.
@pytest.mark.parametrize(
    ("persona", "sections", "max_queries"),
    [
        # leads and admins also get the goals panel (docs/goals.md#progress): a few queries more; coaches and
        # agents the coaching panel (docs/coaching.md#where-it-shows): one query, three with open sessions
        ("admin", ["dash-lead", "dash-my-work"], 51),
        ("supervisor_a", ["dash-lead", "dash-my-work"], 49),
        ("manager_b", ["dash-lead", "dash-my-work"], 48),
        ("evaluator", ["dash-my-work"], 20),
        ("agent_a1", ["dash-agent"], 26),
        ("lead_agent", ["dash-lead", "dash-my-work", "dash-agent"], 66),
    ],
)
def test_each_role_sees_its_panels_within_a_query_budget(
    persona, sections, max_queries, personas, history, client_for, django_assert_max_num_queries
):
    if persona == "lead_agent":
        lead_agent_create(personas)
    client = client_for(persona)
    with django_assert_max_num_queries(max_queries):
        page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("dash-lead", "dash-my-work", "dash-agent"):
        assert (f'data-testid="{name}"' in html) == (name in sections), name
    assert "style=" not in html


def test_the_lead_dashboard_links_each_figure(personas, history, client_for):
    html = client_for("supervisor_a").get("/").content.decode()
    assert "/analytics/trends/?date_from=" in html and "passed=yes" in html
    assert "/evaluations/disputes/" in html and "/tasks/" in html
    assert personas.agent_a1.full_name in html  # needs attention
    assert "Andy Agent" in html and "−" in html
    assert "Bea Agent" not in html


def test_the_agent_dashboard_lists_scores_and_deadlines(personas, card, client_for):
    e = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    html = client_for("agent_a1").get("/").content.decode()
    assert f"/evaluations/{e.uuid}/" in html and "acknowledge by" in html and "in 6\xa0days" in html
    assert "1 evaluation to acknowledge" not in html and "evaluation to acknowledge" in html


def test_a_lead_opens_the_disputes_queue_of_their_team(personas, card, client_for):
    """The queue once built its scope as a subquery whose raw-SQL columns named a renamed table."""
    e = evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    ev.evaluation_dispute(by=personas.agent_a1, evaluation=e, items=[("greet", "I did greet")])
    page = client_for("supervisor_a").get("/evaluations/disputes/")
    assert page.status_code == 200 and str(e.uuid) in page.content.decode()


def _rollup_reads(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return sum("rollup" in q["sql"] or "fact" in q["sql"] for q in ctx.captured_queries)


def test_figures_from_the_facts_are_cached_until_the_facts_change(personas, history, card):
    """docs/analytics.md#dashboards: cached under the facts' version, which every change of the facts moves."""
    from cxq.accounts.models import User

    def fresh():  # each request has its own user object
        return User.objects.get(pk=personas.supervisor_a.pk)

    first = dashboards.lead_figures(fresh())
    assert _rollup_reads(lambda: dashboards.lead_figures(fresh())) == 0
    assert _rollup_reads(lambda: dashboards.agents_needing_attention(fresh())) > 0  # other figures: not yet cached
    assert _rollup_reads(lambda: dashboards.agents_needing_attention(fresh())) == 0
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)  # completed: the facts move
    # only the pieces of this month are read again: the previous period's months stay cached
    today = dashboards.org_today(fresh())
    this_month = [
        part
        for period in dashboards.periods(today)
        for part in selectors.grouped_parts("evaluation", Filters(date_from=period[0], date_to=period[1]), ALL)
        if part[2] >= today.replace(day=1)
    ]
    assert _rollup_reads(lambda: dashboards.lead_figures(fresh())) == len(this_month)
    after = dashboards.lead_figures(fresh())
    assert after["count"] == first["count"] + 1
    assert dashboards.lead_figures(personas.manager_b)["count"] == 1  # another scope, its own figures


def test_the_goals_panel_follows_the_leads_headline_figures():
    from pathlib import Path

    import cxq

    template = (Path(cxq.__file__).parent / "templates" / "dashboard.html").read_text()
    lead = template[template.index('data-testid="dash-lead"') : template.index("</section>")]
    assert lead.index("lead_figures_panel") < lead.index("goal_dashboard_panel") < lead.index("lead_queue_panel")


# --- Cached pieces against the plain recomputation (docs/analytics.md#dashboards) ----------------------


def _on(evaluation, day):
    """File an evaluation on ``day`` (noon in the organisation's zone; the facts follow after a rebuild)."""
    from datetime import datetime, time

    moment = datetime.combine(day, time(12), tzinfo=org_zone())
    Evaluation.objects.filter(pk=evaluation.pk).update(completed_at=moment)


def _fresh(user):  # each request has its own user object (and so its own per-request memo)
    from cxq.accounts.models import User

    return User.objects.get(pk=user.pk)


def _expected_lead(today, team_ids):
    (start, end), (pstart, pend) = dashboards.periods(today)
    now = reference(Filters(date_from=start, date_to=end), team_ids=team_ids)
    before = reference(Filters(date_from=pstart, date_to=pend), team_ids=team_ids)
    return {
        "count": now["count"],
        "previous_count": before["count"],
        "average_score": now["average_score"],
        "previous_average_score": before["average_score"],
        "pass_rate": now["pass_rate"],
        "previous_pass_rate": before["pass_rate"],
    }


def _expected_worst(today, team_ids):
    (start, end), _ = dashboards.periods(today)
    ref = reference(Filters(date_from=start, date_to=end), team_ids=team_ids)
    ranked = []
    for key, counts in ref["answers"].items():
        n = sum(v for k, v in counts.items() if k != "na")
        if n >= dashboards.MIN_QUESTION_N and ref["percent_of_max"][key] is not None:
            ranked.append((ref["percent_of_max"][key], key, n))
    return sorted(ranked)[: dashboards.TOP]


def _expected_agents(today, team_ids, agents):
    (start, end), (pstart, pend) = dashboards.periods(today)
    drops = []
    for agent in agents:
        now = reference(Filters(date_from=start, date_to=end), team_ids=team_ids, agent_id=agent.pk)
        before = reference(Filters(date_from=pstart, date_to=pend), team_ids=team_ids, agent_id=agent.pk)
        ranked = min(now["count"], before["count"]) >= dashboards.MIN_AGENT_N
        # the reference rounds averages to 2 places; so does the dashboard
        if ranked and now["average_score"] < before["average_score"]:
            drops.append((agent.full_name, now["average_score"], before["average_score"]))
    return sorted(drops, key=lambda d: (round(d[1] - d[2], 2), d[0]))[: dashboards.TOP]


def _shown(viewer, today):
    lead = dashboards.lead_figures(_fresh(viewer), today=today)
    worst = dashboards.worst_questions(_fresh(viewer), today=today)
    agents = dashboards.agents_needing_attention(_fresh(viewer), today=today)
    return (
        {k: lead[k] for k in _expected_lead(today, None)},
        [(q["percent_of_max"], (None, q["question_key"]), q["n"]) for q in worst],
        sorted(
            ((a["name"], a["average_score"], a["previous_average_score"]) for a in agents),
            key=lambda d: (round(d[1] - d[2], 2), d[0]),
        ),
    )


def _assert_dashboard_equals_reference(personas, today):
    agents = [personas.agent_a1, personas.agent_b1]
    for viewer, team_ids in ((personas.admin, None), (personas.supervisor_a, [personas.team_a.pk])):
        lead, worst, shown_agents = _shown(viewer, today)
        # sums of rollup rows and of single scores, added in another order, may round the last digit apart
        near = pytest.approx
        assert lead == near(_expected_lead(today, team_ids), abs=0.011), viewer
        expected = _expected_worst(today, team_ids)
        assert [(k[1], n) for _, k, n in worst] == [(k, n) for _, k, n in expected], viewer
        assert [p for p, _, _ in worst] == near([p for p, _, _ in expected], abs=0.011), viewer
        expected_agents = _expected_agents(today, team_ids, agents)
        assert [a[0] for a in shown_agents] == [a[0] for a in expected_agents], viewer
        flat = [x for a in expected_agents for x in a[1:]]
        assert [x for a in shown_agents for x in a[1:]] == near(flat, abs=0.011), viewer


def test_a_month_minus_its_left_out_days_counts_only_the_window(personas, card):
    """The 30 days ending on the 3rd read the previous month's row minus its first days: evaluations on
    those days are subtracted even when the window's own days (the 1st to the 3rd) hold none."""
    real_today = timezone.now().astimezone(org_zone()).date()
    month_start = real_today.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    today = month_start + timedelta(days=2)
    for _ in range(2):
        _on(evaluate(personas.evaluator, personas.agent_a1, card, GOOD), previous_start)
    _on(evaluate(personas.evaluator, personas.agent_a1, card, MIXED), previous_start + timedelta(days=20))
    analytics_rebuild()
    assert dashboards.lead_figures(_fresh(personas.admin), today=today)["count"] == 1
    _assert_dashboard_equals_reference(personas, today)


FAILED_ANSWERS = {"greet": "no", "tone": 1, "disclosure": "no"}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    population=st.lists(
        st.tuples(st.integers(0, 70), st.sampled_from([GOOD, MIXED, FAILED_ANSWERS]), st.booleans()),
        min_size=6,
        max_size=16,
    ),
    shift=st.integers(-3, 35),
    changes=st.lists(st.tuples(st.sampled_from(["void", "submit"]), st.integers(0, 15), st.booleans()), max_size=3),
)
def test_cached_dashboard_figures_equal_the_recomputation_after_any_change(personas, card, population, shift, changes):
    """Figures are cached per piece under the versions of the months they read: after voiding an
    evaluation of any month, or a new one today, every figure equals the plain recomputation."""
    Evaluation.objects.all().delete()
    real_today = timezone.now().astimezone(org_zone()).date()
    today = real_today - timedelta(days=shift)
    made = []
    for age_days, answers, team_b in population:
        agent, by = (personas.agent_b1, personas.manager_b) if team_b else (personas.agent_a1, personas.evaluator)
        e = evaluate(by, agent, card, answers)
        _on(e, today - timedelta(days=age_days))
        made.append(e)
    analytics_rebuild()
    _assert_dashboard_equals_reference(personas, today)  # cold: every piece computed and cached
    for change, which, team_b in changes:
        if change == "void":
            victim = Evaluation.objects.get(pk=made[which % len(made)].pk)
            if victim.status != "voided":
                ev.evaluation_void(by=personas.admin, evaluation=victim, reason="test")
        else:
            agent, by = (personas.agent_b1, personas.manager_b) if team_b else (personas.agent_a1, personas.evaluator)
            evaluate(by, agent, card, MIXED)  # completed now: filed on the real today
        _assert_dashboard_equals_reference(personas, today)  # only the moved months are read again
