"""Analytics API (docs/analytics.md): the same reports, filters (query parameters of the page's form) and
scope as the pages. A malformed date or id is a 422, a value the filters refuse (out of scope, an unknown
choice, a range too long) a 400; both name the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema

from cxq.accounts.permissions import has_perm
from cxq.analytics import selectors
from cxq.analytics.filters import AnalyticsFilter, OwnFilter, ReportFilter, TrendFilter
from cxq.lib.apischema import errors

router = Router(tags=["analytics"])


class Figures(Schema):
    count: int
    average_score: float | None
    pass_rate: float | None
    auto_fail_rate: float | None
    dispute_rate: float | None
    disputes_open: int
    disputes_adjusted: int
    disputes_reaffirmed: int


class LeaderboardRow(Figures):
    id: str
    name: str
    calibration_deviation: float | None = None

    @staticmethod
    def resolve_id(obj):
        return obj["uuid"]


class Option(Schema):
    key: str
    label: str
    count: int
    percent: float | None


class Question(Schema):
    key: str
    text: str
    changed: bool = Field(description="The question differs between the scorecard versions combined here")
    options: list[Option]
    na: int
    unanswered: int
    answered: int
    average_points: float | None
    percent_of_max: float | None
    team_percent_of_max: float | None = None


class Section(Schema):
    key: str
    title: str
    scorecard: str
    count: int
    average_percent: float | None
    auto_fail_rate: float | None
    team_average_percent: float | None = None
    questions: list[Question]


class Version(Schema):
    id: str
    scorecard: str
    number: int

    @staticmethod
    def resolve_id(obj):
        return obj["uuid"]


class BreakdownOut(Schema):
    overall: Figures
    sections: list[Section]
    versions: list[Version]


class TrendPoint(Figures):
    period: str = Field(description="First day of the day, week (Monday) or month")
    start: str
    end: str


class Series(Schema):
    name: str
    points: list[TrendPoint]


class TrendsOut(Schema):
    period: str
    split: str
    series: list[Series]


class MyScoresOut(Schema):
    overall: Figures
    team_overall: Figures | None
    sections: list[Section]
    trend: list[TrendPoint]
    team_trend: list[TrendPoint]


def _filters(request, filter_set: type[AnalyticsFilter], *, code: str = "analytics.view") -> selectors.Filters:
    """The request's parameters read by the report's filter set with the caller's choices (its
    ``api_schema()`` has already refused a malformed one with a 422)."""
    if not has_perm(request.user, code):
        raise PermissionDenied("Your role cannot see these analytics.")
    filterset, filters = filter_set.parse(request.GET, viewer=request.user)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in filterset.form.errors.items()})
    return filters


@router.get(
    "/analytics/breakdown",
    response={200: BreakdownOut, **errors(400, 403, 422)},
    summary="Response breakdown by question",
)
def breakdown(request, query: Query[ReportFilter.api_schema()]):
    return selectors.breakdown(_filters(request, ReportFilter), selectors.scope_of(request.user))


@router.get(
    "/analytics/trends",
    response={200: TrendsOut, **errors(400, 403, 422)},
    summary="Score and pass rate over time",
)
def trends(request, query: Query[TrendFilter.api_schema()]):
    return selectors.trends(_filters(request, TrendFilter), selectors.scope_of(request.user))


@router.get(
    "/analytics/leaderboards/agents",
    response={200: list[LeaderboardRow], **errors(400, 403, 422)},
    summary="Agent leaderboard",
)
def leaderboard_agents(request, query: Query[ReportFilter.api_schema()]):
    return selectors.leaderboard(_filters(request, ReportFilter), selectors.scope_of(request.user), of="agents")


@router.get(
    "/analytics/leaderboards/evaluators",
    response={200: list[LeaderboardRow], **errors(400, 403, 422)},
    summary="Evaluator leaderboard",
)
def leaderboard_evaluators(request, query: Query[ReportFilter.api_schema()]):
    return selectors.leaderboard(_filters(request, ReportFilter), selectors.scope_of(request.user), of="evaluators")


@router.get(
    "/analytics/me",
    response={200: MyScoresOut, **errors(400, 403, 422)},
    summary="My scores next to my team's average",
)
def me(request, query: Query[OwnFilter.api_schema()]):
    return selectors.agent_view(_filters(request, OwnFilter, code="analytics.own"), request.user)
