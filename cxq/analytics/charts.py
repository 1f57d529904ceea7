"""Chart specs for cxq/static/cxq/charts.js ({type, labels, datasets, y}); every chart has a table beside it."""

from __future__ import annotations


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


def breakdown_chart(result: dict) -> dict:
    """Percent of the maximum points per question (a horizontal bar per question)."""
    labels, data = [], []
    for section in result["sections"]:
        for q in section["questions"]:
            labels.append(q["text"][:60])
            data.append(q["percent_of_max"])
    return {
        "type": "bar",
        "horizontal": True,
        "labels": labels,
        "datasets": [{"label": "% of max points", "data": data}],
        "y": {"min": 0, "max": 100, "suffix": "%"},
    }
