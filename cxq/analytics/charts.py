"""Chart specs for cxq/static/cxq/charts.js ({type, labels, datasets, y}); every chart has a table beside it."""

from __future__ import annotations

import textwrap


def trend_chart(series: list[dict]) -> dict:
    """Average score per period, one line per series (shapes and dashes tell them apart, not colour)."""
    labels = sorted({p["period"] for s in series for p in s["points"]})
    datasets = []
    for s in series:
        by_period = {p["period"]: p for p in s["points"]}
        datasets.append(
            {"label": s["name"], "data": [by_period[x]["average_score"] if x in by_period else None for x in labels]}
        )
    return {"type": "line", "labels": labels, "datasets": datasets, "y": {"min": 0, "max": 100, "suffix": "%"}}


def pass_rate_chart(series: list[dict]) -> dict:
    labels = sorted({p["period"] for s in series for p in s["points"]})
    datasets = []
    for s in series:
        by_period = {p["period"]: p for p in s["points"]}
        datasets.append(
            {"label": s["name"], "data": [by_period[x]["pass_rate"] if x in by_period else None for x in labels]}
        )
    return {"type": "line", "labels": labels, "datasets": datasets, "y": {"min": 0, "max": 100, "suffix": "%"}}


def wrap_label(text: str, width: int = 38, lines: int = 3) -> list[str]:
    """A bar label as lines (Chart.js draws a list as several lines), so every bar keeps its label."""
    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return out


def breakdown_chart(result: dict) -> dict:
    """Percent of the maximum points per question (a horizontal bar per question)."""
    labels, data = [], []
    for section in result["sections"]:
        for q in section["questions"]:
            labels.append(wrap_label(q["text"]))
            data.append(q["percent_of_max"])
    return {
        "type": "bar",
        "horizontal": True,
        "labels": labels,
        "datasets": [{"label": "% of max points", "data": data}],
        "y": {"min": 0, "max": 100, "suffix": "%"},
    }


def outcome_chart(result: dict) -> dict:
    """Each figure's 95 % interval on the correlation scale (a floating bar from low to high): a bar
    clear of 0 is a question that goes with the outcome. Rows without enough data are left out."""
    rows = [r for r in result["rows"] if r["enough"]]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [wrap_label(r["text"]) for r in rows],
        "datasets": [{"label": "95 % interval (correlation scale)", "data": [[r["r_low"], r["r_high"]] for r in rows]}],
        "y": {"min": -1, "max": 1, "suffix": ""},
    }
