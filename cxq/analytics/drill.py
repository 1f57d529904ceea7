"""Drill-down (docs/analytics.md#trends): the link from a figure to the evaluations table with the same filters.

Analytics days are the organisation's time zone, so the link carries the exact completion instants
(``completed_from``/``completed_to``) rather than dates the table would read in the viewer's zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from cxq.analytics.services import org_zone


def day_start(day, zone) -> str:
    return datetime.combine(day, time.min, tzinfo=zone).isoformat()


def completed_range(start, end, zone=None) -> dict[str, str]:
    zone = zone or org_zone()
    return {"completed_from": day_start(start, zone), "completed_to": day_start(end + timedelta(days=1), zone)}


def with_point_links(base: str | None, series: list[dict]) -> None:
    """Give every trend point the link to its own evaluations (the point's days, the series' team or scorecard)."""
    if base is None:
        return
    zone = org_zone()
    for s in series:
        extra = f"&{s['drill']}" if s.get("drill") else ""
        for p in s["points"]:
            days = completed_range(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), zone)
            p["drill"] = f"{base}&{urlencode(days)}{extra}"


def drill_base(form) -> str | None:
    """``/evaluations/?counted=1&…`` for the form's filters; a figure appends its own terms (a later
    repeat of a parameter wins, so a row can narrow the dates or the agent)."""
    if not form.is_bound or form.errors:
        return None
    d = form.cleaned_data
    params = {"counted": "1", **completed_range(d["date_from"], d["date_to"])}
    for name in ("agent", "evaluator", "scorecard", "team", "channel", "source"):
        if d.get(name):
            params[name] = d[name]
    versions = d.get("versions") or []
    if len(versions) == 1:
        params["version"] = versions[0]
    return f"{reverse('evaluations:list')}?{urlencode(params)}"


def evaluation_ids_answering(question_key: str, answer: str):
    """The evaluations whose recorded answer to the question is ``answer`` ('' unanswered, 'na'),
    whatever the scorecard version: what a breakdown figure counts. Plugged into the evaluations
    table's drill-down filter by cxq/wiring.py."""
    from cxq.analytics.models import AnswerFact

    return AnswerFact.objects.filter(question_key=question_key, answer=answer).values("evaluation_id")
