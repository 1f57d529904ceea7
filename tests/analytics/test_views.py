"""Analytics pages, CSV exports, API and drill-down: scope, filters and errors."""

from __future__ import annotations

import csv
import io
from uuid import uuid4

from cxq.analytics.models import EvaluationFact
from tests.analytics.conftest import evaluate

GOOD = {"greet": "yes", "tone": 5, "disclosure": "yes"}
MIXED = {"greet": "no", "tone": 3, "disclosure": "yes"}


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _data(personas, card):
    a = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    b = evaluate(personas.manager_b, personas.agent_b1, card, MIXED)
    return a, b


def test_a_supervisor_sees_the_breakdown_of_their_team_only(personas, card, client_for):
    _data(personas, card)
    page = client_for("supervisor_a").get("/analytics/")
    assert page.status_code == 200
    overall = page.context["result"]["overall"]
    assert overall["count"] == 1 and overall["average_score"] == 100.0
    assert b"Breakdown by question" in page.content and b"breakdown-chart" in page.content
    admin = client_for("admin").get("/analytics/")
    assert admin.context["result"]["overall"]["count"] == 2


def test_a_manager_naming_another_team_gets_a_400_naming_the_field(personas, card, client_for):
    _data(personas, card)
    page = client_for("manager_b").get(f"/analytics/?team={personas.team_a.uuid}")
    assert page.status_code == 400 and "team" in page.context["form"].errors
    api = client_for("manager_b").get(f"/api/v1/analytics/breakdown?team={personas.team_a.uuid}")
    assert api.status_code == 400 and api.json()["detail"].startswith("team:")


def test_bad_filter_values_are_400s_naming_the_field(personas, client_for):
    """In the API a malformed date or id, or a value outside a fixed list (an enum in openapi.json), is a
    422 (the parameter's declared type), a well-formed value the filters refuse a 400; both name the field."""
    client = client_for("admin")
    for query, field, api_status in (
        ("date_from=2026-13-01", "date_from", 422),
        ("date_from=2026-05-02&date_to=2026-05-01", "date_to", 400),
        ("date_from=2020-01-01&date_to=2026-01-01", "date_from", 400),
        ("channel=fax", "channel", 422),
        ("period=year", "period", 422),
        ("agent=not-a-uuid", "agent", 422),
        (f"agent={uuid4()}", "agent", 400),
        ("source=calibration", "source", 422),
    ):
        page = client.get(f"/analytics/trends/?{query}")
        assert page.status_code == 400 and field in page.context["form"].errors, query
        api = client.get(f"/api/v1/analytics/trends?{query}")
        assert api.status_code == api_status, query
        if api_status == 400:
            assert api.json()["detail"].startswith(f"{field}:"), query
        else:
            assert api.json()["detail"][0]["loc"] == ["query", field], query


def test_agents_see_only_their_own_view_with_the_team_average_and_no_names(personas, card, client_for):
    _data(personas, card)
    evaluate(personas.supervisor_a, personas.agent_a1, card, MIXED)
    client = client_for("agent_a1")
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/leaderboards/").status_code == 403
    assert client.get("/api/v1/analytics/leaderboards/agents").status_code == 403
    page = client.get("/analytics/me/")
    assert page.status_code == 200
    result = page.context["result"]
    assert result["overall"]["count"] == 2 and result["team_overall"]["count"] == 2
    assert b"Bea Agent" not in page.content and b"Eve Evaluator" not in page.content
    api = client.get("/api/v1/analytics/me").json()
    assert api["overall"]["count"] == 2
    # the agent cannot widen their view with a filter on someone else
    assert client.get(f"/api/v1/analytics/me?agent={personas.agent_b1.uuid}").json()["overall"]["count"] == 2


def test_every_table_exports_to_csv_with_the_same_filters(personas, card, client_for):
    _data(personas, card)
    client = client_for("admin")
    rows = _csv(client.get("/analytics/?export=csv&channel=voice"))
    assert rows[0][0] == "row" and rows[1][0] == "overall" and rows[1][7] == "2"
    greet = [r for r in rows if r[0] == "option" and r[4] == "greet" and r[6] == "Yes"]
    assert greet and greet[0][7] == "1" and greet[0][1] == "Support QA"
    rows = _csv(client.get(f"/analytics/?export=csv&team={personas.team_b.uuid}"))
    assert rows[1][7] == "1"
    rows = _csv(client.get("/analytics/trends/?export=csv&period=month"))
    assert rows[0][:2] == ["series", "month_starting"] and rows[1][2] == "2"
    agents = _csv(client.get("/analytics/leaderboards/?export=agents"))
    assert {r[0] for r in agents[1:]} == {"Andy Agent", "Bea Agent"}
    evaluators = _csv(client.get(f"/analytics/leaderboards/?export=evaluators&team={personas.team_a.uuid}"))
    assert [r[0] for r in evaluators[1:]] == ["Eve Evaluator"] and evaluators[1][-1] == ""
    mine = _csv(client_for("agent_a1").get("/analytics/me/?export=csv"))
    assert mine[0] == ["row", "key", "title", "your_percent", "team_average_percent"]


def test_the_api_answers_every_report_in_scope(personas, card, client_for):
    _data(personas, card)
    client = client_for("manager_b")
    body = client.get("/api/v1/analytics/breakdown").json()
    assert body["overall"]["count"] == 1 and body["versions"][0]["id"] == str(card.current_version.uuid)
    greet = body["sections"][0]["questions"][0]
    assert greet["key"] == "greet" and [o["count"] for o in greet["options"]] == [0, 1]
    trend = client.get("/api/v1/analytics/trends?period=day&split=team").json()
    assert [s["name"] for s in trend["series"]] == ["Team B"]
    agents = client.get("/api/v1/analytics/leaderboards/agents").json()
    assert [a["name"] for a in agents] == ["Bea Agent"] and agents[0]["id"] == str(personas.agent_b1.uuid)
    evaluators = client.get("/api/v1/analytics/leaderboards/evaluators").json()
    assert evaluators[0]["name"] == "Max Manager" and evaluators[0]["calibration_deviation"] is None


def test_drill_down_links_open_the_evaluations_behind_the_figure(personas, card, client_for):
    a, b = _data(personas, card)
    client = client_for("admin")
    page = client.get("/analytics/")
    drill = page.context["drill"]
    listed = client.get(drill)
    assert listed.status_code == 200 and {e.pk for e in listed.context["rows"]} == {a.pk, b.pk}
    listed = client.get(drill + "&question=greet&answer=no")
    assert [e.pk for e in listed.context["rows"]] == [b.pk]
    assert b"question=greet&amp;answer=no" in page.content
    board = client.get("/analytics/leaderboards/")
    listed = client.get(board.context["drill"] + f"&agent={personas.agent_a1.uuid}")
    assert [e.pk for e in listed.context["rows"]] == [a.pk]
    assert EvaluationFact.objects.count() == 2


def test_calibration_deviation_is_the_distance_from_the_other_assessors_mean(personas, card, client_for):
    from cxq.evaluations import services as ev
    from cxq.evaluations.models import Evaluation
    from tests.analytics.conftest import new_call

    call = new_call(personas.agent_a1.email)
    scores = {}
    for by, answers in ((personas.evaluator, GOOD), (personas.supervisor_a, MIXED), (personas.admin, MIXED)):
        draft = ev.evaluation_start(by=by, interaction=call, scorecard=card, source="calibration")
        ev.evaluation_save(by=by, evaluation=draft, answers=answers)
        done = ev.evaluation_submit(by=by, evaluation=Evaluation.objects.get(pk=draft.pk))
        scores[by.pk] = float(done.score_percent)
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)  # so the evaluator is on the board
    rows = client_for("admin").get("/api/v1/analytics/leaderboards/evaluators").json()
    eve = next(r for r in rows if r["name"] == "Eve Evaluator")
    others = (scores[personas.supervisor_a.pk] + scores[personas.admin.pk]) / 2
    assert eve["calibration_deviation"] == round(abs(scores[personas.evaluator.pk] - others), 2)
    assert eve["count"] == 1  # calibration evaluations never count in the figures


def test_report_pages_run_a_bounded_number_of_queries(personas, card, client_for, django_assert_max_num_queries):
    for _ in range(3):
        _data(personas, card)
    client = client_for("admin")
    for path in ("/analytics/", "/analytics/trends/?period=day", "/analytics/leaderboards/"):
        # the breakdown also picks its default scorecard and reads its score bands: 35, whatever the data
        with django_assert_max_num_queries(36):
            assert client.get(path).status_code == 200


def test_a_trend_point_links_to_its_own_evaluations(personas, card, client_for):
    a, b = _data(personas, card)
    client = client_for("admin")
    page = client.get(f"/analytics/trends/?period=day&split=team&team={personas.team_b.uuid}")
    (series,) = page.context["result"]["series"]
    listed = client.get(series["points"][0]["drill"])
    assert [e.pk for e in listed.context["rows"]] == [b.pk]


def test_the_versions_parameter_repeats_and_is_checked_like_the_page(personas, card, client_for):
    _data(personas, card)
    client = client_for("admin")
    version = card.current_version.uuid
    both = client.get(f"/api/v1/analytics/breakdown?versions={version}&versions={version}")
    assert both.status_code == 200 and both.json()["overall"]["count"] == 2
    unknown = client.get(f"/api/v1/analytics/breakdown?versions={version}&versions={uuid4()}")
    assert unknown.status_code == 400 and unknown.json()["detail"].startswith("versions:")
    assert client.get("/api/v1/analytics/breakdown?versions=v1").status_code == 422


def _second_card(personas):
    import copy

    from cxq.scorecards import services as sc
    from tests.scorecards.conftest import DOC

    doc = copy.deepcopy(DOC) | {"name": "Chat QA"}
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=doc))


def test_the_breakdown_shows_one_scorecard_the_busiest_unless_one_is_chosen(personas, card, client_for):
    other = _second_card(personas)
    _data(personas, card)
    evaluate(personas.evaluator, personas.agent_a1, other, MIXED)
    client = client_for("admin")
    page = client.get("/analytics/")
    result = page.context["result"]
    assert result["overall"]["count"] == 2 and {s["scorecard"] for s in result["sections"]} == {card.name}
    assert page.context["form"]["scorecard"].value() == str(card.uuid)
    assert f"scorecard={card.uuid}" in page.context["drill"]  # the drill-down keeps the scorecard
    assert b"Any scorecard" not in page.content
    chosen = client.get(f"/analytics/?scorecard={other.uuid}").context["result"]
    assert chosen["overall"]["count"] == 1 and {s["scorecard"] for s in chosen["sections"]} == {"Chat QA"}
    api = client.get("/api/v1/analytics/breakdown").json()
    assert api["overall"]["count"] == 2 and {v["scorecard"] for v in api["versions"]} == {card.name}


def test_the_breakdown_chart_labels_every_question_wrapped_into_lines(personas, card, client_for):
    _data(personas, card)
    chart = client_for("admin").get("/analytics/").context["chart"]
    assert chart["labels"] == [["Greeted by name?"], ["Tone"], ["Read the disclosure"]]
    from cxq.analytics.charts import wrap_label

    long = wrap_label("Did the agent confirm the customer's identity with two factors before discussing the account?")
    assert len(long) == 3 and all(len(line) <= 38 for line in long)


def test_an_evaluator_sees_their_own_work_and_nobody_elses(personas, card, client_for):
    mine = evaluate(personas.evaluator, personas.agent_a1, card, GOOD)
    evaluate(personas.supervisor_a, personas.agent_a1, card, MIXED)  # a peer in team A
    evaluate(personas.manager_b, personas.agent_b1, card, MIXED)  # another team
    client = client_for("evaluator")
    assert client.get("/analytics/").status_code == 403
    page = client.get("/analytics/my-evaluations/")
    assert page.status_code == 200
    result = page.context["result"]
    assert result["overall"]["count"] == 1 and result["overall"]["average_score"] == float(mine.score_percent)
    assert result["peers_overall"]["count"] == 2  # every evaluator in the teams they lead (team A)
    assert result["calibration_deviation"] is None and b"no data" in page.content
    greet = result["breakdown"]["sections"][0]["questions"][0]
    assert {o["key"]: o["count"] for o in greet["options"]} == {"yes": 1, "no": 0}
    assert f"evaluator={personas.evaluator.uuid}" in page.context["drill"]
    api = client.get("/api/v1/analytics/my-evaluations").json()
    assert api["overall"]["count"] == 1 and api["peers_overall"]["count"] == 2
    assert client.get("/api/v1/analytics/my-evaluations?team=x").status_code == 200  # no team filter there
    assert client_for("agent_a1").get("/analytics/my-evaluations/").status_code == 403
    csv_rows = _csv(client.get("/analytics/my-evaluations/?export=csv"))
    assert csv_rows[1][0] == "overall" and csv_rows[1][7] == "1"


def test_my_evaluations_runs_the_same_number_of_queries_whatever_the_data(personas, card, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("evaluator")
    evaluate(personas.evaluator, personas.agent_a1, card, GOOD)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/analytics/my-evaluations/?period=day").status_code == 200
        return len(queries)

    before = count()
    for _ in range(3):
        evaluate(personas.evaluator, personas.agent_a1, card, MIXED)
    # five reports in one page (mine, my teams', trend, breakdown, calibration): constant, never per row
    assert count() == before <= 45
