"""The customer-outcome link (docs/analytics.md#customer-outcome-link): the selector against a
hand-computed example, a generated population with a planted effect, the page, CSV and API."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter

import pytest

from cxq.analytics import outcome_stats as st
from cxq.analytics import selectors
from cxq.interactions.models import Interaction
from tests.analytics.conftest import evaluate, filters_for

ALL = selectors.Scope(team_ids=None)
# The worked example: ten "yes" interactions with CSAT 5,5,5,5,5,5,4,4,4,4 and ten "no" with 3×5, 2×5;
# tone ratings beside them. Reference figures (Welch, Spearman with mid-ranks) in the test's docstring.
CSAT = [5] * 6 + [4] * 4 + [3] * 5 + [2] * 5
TONE = [5, 5, 4, 5, 4, 3, 4, 5, 3, 4, 2, 3, 1, 2, 3, 2, 1, 2, 4, 3]


def _evaluate_with_outcome(personas, card, answers: dict, **outcome):
    e = evaluate(personas.evaluator, personas.agent_a1, card, answers)
    Interaction.objects.filter(pk=e.interaction_id).update(**({"csat": None, "nps": None, "resolved": None} | outcome))
    return e


@pytest.fixture
def worked_example(personas, card):
    for i, (csat, tone) in enumerate(zip(CSAT, TONE, strict=True)):
        answers = {"greet": "yes" if i < 10 else "no", "tone": tone, "disclosure": "yes"}
        _evaluate_with_outcome(personas, card, answers, csat=csat, resolved=i % 2 == 0)
    # one evaluation without any outcome: left out of every figure
    _evaluate_with_outcome(
        personas, card, {"greet": "no", "tone": 1, "disclosure": "yes"}, csat=None, nps=None, resolved=None
    )


def _row(result, key):
    return next(r for r in result["rows"] if r["key"] == key)


def test_the_report_matches_the_hand_computed_example(worked_example, today):
    """Yes: mean 4.6, variance 0.2667; no: mean 2.5, variance 0.2778. SE = sqrt(0.02667 + 0.02778) =
    0.23333, Welch df = 17.9925, t = 2.10097: 2.1 ± 0.49023 = [1.6098, 2.5902].
    Tone against CSAT: Spearman's ρ = 0.693747 (mid-ranks), Fisher z ± 1.96·sqrt((1 + ρ²/2)/17):
    [0.3146, 0.8820]."""
    result = selectors.outcome_link(filters_for(today), ALL, outcome="csat")
    assert result["pairs"] == 20 and result["label"] == "CSAT"
    greet = _row(result, "greet")
    assert greet["method"] == "difference" and greet["enough"] and greet["comparison"] == "Yes vs No"
    assert [(o["label"], o["n"], o["mean"]) for o in greet["options"]] == [("Yes", 10, 4.6), ("No", 10, 2.5)]
    assert (greet["effect"], greet["low"], greet["high"], greet["n"]) == (2.1, 1.61, 2.59, 20)
    tone = _row(result, "tone")
    assert tone["method"] == "correlation" and tone["n"] == 20
    assert (tone["effect"], tone["low"], tone["high"]) == (0.694, 0.315, 0.882)
    disclosure = _row(result, "disclosure")  # everyone said yes: no comparison
    assert not disclosure["enough"] and disclosure["n"] == 20
    # sorted: strongest question first, "not enough data" after; then sections, then the score
    kinds = [(r["kind"], r["key"]) for r in result["rows"]]
    assert kinds[:3] == [("question", "greet"), ("question", "tone"), ("question", "disclosure")]
    assert kinds[-1] == ("overall", "") and {k for k, _ in kinds[3:-1]} == {"section"}
    assert greet["strength"] >= tone["strength"] > 0
    assert _row(result, "")["enough"] and _row(result, "")["effect"] > 0


def test_resolution_is_a_rate_and_nps_a_net_promoter_score(worked_example, today, personas, card):
    result = selectors.outcome_link(filters_for(today), ALL, outcome="resolved")
    greet = _row(result, "greet")
    assert result["unit"] == "%" and [o["mean"] for o in greet["options"]] == [50.0, 50.0]
    assert greet["effect"] == 0.0 and greet["low"] < 0 < greet["high"] and greet["strength"] == 0
    nps = selectors.outcome_link(filters_for(today), ALL, outcome="nps")
    assert nps["pairs"] == 0 and not any(r["enough"] for r in nps["rows"])
    for i, score in enumerate([10, 9, 8, 3]):  # promoter, promoter, passive, detractor → NPS 25
        _evaluate_with_outcome(personas, card, {"greet": "yes", "tone": 3, "disclosure": "yes"}, nps=score)
        assert i < 4
    nps = selectors.outcome_link(filters_for(today), ALL, outcome="nps")
    assert _row(nps, "greet")["options"][0] == {"key": "yes", "label": "Yes", "n": 4, "mean": 25.0}


def test_the_planted_question_ranks_first_in_a_generated_population(personas, card, today):
    """120 interactions: "disclosure" raises CSAT by about one point; "greet" and "tone" are noise."""
    rng = random.Random(11)
    for _ in range(120):
        disclosed = rng.random() < 0.5
        base = rng.choice([2, 3, 3, 4, 4, 5])
        csat = max(1, min(5, base + (1 if disclosed else -1) * rng.choice([0, 1, 1])))
        answers = {
            "greet": rng.choice(["yes", "no"]),
            "tone": rng.randint(1, 5),
            "disclosure": "yes" if disclosed else "no",
        }
        _evaluate_with_outcome(personas, card, answers, csat=csat)
    result = selectors.outcome_link(filters_for(today), ALL, outcome="csat")
    first = result["rows"][0]
    assert first["key"] == "disclosure" and first["strength"] > 0.2
    assert first["low"] > 0  # yes − no: clearly positive
    for key in ("greet", "tone"):
        row = _row(result, key)
        assert row["low"] <= 0 <= row["high"], key


def _population(rng: random.Random, n: int, nulls: int, ratings: int):
    """Count tables of a generated population: CSAT from a base distribution, one yes/no question that
    moves it (+1 when yes, capped), ``nulls`` yes/no and ``ratings`` 1–5 questions independent of it."""
    planted: dict[str, Counter] = {"yes": Counter(), "no": Counter()}
    null_tables = [{"yes": Counter(), "no": Counter()} for _ in range(nulls)]
    rating_tables: list[Counter] = [Counter() for _ in range(ratings)]
    for _ in range(n):
        yes = rng.random() < 0.6
        csat = rng.choices([1, 2, 3, 4, 5], [0.1, 0.15, 0.3, 0.3, 0.15])[0]
        csat = min(5, csat + 1) if yes else csat
        planted["yes" if yes else "no"][csat] += 1
        for table in null_tables:
            table["yes" if rng.random() < rng.choice([0.3, 0.7]) else "no"][csat] += 1
        for table in rating_tables:
            table[(rng.randint(1, 5), csat)] += 1
    return planted, null_tables, rating_tables


def test_null_questions_intervals_cover_zero_at_about_95_percent_and_the_planted_one_leads():
    rng = random.Random(2026)
    covered = total = 0
    for _ in range(15):
        planted, nulls, ratings = _population(rng, 400, nulls=30, ratings=10)
        strongest = st.welch(planted["yes"], planted["no"])
        strengths = []
        for table in nulls:
            d = st.welch(table["yes"], table["no"])
            covered += d.low <= 0 <= d.high
            total += 1
            strengths.append(st.strength(d.r_low, d.r_high))
        for table in ratings:
            c = st.spearman([(x, y, n) for (x, y), n in table.items()])
            covered += c.low <= 0 <= c.high
            total += 1
            strengths.append(st.strength(c.low, c.high))
        assert st.strength(strongest.r_low, strongest.r_high) > max(strengths)
    assert 0.93 <= covered / total <= 0.97, covered / total


def test_the_page_explains_each_figure_and_exports_csv(worked_example, client_for):
    client = client_for("admin")
    page = client.get("/analytics/outcomes/")
    assert page.status_code == 200
    assert page.context["result"]["rows"][0]["key"] == "greet"
    body = page.content.decode()
    for words in ("Mean per answer", "Difference", "Strength", "Not enough data", "95 % confidence interval"):
        assert words in body
    assert 'data-chart="outcome-chart"' in body
    response = client.get("/analytics/outcomes/?outcome=csat&export=csv")
    assert response["Content-Disposition"].endswith('outcome-link-csat.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["outcome", "row", "section"]
    greet = next(r for r in rows if r[1] == "question" and r[3] == "greet")
    assert greet[5:] == ["Yes vs No", "20", "", "difference", "2.1", "1.61", "2.59", greet[12]]
    assert next(r for r in rows if r[1] == "option" and r[3] == "greet" and r[5] == "No")[:8] == [
        "CSAT",
        "option",
        "Opening",
        "greet",
        "Greeted by name?",
        "No",
        "10",
        "2.5",
    ]


def test_the_api_returns_the_same_figures_and_refuses_an_unknown_outcome(worked_example, client_for):
    client = client_for("supervisor_a")
    api = client.get("/api/v1/analytics/outcomes?outcome=csat")
    assert api.status_code == 200
    data = api.json()
    assert data["rows"][0]["key"] == "greet" and data["rows"][0]["effect"] == 2.1 and data["pairs"] == 20
    assert data["versions"][0]["scorecard"] == "Support QA"
    bad = client.get("/api/v1/analytics/outcomes?outcome=happiness")  # outside the enum in openapi.json
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "outcome"]
    page = client.get("/analytics/outcomes/?outcome=happiness")
    assert page.status_code == 400


def test_a_manager_sees_only_their_teams_outcomes(worked_example, client_for):
    data = client_for("manager_b").get("/api/v1/analytics/outcomes").json()
    assert data["pairs"] == 0 and not any(r["enough"] for r in data["rows"])


def test_the_outcome_page_runs_a_bounded_number_of_queries_whatever_the_data(
    worked_example, personas, card, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/analytics/outcomes/?outcome=csat").status_code == 200
        return len(queries)

    before = count()
    for i in range(5):
        _evaluate_with_outcome(personas, card, {"greet": "no", "tone": i + 1, "disclosure": "no"}, csat=i + 1)
    assert count() == before <= 30
