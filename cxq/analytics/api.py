"""Analytics API (docs/analytics.md): the same reports, filters (query parameters of the page's form) and
scope as the pages. A malformed date or id is a 422, a value the filters refuse (out of scope, an unknown
choice, a range too long) a 400; both name the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema

from cxq.accounts.permissions import has_perm
from cxq.analytics import policies, selectors
from cxq.analytics.filters import AnalyticsFilter, OutcomeFilter, OwnFilter, OwnWorkFilter, ReportFilter, TrendFilter
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


class OutcomeOption(Schema):
    key: str
    label: str
    n: int = Field(description="Interactions whose evaluation gave this answer and that carry the outcome")
    mean: float | None = Field(description="Their mean outcome (NPS: promoters − detractors in %; resolved: %)")


class OutcomeRow(Schema):
    kind: str = Field(description="question, section or overall (the score)")
    key: str
    text: str
    section: str
    type: str | None = Field(None, description="The question's type: yes_no, single_choice or rating_scale")
    options: list[OutcomeOption]
    method: str = Field(description="difference (Welch, in the outcome's unit) or correlation (Spearman's rho)")
    enough: bool = Field(description="False: fewer than 10 on a side of a difference or 20 in a correlation")
    n: int
    comparison: str | None = Field(None, description="For a difference: which answer against which")
    effect: float | None = Field(None, description="The difference of means or rho")
    low: float | None = Field(None, description="95 % confidence interval, lower bound")
    high: float | None = Field(None, description="95 % confidence interval, upper bound")
    r: float | None = Field(None, description="The effect on a correlation scale (a difference: point-biserial)")
    r_low: float | None = None
    r_high: float | None = None
    strength: float | None = Field(None, description="The correlation-scale interval's bound nearest 0 (sort key)")


class OutcomeOut(Schema):
    outcome: str
    label: str
    noun: str = Field(description="The label as a word in a sentence")
    unit: str
    difference_unit: str
    pairs: int = Field(description="Evaluations in range whose interaction carries the outcome")
    versions: list[Version]
    rows: list[OutcomeRow] = Field(description="Questions by strength, then sections, then the overall score")


class MyWorkOut(Schema):
    overall: Figures = Field(description="The counted evaluations the caller did, whatever the team")
    peers_overall: Figures | None = Field(description="Every evaluator in the teams the caller leads (none: no team)")
    calibration_deviation: float | None = Field(description="Mean |my calibration score − the others' mean|")
    breakdown: BreakdownOut = Field(description="The answers the caller gave, one scorecard (default: the busiest)")
    trend: list[TrendPoint]


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
    description="For one scorecard (default: the one with the most evaluations in range) or chosen versions.",
)
def breakdown(request, query: Query[ReportFilter.api_schema()]):
    filters = _filters(request, ReportFilter)  # first: it refuses (403) a role without analytics
    scope = selectors.scope_of(request.user)
    return selectors.breakdown(selectors.with_one_scorecard(filters, scope), scope)


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


@router.get(
    "/analytics/outcomes",
    response={200: OutcomeOut, **errors(400, 403, 422)},
    summary="How each question's answers relate to CSAT, NPS or resolution",
    description="For one scorecard (default: the one with the most evaluations in range); docs/analytics.md.",
)
def outcomes(request, query: Query[OutcomeFilter.api_schema()]):
    if not has_perm(request.user, "analytics.view"):
        raise PermissionDenied("Your role cannot see these analytics.")
    filterset, filters = OutcomeFilter.parse(request.GET, viewer=request.user)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in filterset.form.errors.items()})
    scope = selectors.scope_of(request.user)
    filters = selectors.with_one_scorecard(filters, scope)
    return selectors.outcome_link(filters, scope, outcome=filterset.chosen_outcome())


@router.get(
    "/analytics/my-evaluations",
    response={200: MyWorkOut, **errors(400, 403, 422)},
    summary="The caller's own evaluations: scores given, trend, calibration deviation",
)
def my_work(request, query: Query[OwnWorkFilter.api_schema()]):
    if not policies.sees_own_work(request.user):
        raise PermissionDenied("Your role does not evaluate, so it has no evaluations of its own to show.")
    filterset, filters = OwnWorkFilter.parse(request.GET, viewer=request.user)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in filterset.form.errors.items()})
    return selectors.evaluator_view(filters, request.user)
