"""Analytics API (docs/analytics.md#breakdown-by-question, docs/analytics.md#csv-exports): the same reports, filters
(query parameters of the page's form) and scope
as the pages. A bad filter value is a 400 naming the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema

from cxq.accounts.permissions import has_perm
from cxq.analytics import selectors
from cxq.analytics.forms import parse_filters

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


def _filters(request, *, code: str = "analytics.view", own: bool = False) -> selectors.Filters:
    if not has_perm(request.user, code):
        raise PermissionDenied("Your role cannot see these analytics.")
    form, filters = parse_filters(request.GET, viewer=request.user, own=own)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return filters


@router.get("/analytics/breakdown", response=BreakdownOut, summary="Response breakdown by question")
def breakdown(request):
    """Query parameters: date_from, date_to (org-zone days), scorecard, versions, team, agent, evaluator
    (uuids), channel, source."""
    return selectors.breakdown(_filters(request), selectors.scope_of(request.user))


@router.get("/analytics/trends", response=TrendsOut, summary="Score and pass rate over time")
def trends(request):
    """Also: period (day, week, month) and split ("", team, scorecard)."""
    return selectors.trends(_filters(request), selectors.scope_of(request.user))


@router.get("/analytics/leaderboards/agents", response=list[LeaderboardRow], summary="Agent leaderboard")
def leaderboard_agents(request):
    return selectors.leaderboard(_filters(request), selectors.scope_of(request.user), of="agents")


@router.get("/analytics/leaderboards/evaluators", response=list[LeaderboardRow], summary="Evaluator leaderboard")
def leaderboard_evaluators(request):
    return selectors.leaderboard(_filters(request), selectors.scope_of(request.user), of="evaluators")


@router.get("/analytics/me", response=MyScoresOut, summary="My scores next to my team's average")
def me(request):
    return selectors.agent_view(_filters(request, code="analytics.own", own=True), request.user)
