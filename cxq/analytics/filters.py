"""The analytics filters (docs/analytics.md#filters): one declaration for every report's page, CSV and API.

Three filter sets share the declaration: :class:`TrendFilter` (every filter), :class:`ReportFilter`
(breakdown and leaderboards: no period or split) and :class:`OwnFilter` (an agent's own view: no people,
team or split). Each drives its page's form, and its ``api_schema()`` is the API's query parameters in
openapi.json (a malformed date or id, or a value outside a fixed list, is a 422 naming it).

Unlike the lists, analytics reads facts and rollups with its own SQL, so the validated filter set is
turned into the selectors' terms (:meth:`AnalyticsFilter.terms`: ids, not uuids) instead of narrowing a
queryset. Choices are limited to the viewer's scope on the page *and* in the API — a manager naming
another team's uuid gets an error on ``team`` (a 400), never that team's numbers. Dates are days in the
organisation's time zone; empty ones default to the last 90 days.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.selectors import agents_in_scope, user_scope
from cxq.analytics.models import EvaluationFact
from cxq.analytics.selectors import PERIODS, Filters, scope_of, scoped_teams
from cxq.analytics.services import org_zone
from cxq.evaluations.choices import Source
from cxq.evaluations.sources import sources_where
from cxq.interactions.choices import Channel
from cxq.lib import filters
from cxq.lib.filters import django_filters, is_uuid
from cxq.lib.widgets import Autocomplete
from cxq.scorecards.models import Scorecard, ScorecardVersion
from cxq.scorecards.selectors import band_range

MAX_DAYS = 3 * 366
DEFAULT_DAYS = 90
DAY = forms.DateInput(attrs={"type": "date"})


def org_today():
    return timezone.now().astimezone(org_zone()).date()


def _viewer_choices():
    """Filled per viewer (what they may pick), page and API alike."""
    return []


class _DefaultRange(forms.Form):
    """Empty dates become the last 90 days; a range is at most three years, its end not before its start."""

    def clean(self):
        data = super().clean()
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        end = data.get("date_to") or org_today()
        start = data.get("date_from") or (end - timedelta(days=DEFAULT_DAYS - 1))
        if start > end:
            self.add_error("date_to", "The end date is before the start date.")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("date_from", f"Choose a range of at most {MAX_DAYS} days.")
        data["date_from"], data["date_to"] = start, end
        return data


class AnalyticsFilter(filters.FilterSet):
    date_from = filters.DayFilter(
        widget=DAY, label="From", help_text="First day, in the organisation's time zone (default: 90 days before To)"
    )
    date_to = filters.DayFilter(widget=DAY, label="To", help_text="Last day, included (default: today)")
    scorecard = django_filters.ChoiceFilter(
        field_name="scorecard__uuid", choices=_viewer_choices, empty_label="Any scorecard", label="Scorecard"
    )
    versions = django_filters.MultipleChoiceFilter(
        field_name="version__uuid",
        choices=_viewer_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Versions",
        help_text="Scorecard versions; repeat the parameter for several",
    )
    band = django_filters.ChoiceFilter(
        choices=_viewer_choices,
        empty_label="Any band",
        label="Band",
        help_text="A score band's key of the chosen scorecard (needs scorecard; percentage scorecards)",
    )
    team = django_filters.ChoiceFilter(
        field_name="team__uuid", choices=_viewer_choices, empty_label="Any team", label="Team"
    )
    agent = django_filters.ChoiceFilter(
        field_name="agent__uuid", choices=_viewer_choices, empty_label="Any agent", label="Agent"
    )
    evaluator = django_filters.ChoiceFilter(
        field_name="evaluator__uuid", choices=_viewer_choices, empty_label="Any evaluator", label="Evaluator"
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label="Any channel", label="Channel")
    source = django_filters.ChoiceFilter(
        choices=[c for c in Source.choices if c[0] in sources_where("counts_in_analytics")],
        empty_label="Any source",
        label="Source",
    )
    period = django_filters.ChoiceFilter(
        choices=[(p, p.title()) for p in PERIODS], empty_label=None, label="By", help_text="day, week or month"
    )
    split = django_filters.ChoiceFilter(
        choices=[("team", "Per team"), ("scorecard", "Per scorecard")],
        empty_label="All together",
        label="Split",
        help_text="empty (all together), team or scorecard",
    )

    class Meta:
        model = EvaluationFact  # what the reports read; the filters are turned into terms, not lookups
        form = _DefaultRange
        fields: list[str] = []

    needs_scope = True  # False: a view of one's own work, whose page asks its policy instead

    def __init__(self, data=None, *, viewer: User | None = None, **kwargs):
        """``viewer``: whose choices the filters offer and accept (none without one)."""
        super().__init__(with_defaults(data) if data is not None else None, **kwargs)
        self.viewer = viewer
        self.cards, self.versions, self.teams, self.people = {}, {}, {}, {}
        if viewer is not None:
            if self.needs_scope:
                scope_of(viewer)  # raises OutOfScope for roles without analytics
            self._fill_choices(viewer)

    def _fill_choices(self, viewer: User) -> None:
        cards = Scorecard.objects.exclude(current_version__isnull=True).order_by("name")
        self.cards = {str(c.uuid): c for c in cards}
        self._choose("scorecard", [(k, c.name) for k, c in self.cards.items()])
        card = self.cards.get(str((self.data or {}).get("scorecard") or ""))
        self._choose("band", [(b["key"], b["label"]) for b in (card.bands if card else [])])
        if "versions" in self.filters:
            versions = (
                ScorecardVersion.objects.select_related("scorecard")
                .only("uuid", "number", "scorecard__name")
                .order_by("scorecard__name", "number")
            )
            self.versions = {str(v.uuid): v for v in versions}
            self._choose("versions", [(k, f"{v.scorecard.name} v{v.number}") for k, v in self.versions.items()])
        # people and teams through autocomplete pickers (docs/interactions.md#pickers): only the chosen
        # ids are read, and accepted only when they are in the viewer's scope
        if "team" in self.filters:
            teams = scoped_teams(viewer).filter(uuid__in=self._chosen("team"))
            self.teams = {str(t.uuid): t for t in teams}
            self._choose("team", [(k, t.name) for k, t in self.teams.items()], reverse_lazy("accounts:pick_teams"))
        if "agent" in self.filters or "evaluator" in self.filters:
            chosen = self._chosen("agent") + self._chosen("evaluator")
            people = user_scope(viewer=viewer).filter(role__isnull=False, uuid__in=chosen).order_by()
            self.people = {str(u.uuid): u for u in people.only("uuid", "full_name")}
            agents = agents_in_scope(viewer=viewer).filter(uuid__in=chosen).values_list("uuid", flat=True)
            agents = {str(u) for u in agents}
            people_choices = [(k, u.full_name) for k, u in self.people.items()]
            self._choose("agent", [c for c in people_choices if c[0] in agents], reverse_lazy("accounts:pick_agents"))
            self._choose(
                "evaluator",
                [c for c in people_choices if c[0] not in agents],
                reverse_lazy("accounts:pick_evaluators"),
            )

    def _chosen(self, name: str) -> list[str]:
        """The public ids asked for in ``name`` (well-formed ones only)."""
        value = (self.data or {}).get(name) if name in self.filters else None
        return [value] if isinstance(value, str) and is_uuid(value) else []

    def _choose(self, name: str, choices: list, source=None) -> None:
        if name in self.filters:
            self.filters[name].extra["choices"] = choices
            if source is not None:
                self.filters[name].extra["widget"] = Autocomplete(source)

    @classmethod
    def parse(cls, data, *, viewer: User) -> tuple[AnalyticsFilter, Filters | None]:
        """Bound to a request's parameters (page or API) and validated; the selectors' terms, or None when
        a value is refused (the errors are on ``filterset.form``)."""
        filterset = cls(data, viewer=viewer)
        return filterset, (filterset.terms() if filterset.is_valid() else None)

    def check_values(self, data):
        """A band is one of the chosen scorecard's bands, on percent (docs/analytics.md#filters)."""
        if not data.get("band"):
            return []
        card = self.cards.get(data.get("scorecard") or "")
        if card is None:
            return [("band", "Choose a scorecard: a band is one of its score bands.")]
        if card.scoring_mode == "points":
            return [("band", f"“{card.name}” scores in points: filter its bands on the evaluations table.")]
        return []

    def terms(self) -> Filters:
        """The selectors' terms of the validated filters: ids, not uuids."""
        d = self.form.cleaned_data
        card = self.cards.get(d.get("scorecard") or "")
        team = self.teams.get(d.get("team") or "")
        agent = self.people.get(d.get("agent") or "")
        evaluator = self.people.get(d.get("evaluator") or "")
        band = band_range(card, d["band"]) if card is not None and d.get("band") else None
        return Filters(
            score_range=(float(band[0]), None if band[1] is None else float(band[1])) if band else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            scorecard_ids=[card.pk] if card else [],
            version_ids=[self.versions[k].pk for k in d.get("versions") or []],
            team_ids=[team.pk] if team else [],
            agent_id=agent.pk if agent else None,
            evaluator_id=evaluator.pk if evaluator else None,
            channel=d.get("channel") or "",
            source=d.get("source") or "",
            period=d.get("period") or "week",
            split=d.get("split") or "",
        )

    def first_error(self) -> str:
        for name, errors in self.form.errors.items():
            label = "" if name == "__all__" else f"{name}: "
            return f"{label}{errors[0]}"
        return ""


class TrendFilter(AnalyticsFilter):
    """Trends: every filter, by day, week or month, split per team or scorecard."""


class ReportFilter(AnalyticsFilter):
    """The breakdown and the leaderboards: no period, no split."""

    period = None
    split = None


class OwnFilter(AnalyticsFilter):
    """An agent's own view: no people or team filters, no split."""

    team = None
    agent = None
    evaluator = None
    split = None


class OwnWorkFilter(OwnFilter):
    """Whoever evaluates, on the evaluations they did (docs/analytics.md#my-evaluations): the agent's
    filters; no analytics scope is asked (the page asks ``policies.sees_own_work``)."""

    needs_scope = False


class OutcomeFilter(ReportFilter):
    """The customer-outcome link (docs/analytics.md#customer-outcome-link): the report's filters and the
    outcome to relate the answers to."""

    outcome = django_filters.ChoiceFilter(
        choices=[("csat", "CSAT"), ("nps", "NPS"), ("resolved", "Resolution")],
        empty_label=None,
        label="Outcome",
        help_text="csat (1–5, the default), nps (0–10; means are Net Promoter Scores) or resolved",
    )

    def chosen_outcome(self) -> str:
        return self.form.cleaned_data.get("outcome") or "csat"


def with_defaults(data) -> dict:
    """The request's filters with the defaults written in (last 90 days, by week), so the form shows them."""
    data = data.copy()
    if not data.get("period"):
        data["period"] = "week"
    if not data.get("date_to"):
        data["date_to"] = org_today().isoformat()
    if not data.get("date_from"):
        try:
            end = date.fromisoformat(data["date_to"])
        except ValueError:
            end = org_today()
        data["date_from"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    return data
