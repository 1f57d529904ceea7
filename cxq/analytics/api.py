"""Analytics API (docs/analytics.md): the same reports, filters (query parameters of the page's form) and
scope as the pages. A malformed date or id is a 422, a value the filters refuse (out of scope, an unknown
choice, a range too long) a 400; both name the field."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema

from cxq.accounts.permissions import has_perm
from cxq.analytics import selectors
from cxq.analytics.forms import parse_filters
from cxq.lib.apischema import OptionalDate, OptionalUUID, errors
from cxq.lib.inputs import Text

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


class FilterQuery(Schema):
    """The filters as query parameters. Declared for the OpenAPI document and so a malformed id or date
    is a 422 naming it; the filter form then reads the same parameters (one reading for the pages, the
    CSV exports and the API) and answers 400 naming a value outside the caller's scope."""

    date_from: OptionalDate = Field(
        None, description="First day, in the organisation's time zone (default: 90 days before date_to)"
    )
    date_to: OptionalDate = Field(None, description="Last day, included (default: today)")
    scorecard: OptionalUUID = None
    versions: list[UUID] = Field([], description="Scorecard versions; repeat the parameter for several")
    channel: Text = Field("", description="voice, video, chat, email, sms, social or offline")
    source: Text = Field("", description="manual, assigned, goal, automation or automated")


class PeopleQuery(FilterQuery):
    team: OptionalUUID = None
    agent: OptionalUUID = None
    evaluator: OptionalUUID = None


class TrendsQuery(PeopleQuery):
    period: Text = Field("week", description="day, week or month")
    split: Text = Field("", description="empty (all together), team or scorecard")


class MyScoresQuery(FilterQuery):
    period: Text = Field("week", description="day, week or month")


def _filters(request, *, code: str = "analytics.view", own: bool = False) -> selectors.Filters:
    if not has_perm(request.user, code):
        raise PermissionDenied("Your role cannot see these analytics.")
    form, filters = parse_filters(request.GET, viewer=request.user, own=own)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return filters


@router.get(
    "/analytics/breakdown",
    response={200: BreakdownOut, **errors(400, 403, 422)},
    summary="Response breakdown by question",
)
def breakdown(request, query: Query[PeopleQuery]):
    return selectors.breakdown(_filters(request), selectors.scope_of(request.user))


@router.get(
    "/analytics/trends",
    response={200: TrendsOut, **errors(400, 403, 422)},
    summary="Score and pass rate over time",
)
def trends(request, query: Query[TrendsQuery]):
    return selectors.trends(_filters(request), selectors.scope_of(request.user))


@router.get(
    "/analytics/leaderboards/agents",
    response={200: list[LeaderboardRow], **errors(400, 403, 422)},
    summary="Agent leaderboard",
)
def leaderboard_agents(request, query: Query[PeopleQuery]):
    return selectors.leaderboard(_filters(request), selectors.scope_of(request.user), of="agents")


@router.get(
    "/analytics/leaderboards/evaluators",
    response={200: list[LeaderboardRow], **errors(400, 403, 422)},
    summary="Evaluator leaderboard",
)
def leaderboard_evaluators(request, query: Query[PeopleQuery]):
    return selectors.leaderboard(_filters(request), selectors.scope_of(request.user), of="evaluators")


@router.get(
    "/analytics/me",
    response={200: MyScoresOut, **errors(400, 403, 422)},
    summary="My scores next to my team's average",
)
def me(request, query: Query[MyScoresQuery]):
    return selectors.agent_view(_filters(request, code="analytics.own", own=True), request.user)
