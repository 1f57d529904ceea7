"""Analytics pages (docs/analytics.md#breakdown-by-question, docs/analytics.md#csv-exports): breakdown by question,
trends, leaderboards and the agent's own view.

Each page parses its filter set (cxq/analytics/filters.py) (a bad value → the page with the field's error, status 400),
calls one selector, and renders tables next to charts; ``?export=csv`` (leaderboards: ``agents`` or
``evaluators``) streams the same table as CSV with the same filters."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from cxq.accounts.decorators import perm_required
from cxq.analytics import exports, selectors
from cxq.analytics.charts import breakdown_chart, pass_rate_chart, trend_chart
from cxq.analytics.drill import drill_base, with_point_links
from cxq.analytics.filters import OwnFilter, ReportFilter, TrendFilter
from cxq.analytics.services import zone_notice
from cxq.scorecards.models import Scorecard


def _bad(request, template: str, form, extra: dict | None = None) -> HttpResponse:
    return render(request, template, {"form": form, "errors": True, **(extra or {})}, status=400)


def _context(request, form, filters) -> dict:
    query = request.GET.copy()
    query.pop("export", None)
    return {
        "form": form,
        "query": query.urlencode(),
        "filters": filters,
        "drill": drill_base(form),
        "zone_notice": zone_notice(),
    }


@perm_required("analytics.view")
def breakdown(request):
    filterset, filters = ReportFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/breakdown.html", form)
    result = selectors.breakdown(filters, selectors.scope_of(request.user))
    if request.GET.get("export") == "csv":
        return exports.breakdown_csv(result)
    several = len({s["scorecard"] for s in result["sections"]}) > 1
    ctx = _context(request, form, filters) | {
        "result": result,
        "chart": breakdown_chart(result),
        "multiple_scorecards": several,
        "band_scorecard": _band_scorecard(filters.scorecard_ids, [v["id"] for v in result["versions"]]),
    }
    return render(request, "analytics/breakdown.html", ctx)


def _band_scorecard(scorecard_ids: list[int], version_ids: list[int] | None = None) -> Scorecard | None:
    """The one scorecard a report is about, whose score bands its averages are shown in
    (docs/scoring.md#score-bands); None when it spans several (their bands need not agree)."""
    qs = Scorecard.objects.all()
    if scorecard_ids:
        qs = qs.filter(pk__in=scorecard_ids)
    elif version_ids:
        qs = qs.filter(versions__pk__in=version_ids)
    else:
        return None
    found = list(qs.distinct()[:2])
    return found[0] if len(found) == 1 and found[0].bands else None


@perm_required("analytics.view")
def trends(request):
    filterset, filters = TrendFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/trends.html", form)
    result = selectors.trends(filters, selectors.scope_of(request.user))
    if request.GET.get("export") == "csv":
        return exports.trends_csv(result)
    charts = {"chart": trend_chart(result["series"]), "pass_chart": pass_rate_chart(result["series"])}
    ctx = _context(request, form, filters) | {"result": result, **charts}
    with_point_links(ctx["drill"], result["series"])
    return render(request, "analytics/trends.html", ctx)


@perm_required("analytics.view")
def leaderboards(request):
    filterset, filters = ReportFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/leaderboards.html", form)
    scope = selectors.scope_of(request.user)
    export = request.GET.get("export")
    if export in ("agents", "evaluators"):
        return exports.leaderboard_csv(export, selectors.leaderboard(filters, scope, of=export))
    agents = selectors.leaderboard(filters, scope, of="agents")
    evaluators = selectors.leaderboard(filters, scope, of="evaluators")
    band_scorecard = _band_scorecard(filters.scorecard_ids)
    ctx = _context(request, form, filters) | {
        "agents": agents,
        "evaluators": evaluators,
        "band_scorecard": band_scorecard,
    }
    return render(request, "analytics/leaderboards.html", ctx)


@perm_required("analytics.own")
def me(request):
    """The agent's own view: their trend and breakdown next to their team's average, no other names."""
    filterset, filters = OwnFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/me.html", form)
    result = selectors.agent_view(filters, request.user)
    if request.GET.get("export") == "csv":
        return exports.agent_view_csv(result)
    series = [{"name": "You", "points": result["trend"]}, {"name": "Team average", "points": result["team_trend"]}]
    team = {p["period"]: p["average_score"] for p in result["team_trend"]}
    rows = [
        {"period": p["period"], "count": p["count"], "mine": p["average_score"], "team": team.get(p["period"])}
        for p in result["trend"]
    ]
    ctx = _context(request, form, filters) | {"result": result, "chart": trend_chart(series), "trend_rows": rows}
    return render(request, "analytics/me.html", ctx)
