"""CSV exports of every analytics table (docs/analytics.md#csv-exports), streamed with the formula-injection guard."""

from __future__ import annotations

from cxq.lib.csvio import csv_stream_response

FIGURES = ("count", "average_score", "pass_rate", "auto_fail_rate")
DISPUTES = ("dispute_rate", "disputes_open", "disputes_adjusted", "disputes_reaffirmed")
BREAKDOWN_HEADER = [
    "row",
    "scorecard",
    "section_key",
    "section",
    "question_key",
    "question",
    "option_or_note",
    "count",
    "average_points",
    "percent",
    "pass_rate",
    "auto_fail_rate",
]


def _v(value):
    return "" if value is None else value


def breakdown_rows(result: dict):
    """One row per figure: overall, each section, each question and each of its options (N/A included)."""
    o = result["overall"]
    yield [
        "overall",
        "",
        "",
        "",
        "",
        "",
        "",
        o["count"],
        "",
        _v(o["average_score"]),
        _v(o["pass_rate"]),
        _v(o["auto_fail_rate"]),
    ]
    for s in result["sections"]:
        where = [s["scorecard"], s["key"], s["title"]]
        yield ["section", *where, "", "", "", s["count"], "", _v(s["average_percent"]), "", _v(s["auto_fail_rate"])]
        for q in s["questions"]:
            question = [*where, q["key"], q["text"]]
            note = "changed between versions" if q["changed"] else ""
            yield ["question", *question, note, q["answered"], _v(q["average_points"]), _v(q["percent_of_max"]), "", ""]
            for opt in q["options"]:
                yield ["option", *question, opt["label"], opt["count"], "", _v(opt["percent"]), "", ""]
            yield ["option", *question, "N/A", q["na"], "", "", "", ""]


def breakdown_csv(result: dict, *, name: str = "breakdown-by-question.csv"):
    return csv_stream_response(name, BREAKDOWN_HEADER, breakdown_rows(result))


def trends_csv(result: dict):
    def rows():
        for s in result["series"]:
            for p in s["points"]:
                yield [s["name"], p["period"], *[_v(p[k]) for k in FIGURES]]

    return csv_stream_response("trends.csv", ["series", f"{result['period']}_starting", *FIGURES], rows())


def leaderboard_csv(of: str, rows: list[dict]):
    extra = ["calibration_deviation"] if of == "evaluators" else []
    header = ["name", *FIGURES, *DISPUTES, *extra]
    return csv_stream_response(
        f"leaderboard-{of}.csv", header, ([r["name"], *[_v(r[k]) for k in header[1:]]] for r in rows)
    )


def agent_view_csv(result: dict):
    def rows():
        for s in result["sections"]:
            yield ["section", s["key"], s["title"], _v(s["average_percent"]), _v(s["team_average_percent"])]
            for q in s["questions"]:
                yield ["question", q["key"], q["text"], _v(q["percent_of_max"]), _v(q["team_percent_of_max"])]

    return csv_stream_response("my-scores.csv", ["row", "key", "title", "your_percent", "team_average_percent"], rows())


OUTCOME_HEADER = [
    "outcome",
    "row",
    "section",
    "question_key",
    "question",
    "option_or_comparison",
    "n",
    "mean",
    "method",
    "effect",
    "ci_low",
    "ci_high",
    "strength",
]


def outcome_csv(result: dict):
    """One row per question, section and the overall score (the figure), then one per option (its mean)."""

    def rows():
        label = result["label"]
        for r in result["rows"]:
            where = [label, r["kind"], r["section"], r["key"], r["text"]]
            figure = [_v(r.get(k)) for k in ("effect", "low", "high", "strength")]
            note = r.get("comparison", "") if r["enough"] else "not enough data"
            yield [*where, note, r["n"], "", r["method"], *figure]
            for o in r["options"]:
                yield [
                    label,
                    "option",
                    r["section"],
                    r["key"],
                    r["text"],
                    o["label"],
                    o["n"],
                    _v(o["mean"]),
                    "",
                    "",
                    "",
                    "",
                    "",
                ]

    return csv_stream_response(f"outcome-link-{result['outcome']}.csv", OUTCOME_HEADER, rows())
