"""The analytics filters (docs/analytics.md#filters): one form for every report, page, CSV and API alike.

Choices are limited to the viewer's scope, so a manager naming another team's uuid gets a form error on
``team`` (a 400), never that team's numbers. Dates are days in the organisation's time zone.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.selectors import user_scope
from cxq.analytics.selectors import PERIODS, Filters, scope_of, scoped_teams
from cxq.analytics.services import org_zone
from cxq.evaluations.choices import Source
from cxq.evaluations.sources import sources_where
from cxq.interactions.choices import Channel
from cxq.scorecards.models import Scorecard, ScorecardVersion

MAX_DAYS = 3 * 366
DEFAULT_DAYS = 90


def org_today():
    return timezone.now().astimezone(org_zone()).date()


class AnalyticsFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    scorecard = forms.ChoiceField(required=False)
    versions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    team = forms.ChoiceField(required=False)
    agent = forms.ChoiceField(required=False)
    evaluator = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    source = forms.ChoiceField(
        required=False,
        choices=[("", "Any source"), *[c for c in Source.choices if c[0] in sources_where("counts_in_analytics")]],
    )
    period = forms.ChoiceField(required=False, choices=[(p, p.title()) for p in PERIODS], label="By")
    split = forms.ChoiceField(
        required=False, choices=[("", "All together"), ("team", "Per team"), ("scorecard", "Per scorecard")]
    )

    def __init__(self, data=None, *, viewer: User, own: bool = False, fields: tuple[str, ...] | None = None):
        super().__init__(data)
        self.viewer = viewer
        self.own = own
        keep = fields or tuple(self.fields)
        if own:  # an agent's own view: no people or team filters
            keep = tuple(f for f in keep if f not in ("team", "agent", "evaluator", "split"))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        cards = Scorecard.objects.exclude(current_version__isnull=True).order_by("name")
        self.cards = {str(c.uuid): c for c in cards}
        if "scorecard" in self.fields:
            self.fields["scorecard"].choices = [("", "Any scorecard")] + [(k, c.name) for k, c in self.cards.items()]
        if "versions" in self.fields:
            versions = (
                ScorecardVersion.objects.select_related("scorecard")
                .only("uuid", "number", "scorecard__name")
                .order_by("scorecard__name", "number")
            )
            self.versions = {str(v.uuid): v for v in versions}
            self.fields["versions"].choices = [(k, f"{v.scorecard.name} v{v.number}") for k, v in self.versions.items()]
        if "team" in self.fields:
            self.teams = {str(t.uuid): t for t in scoped_teams(viewer)}
            self.fields["team"].choices = [("", "Any team")] + [(k, t.name) for k, t in self.teams.items()]
        if "agent" in self.fields or "evaluator" in self.fields:
            people = user_scope(viewer=viewer).filter(role__isnull=False).order_by("full_name")
            people = people.select_related("role").only("uuid", "full_name", "role__key")
            self.people = {str(u.uuid): u for u in people}
            agents = [(k, u.full_name) for k, u in self.people.items() if u.role.key == "agent"]
            staff = [(k, u.full_name) for k, u in self.people.items() if u.role.key != "agent"]
            if "agent" in self.fields:
                self.fields["agent"].choices = [("", "Any agent"), *agents]
            if "evaluator" in self.fields:
                self.fields["evaluator"].choices = [("", "Any evaluator"), *staff]

    def clean(self):
        data = super().clean()
        today = org_today()
        end = data.get("date_to") or today
        start = data.get("date_from") or (end - timedelta(days=DEFAULT_DAYS - 1))
        if start > end:
            self.add_error("date_to", "The end date is before the start date.")
        elif (end - start).days >= MAX_DAYS:
            self.add_error("date_from", f"Choose a range of at most {MAX_DAYS} days.")
        data["date_from"], data["date_to"] = start, end
        return data

    def filters(self) -> Filters:
        """The validated filters (call after ``is_valid()``)."""
        d = self.cleaned_data
        if getattr(self, "versions", None) is None:
            self.versions = {}
        card = self.cards.get(d.get("scorecard") or "")
        team = getattr(self, "teams", {}).get(d.get("team") or "")
        agent = getattr(self, "people", {}).get(d.get("agent") or "")
        evaluator = getattr(self, "people", {}).get(d.get("evaluator") or "")
        versions = [self.versions[k].pk for k in d.get("versions") or []]
        return Filters(
            date_from=d["date_from"],
            date_to=d["date_to"],
            scorecard_ids=[card.pk] if card else [],
            version_ids=versions,
            team_ids=[team.pk] if team else [],
            agent_id=agent.pk if agent else None,
            evaluator_id=evaluator.pk if evaluator else None,
            channel=d.get("channel") or "",
            source=d.get("source") or "",
            period=d.get("period") or "week",
            split=d.get("split") or "",
        )

    def first_error(self) -> str:
        for name, errors in self.errors.items():
            label = "" if name == "__all__" else f"{name}: "
            return f"{label}{errors[0]}"
        return ""


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


def parse_filters(
    data, *, viewer: User, own: bool = False, fields: tuple[str, ...] | None = None
) -> tuple[AnalyticsFilterForm, Filters | None]:
    """Bind and validate; ``Filters`` is None when the form has errors."""
    scope_of(viewer)  # raises OutOfScope for roles without analytics
    form = AnalyticsFilterForm(with_defaults(data), viewer=viewer, own=own, fields=fields)
    return form, (form.filters() if form.is_valid() else None)
