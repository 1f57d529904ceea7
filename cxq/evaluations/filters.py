"""The evaluations table's filters: one declaration for the page, its CSV export, the selector and the
API, the analytics drill-down terms included (hidden on the page, carried in the link)."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.evaluations.choices import COUNTED_STATUSES, Source, Status
from cxq.evaluations.models import Dispute, Evaluation
from cxq.evaluations.sources import counted_sources, sources_where
from cxq.interactions.choices import Channel
from cxq.lib import filters
from cxq.lib.filters import django_filters
from cxq.lib.timezones import day_edge
from cxq.scorecards.models import Scorecard
from cxq.scorecards.selectors import band_range

DAY = forms.DateInput(attrs={"type": "date"})
HIDDEN = forms.HiddenInput

# Every sort of the table is a keyset sort (cxq/lib/keyset.py): its column, then the id, in one direction.
SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "completed": "completed_at",
    "-completed": "-completed_at",
    "score": "score_percent",
    "-score": "-score_percent",
    # the agent's name as kept on the evaluation: an index serves it (docs/evaluations.md#sorting-by-agent)
    "agent": "agent_name",
    "-agent": "-agent_name",
}


def _pickers(filterset, *, agents=None, teams=None, evaluators=None, scorecards=None) -> None:
    """The page's people, team and scorecard filters as autocomplete pickers over the given querysets."""
    if agents is not None:
        filterset.pick("agent", agents, reverse_lazy("accounts:pick_agents"))
    if teams is not None:
        filterset.pick("team", teams, reverse_lazy("accounts:pick_teams"), label="name")
    if evaluators is not None:
        filterset.pick("evaluator", evaluators, reverse_lazy("accounts:pick_evaluators"))
    if scorecards is not None:
        filterset.pick("scorecard", scorecards, reverse_lazy("scorecards:pick"), label="name")


def _people_or_cards():
    """Filled per viewer by the page (the people and scorecards they may pick); free text in the API."""
    return []


class EvaluationFilter(filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status", label="Status")
    # calibration evaluations are listed in their session, never in this table (docs/calibrations.md#the-session,
    # docs/calibrations.md#active-calibration-marker)
    source = django_filters.ChoiceFilter(
        choices=[c for c in Source.choices if c[0] in sources_where("listed")], empty_label="Any source", label="Source"
    )
    agent = django_filters.ChoiceFilter(
        field_name="agent__uuid", choices=_people_or_cards, empty_label="Any agent", label="Agent"
    )
    evaluator = django_filters.ChoiceFilter(
        field_name="evaluator__uuid", choices=_people_or_cards, empty_label="Any evaluator", label="Evaluator"
    )
    scorecard = django_filters.ChoiceFilter(
        field_name="scorecard__uuid", choices=_people_or_cards, empty_label="Any scorecard", label="Scorecard"
    )
    # a score band of the chosen scorecard (docs/evaluations.md#the-evaluations-table): its choices are that
    # scorecard's bands on the page, a band key in the API
    band = django_filters.ChoiceFilter(
        method="filter_band",
        choices=_people_or_cards,
        empty_label="Any band",
        label="Band",
        help_text="A score band's key of the chosen scorecard (needs scorecard)",
    )
    passed = filters.YesNoFilter(choices=[("", "Pass or fail"), ("yes", "Passed"), ("no", "Failed")], label="Passed")
    date_from = filters.DayFilter(method="filter_date_from", label="From", widget=DAY)
    date_to = filters.DayFilter(method="filter_date_to", label="To", widget=DAY)
    # drill-down from analytics (hidden: carried in the link, kept while re-filtering)
    team = django_filters.UUIDFilter(field_name="team__uuid", widget=HIDDEN, label="Team")
    version = django_filters.UUIDFilter(field_name="version__uuid", widget=HIDDEN, label="Version")
    channel = django_filters.ChoiceFilter(
        field_name="interaction__channel", choices=Channel.choices, empty_label="", widget=HIDDEN, label="Channel"
    )
    completed_from = filters.MomentFilter(
        field_name="completed_at", lookup_expr="gte", widget=HIDDEN, label="Completed from"
    )
    completed_to = filters.MomentFilter(
        field_name="completed_at", lookup_expr="lt", widget=HIDDEN, label="Completed to"
    )
    counted = filters.FlagFilter(method="filter_counted", widget=HIDDEN, label="Counted")
    auto_failed = filters.FlagFilter(method="filter_auto_failed", widget=HIDDEN, label="Auto failed")
    question = filters.SlugFilter(max_length=64, method="filter_question", widget=HIDDEN, label="Question")
    answer = filters.TextFilter(max_length=64, method="filter_nothing", widget=HIDDEN, label="Answer")
    sort = filters.SortFilter(
        choices=[
            ("-created", "Newest first"),
            ("created", "Oldest first"),
            ("-completed", "Recently completed"),
            ("-score", "Highest score"),
            ("score", "Lowest score"),
            ("agent", "Agent A–Z"),
            ("-agent", "Agent Z–A"),
            ("completed", "Completed first"),
        ],
        label="Sort",
    )

    date_ranges = (("date_from", "date_to"),)

    class Meta:
        model = Evaluation
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, agents=None, evaluators=None, scorecards=None, **kwargs):
        """The viewer's people and scorecards (querysets), offered through autocomplete pickers
        (docs/interactions.md#pickers): only the chosen rows are read."""
        super().__init__(data, queryset, **kwargs)
        _pickers(self, agents=agents, evaluators=evaluators, scorecards=scorecards)
        if self.page:
            card = self.chosen_scorecard()
            self.filters["band"].extra["choices"] = [(b["key"], b["label"]) for b in (card.bands if card else [])]

    def chosen_scorecard(self):
        """The scorecard named by the ``scorecard`` parameter (a band is one of its bands), or None."""
        value = (self.data or {}).get("scorecard")
        if not isinstance(value, str) or not filters.is_uuid(value):
            return None
        if not hasattr(self, "_card"):
            self._card = Scorecard.objects.filter(uuid=value).only("uuid", "name", "bands", "scoring_mode").first()
        return self._card

    def check_values(self, data):
        band = data.get("band")
        if not band:
            return []
        card = self.chosen_scorecard()
        if card is None:
            return [("band", "Choose a scorecard: a band is one of its score bands.")]
        if band_range(card, band) is None:
            return [("band", f"“{card.name}” has no band “{band}”.")]
        return []

    def filter_band(self, qs, name, value):
        """Finished evaluations whose score falls in the band (drafts and unscored ones have none), on the
        pass mark's scale: percent, or earned points in points mode (docs/scoring.md#score-bands)."""
        card = self.chosen_scorecard()
        found = band_range(card, value) if card is not None else None
        if found is None:
            return qs.none()
        low, high = found
        column = "earned" if card.scoring_mode == "points" else "score_percent"
        qs = qs.exclude(status=Status.DRAFT).filter(**{f"{column}__gte": low})
        return qs.filter(**{f"{column}__lt": high}) if high is not None else qs

    def order(self) -> str:
        """The keyset sort key of the chosen sort (newest first by default)."""
        sort = (self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else "") or "-created"
        return SORTS.get(sort, SORTS["-created"])

    def filter_date_from(self, qs, name, value):
        return qs.filter(created_at__gte=day_edge(value))

    def filter_date_to(self, qs, name, value):
        return qs.filter(created_at__lt=day_edge(value, end=True))

    def filter_counted(self, qs, name, value):
        """What analytics counts: finished, not voided, of a source that counts now (docs/analytics.md#what-counts)."""
        if not value:
            return qs
        counted = counted_sources(automated_count=OrgSettings.get().automated_evaluations_count)
        return qs.filter(status__in=COUNTED_STATUSES, source__in=counted)

    def filter_auto_failed(self, qs, name, value):
        return qs.filter(auto_failed=True) if value else qs

    def filter_question(self, qs, name, value):
        """A question's answer as the analytics facts record it (docs/analytics.md#trends drill-down)."""
        from cxq.evaluations import selectors

        if selectors.answer_lookup is None:
            raise RuntimeError("No answer lookup is wired (cxq/wiring.py)")
        return qs.filter(pk__in=selectors.answer_lookup(value, self.form.cleaned_data.get("answer") or ""))

    def filter_nothing(self, qs, name, value):
        return qs  # the answer goes with the question


class DisputeFilter(filters.FilterSet):
    """The disputes queue (docs/evaluations.md#the-disputes-queue): open ones unless asked otherwise."""

    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("answered", "Answered"), ("any", "Open or answered")],
        empty_label=None,
        method="filter_status",
        label="Status",
    )
    agent = django_filters.ChoiceFilter(
        field_name="evaluation__agent__uuid", choices=_people_or_cards, empty_label="Any agent", label="Agent"
    )
    team = django_filters.ChoiceFilter(
        field_name="evaluation__team__uuid", choices=_people_or_cards, empty_label="Any team", label="Team"
    )
    evaluator = django_filters.ChoiceFilter(
        field_name="evaluation__evaluator__uuid",
        choices=_people_or_cards,
        empty_label="Any evaluator",
        label="Evaluator",
    )
    scorecard = django_filters.ChoiceFilter(
        field_name="evaluation__scorecard__uuid",
        choices=_people_or_cards,
        empty_label="Any scorecard",
        label="Scorecard",
    )
    overdue = filters.FlagFilter(
        method="filter_overdue",
        label="Overdue only",
        help_text="Open and past the date it should have been answered by",
    )

    class Meta:
        model = Dispute
        fields: list[str] = []

    def __init__(
        self, data=None, queryset=None, *, agents=None, teams=None, evaluators=None, scorecards=None, **kwargs
    ):
        super().__init__(data, queryset, **kwargs)
        _pickers(self, agents=agents, teams=teams, evaluators=evaluators, scorecards=scorecards)

    def status_value(self) -> str:
        """The asked-for status; "open" when none is (the queue's default)."""
        valid = self.is_bound and self.is_valid()
        return (self.form.cleaned_data.get("status") if valid else "") or "open"

    def filter_status(self, qs, name, value):
        return qs  # read by the selector (status_value), which defaults to open ones

    def filter_overdue(self, qs, name, value):
        return qs.filter(resolved_at__isnull=True, respond_by__lt=timezone.now()) if value else qs
