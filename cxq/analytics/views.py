"""Analytics pages (docs/analytics.md#breakdown-by-question, docs/analytics.md#csv-exports): breakdown by question,
trends, leaderboards and the agent's own view.

Each page parses its filter set (cxq/analytics/filters.py) (a bad value → the page with the field's error, status 400),
calls one selector, and renders tables next to charts; ``?export=csv`` (leaderboards: ``agents`` or
``evaluators``) streams the same table as CSV with the same filters."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from cxq.accounts.decorators import perm_required
from cxq.analytics import exports, policies, selectors
from cxq.analytics.charts import breakdown_chart, outcome_chart, pass_rate_chart, trend_chart
from cxq.analytics.drill import drill_base, with_point_links
from cxq.analytics.filters import OutcomeFilter, OwnFilter, OwnWorkFilter, ReportFilter, TrendFilter
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
        "own_work": policies.sees_own_work(request.user),
    }


def one_scorecard(filterset, filters, scope) -> None:
    """Reports that read one scorecard: the chosen one (or chosen versions), else the one with the most
    evaluations in range, shown as chosen in the form and carried into the drill-down links
    (docs/analytics.md#breakdown-by-question)."""
    form = filterset.form
    if "scorecard" in form.fields:  # no "Any scorecard": one is always shown
        form.fields["scorecard"].empty_label = None
        form.fields["scorecard"].choices = [(k, c.name) for k, c in filterset.cards.items()]
    if filters.scorecard_ids or filters.version_ids or not selectors.with_one_scorecard(filters, scope).scorecard_ids:
        return
    key = next((k for k, c in filterset.cards.items() if c.pk == filters.scorecard_ids[0]), "")
    form.cleaned_data["scorecard"] = key
    form.data = form.data.copy()
    form.data["scorecard"] = key


@perm_required("analytics.view")
def breakdown(request):
    filterset, filters = ReportFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/breakdown.html", form)
    one_scorecard(filterset, filters, selectors.scope_of(request.user))
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


@perm_required("analytics.view")
def outcomes(request):
    """docs/analytics.md#customer-outcome-link: how each question's answers go with CSAT, NPS or resolution."""
    filterset, filters = OutcomeFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/outcomes.html", form)
    scope = selectors.scope_of(request.user)
    one_scorecard(filterset, filters, scope)
    result = selectors.outcome_link(filters, scope, outcome=filterset.chosen_outcome())
    if request.GET.get("export") == "csv":
        return exports.outcome_csv(result)
    ctx = _context(request, form, filters) | {"result": result, "chart": outcome_chart(result)}
    return render(request, "analytics/outcomes.html", ctx)


def my_work(request):
    """docs/analytics.md#my-evaluations: an evaluator's own evaluations, scores given and calibration deviation."""
    if not policies.sees_own_work(request.user):
        raise PermissionDenied("Your role does not evaluate, so it has no evaluations of its own to show.")
    filterset, filters = OwnWorkFilter.parse(request.GET, viewer=request.user)
    form = filterset.form
    if filters is None:
        return _bad(request, "analytics/my_work.html", form)
    result = selectors.evaluator_view(filters, request.user)
    if request.GET.get("export") == "csv":
        return exports.breakdown_csv(result["breakdown"], name="my-evaluations.csv")
    if result["scorecard_ids"] and "scorecard" in form.fields:
        key = next((k for k, c in filterset.cards.items() if c.pk == result["scorecard_ids"][0]), "")
        form.data = form.data.copy()
        form.data["scorecard"] = key
        form.cleaned_data["scorecard"] = key
    series = [{"name": "Scores I gave", "points": result["trend"]}]
    ctx = _context(request, form, filters) | {"result": result, "chart": trend_chart(series)}
    ctx["drill"] = f"{ctx['drill']}&evaluator={request.user.uuid}" if ctx["drill"] else None
    return render(request, "analytics/my_work.html", ctx)
