"""The session statistics, fed through real sessions: assessors start, fill in and submit ordinary
calibration evaluations, then the session report is compared with published or hand-computed values."""

from __future__ import annotations

import pytest

from cxq.calibrations import selectors, services, stats
from cxq.evaluations.models import Evaluation
from tests.calibrations.conftest import publish, rating_doc, score, yes_no_doc
from tests.calibrations.test_stats import FOUR_OBSERVERS, TWO_OBSERVERS


def _answers(row: list, *, na: set[int] = frozenset()) -> dict:
    """Observer values → answers: a value is its option key; missing is left unanswered, or N/A for
    the units in ``na`` (both are missing values to the method)."""
    out = {}
    for i, value in enumerate(row, start=1):
        if value is not None:
            out[f"u{i}"] = str(value)
        elif i in na:
            out[f"u{i}"] = "na"
    return out


def test_krippendorffs_four_observer_example_through_a_session_gives_the_published_alphas(
    personas, call, due, team_a_evaluators
):
    card = publish(personas.admin, rating_doc(12))
    observers = [personas.evaluator, personas.supervisor_a, *team_a_evaluators]
    session = services.session_create(
        by=personas.supervisor_a,
        name="Krippendorff 2011, C",
        scorecard=card,
        interaction=call,
        assessors=observers,
        due_at=due,
    )
    # observer C's missing unit 1 is answered N/A, the rest are left unanswered
    for k, (user, row) in enumerate(zip(observers, FOUR_OBSERVERS, strict=True)):
        score(session, user, _answers(row, na={1} if k == 2 else set()))
    assert Evaluation.objects.filter(source="calibration", status="completed").count() == 4
    report = selectors.session_report(session)
    assert report.completed == 4 and report.completion == 100
    assert report.alpha_nominal == pytest.approx(0.743, abs=5e-4)
    assert report.alpha_interval == pytest.approx(0.849, abs=5e-4)
    # unit 12 has a single value: shown, but no agreement can be judged
    u12 = next(q for q in report.questions if q.key == "u12")
    assert u12.agrees is None and [c.option for c in u12.cells].count(None) == 3
    assert next(q for q in report.questions if q.key == "u3").agrees is True
    assert next(q for q in report.questions if q.key == "u6").agrees is False


def test_krippendorffs_binary_two_observer_example_through_a_session_gives_0_095(personas, call, due):
    card = publish(personas.admin, yes_no_doc(10))
    session = services.session_create(
        by=personas.supervisor_a,
        name="Krippendorff 2011, A",
        scorecard=card,
        interaction=call,
        assessors=[personas.evaluator, personas.supervisor_a],
        due_at=due,
    )
    for user, row in zip([personas.evaluator, personas.supervisor_a], TWO_OBSERVERS, strict=True):
        score(session, user, {f"u{i}": "yes" if v else "no" for i, v in enumerate(row, start=1)})
    report = selectors.session_report(session)
    assert report.alpha_nominal == pytest.approx(0.095, abs=5e-4)
    assert report.alpha_interval == pytest.approx(0.095, abs=5e-4)  # binary: interval = nominal
    assert report.percent_agreement == pytest.approx(60.0)


def test_alpha_is_not_enough_data_until_two_people_submit_and_when_nobody_varies(personas, session):
    assert selectors.session_report(session).alpha_interval is None
    score(session, personas.evaluator, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    report = selectors.session_report(session)
    assert report.alpha_interval is None and report.alpha_nominal is None and report.spread.stdev is None
    score(session, personas.supervisor_a, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    report = selectors.session_report(session)
    assert report.alpha_interval == 1 and report.alpha_nominal == 1  # full agreement, values vary by question
    assert report.percent_agreement == 100


def test_alpha_is_not_enough_data_when_every_answer_is_the_same(personas, call, due):
    card = publish(personas.admin, rating_doc(3))
    people = [personas.evaluator, personas.supervisor_a]
    session = services.session_create(
        by=personas.supervisor_a, name="Flat", scorecard=card, interaction=call, assessors=people, due_at=due
    )
    for user in people:
        score(session, user, {"u1": 3, "u2": 3, "u3": "na"})
    report = selectors.session_report(session)
    assert report.alpha_interval is None and report.alpha_nominal is None  # no variation: 0/0
    assert report.percent_agreement == 100


def test_side_by_side_spread_and_deviations_from_average_and_benchmark(personas, session):
    evals = {
        "evaluator": score(
            session,
            personas.evaluator,
            {"greet": "yes", "tone": 5, "disclosure": "yes"},
            comments={"tone": "Warm throughout"},
            comment="Great call",
        ),
        "supervisor_a": score(session, personas.supervisor_a, {"greet": "no", "tone": 3, "disclosure": "yes"}),
        "admin": score(session, personas.admin, {"greet": "yes", "tone": 4, "disclosure": "yes"}),
    }
    report = selectors.session_report(session)
    scores = {k: float(e.score_percent) for k, e in evals.items()}
    mean = sum(scores.values()) / 3
    assert report.completion == 100
    assert report.spread.mean == pytest.approx(mean)
    assert report.spread.minimum == min(scores.values()) and report.spread.maximum == max(scores.values())
    assert report.spread.stdev == pytest.approx(stats.spread(list(scores.values())).stdev)
    rows = {r.seat.user.email: r for r in report.rows}
    ev_row = rows[personas.evaluator.email]
    assert ev_row.vs_mean_percent == pytest.approx(scores["evaluator"] - mean)
    assert ev_row.vs_benchmark_percent == pytest.approx(scores["evaluator"] - scores["admin"])
    assert ev_row.vs_benchmark_points == pytest.approx(float(evals["evaluator"].earned - evals["admin"].earned))
    # points per question: greet 5 vs 5, tone 4 vs 3 (a 1–5 scale scores 0–4), disclosure 2 vs 2
    assert ev_row.mad_benchmark == pytest.approx(1 / 3)
    assert rows[personas.admin.email].vs_benchmark_percent is None  # the benchmark against itself
    by_key = {q.key: q for q in report.questions}
    assert by_key["greet"].agrees is False and by_key["disclosure"].agrees is True
    assert by_key["greet"].percent_agreement == pytest.approx(100 / 3)
    assert by_key["tone"].mean_points == pytest.approx((4 + 2 + 3) / 3)
    assert by_key["tone"].benchmark_points == 3
    tone_cells = {c.comment for c in by_key["tone"].cells}
    assert "Warm throughout" in tone_cells
    assert ev_row.comment == "Great call"


def test_agreement_across_sessions_uses_sessions_as_units(personas, card, call, due):
    answers = [(5, 5), (3, 3), (1, 2)]
    for n, (a, b) in enumerate(answers):
        session = services.session_create(
            by=personas.supervisor_a,
            name=f"Round {n}",
            scorecard=card,
            interaction=call,
            assessors=[personas.evaluator, personas.supervisor_a],
            benchmark=personas.supervisor_a,
            due_at=due,
        )
        score(session, personas.evaluator, {"greet": "yes", "tone": a, "disclosure": "yes"})
        score(session, personas.supervisor_a, {"greet": "yes", "tone": b, "disclosure": "yes"})
    across = selectors.across_sessions(viewer=personas.supervisor_a, scorecard=card)
    assert len(across.sessions) == 3
    tone = next(q for q in across.questions if q.key == "tone")
    expected = stats.alpha([[4, 2, 0], [4, 2, 1]], "interval")  # points: a 1–5 scale scores 0–4
    assert tone.alpha_interval == pytest.approx(expected)
    assert tone.sessions == 3
    greet = next(q for q in across.questions if q.key == "greet")
    assert greet.alpha_nominal is None and greet.percent_agreement == 100  # everyone said yes: no variation
    trend = {user.email: points for user, points in across.trends.items()}
    assert [p.mad_benchmark for p in trend[personas.evaluator.email]] == pytest.approx([0, 0, 1 / 3])
    assert [p.mad_mean for p in trend[personas.evaluator.email]] == pytest.approx([0, 0, 0.5 / 3])


def test_agreement_across_sessions_leaves_out_sessions_where_the_viewer_is_still_blind(personas, session, card):
    score(session, personas.supervisor_a, {"greet": "yes", "tone": 5, "disclosure": "yes"})
    score(session, personas.admin, {"greet": "no", "tone": 2, "disclosure": "yes"})
    assert selectors.across_sessions(viewer=personas.evaluator, scorecard=card).sessions == []
    assert len(selectors.across_sessions(viewer=personas.supervisor_a, scorecard=card).sessions) == 1
