"""Analytics reads (docs/analytics.md#breakdown-by-question, docs/analytics.md#csv-exports), scoped by who is asking,
answered from the rollups.

Which rows answer a query (see ``models`` for the layout):
1. The date range is cut into ``segments``: whole calendar months read the month rows, the days
   before the first and after the last whole month read the day rows. Trends by day or week read day rows only.
2. A filter on one agent reads the per-agent rows (kind 2) for evaluation figures and the agent's own
   facts for the answer and section breakdown (an agent has a few thousand facts a year); a filter on one
   evaluator reads the per-evaluator rows (kind 1); both together read the facts; otherwise kind 0.
3. Every other filter (scorecard, versions, team, channel, source) and the viewer's scope are plain
   WHERE terms on those rows; each segment is one GROUP BY query and the few grouped rows are summed here.

Scope: ``scope.all_teams`` sees everything; other holders of ``analytics.view`` see the teams they lead
(evaluations without a team belong to no lead); an agent (``analytics.own``) sees only their own
evaluations plus their team's averages, never another agent's name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Count, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Abs

from cxq.accounts.models import OrgSettings, Team, User
from cxq.accounts.permissions import has_perm
from cxq.accounts.selectors import led_team_ids
from cxq.analytics.models import (
    GRAIN_DAY,
    GRAIN_MONTH,
    KIND_AGENT,
    KIND_ALL,
    KIND_EVALUATOR,
    KIND_PAIR,
    AnswerFact,
    AnswerRollup,
    CalibrationFact,
    EvaluationFact,
    EvaluationRollup,
    SectionFact,
    SectionRollup,
)
from cxq.evaluations.sources import counted_sources, sources_where
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import ScorecardVersion

PERIODS = ("day", "week", "month")
SPLITS = ("", "team", "scorecard")


@dataclass
class Filters:
    """Validated filter values (``filters.AnalyticsFilter.terms()`` makes them). Ids, not uuids."""

    date_from: date
    date_to: date
    scorecard_ids: list[int] = field(default_factory=list)
    version_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    agent_id: int | None = None
    evaluator_id: int | None = None
    channel: str = ""
    source: str = ""
    period: str = "week"
    split: str = ""
    # a score band (docs/analytics.md#filters): [low, high) in percent, high None for the top band; the
    # rollups hold no single scores, so a band reads the facts
    score_range: tuple[float, float | None] | None = None


@dataclass(frozen=True)
class Scope:
    team_ids: tuple[int, ...] | None  # None: every team
    agent_id: int | None = None  # set for an agent's own view


class OutOfScope(Exception):
    pass


def scope_of(viewer: User) -> Scope:
    if has_perm(viewer, "scope.all_teams"):
        return Scope(team_ids=None)
    if has_perm(viewer, "analytics.view"):
        return Scope(team_ids=tuple(led_team_ids(viewer)))
    if has_perm(viewer, "analytics.own"):
        return Scope(team_ids=None, agent_id=viewer.pk)
    raise OutOfScope("This role cannot see analytics.")


def scoped_teams(viewer: User):
    scope = scope_of(viewer)
    qs = Team.objects.order_by("name")
    return qs if scope.team_ids is None else qs.filter(pk__in=scope.team_ids)


# --- Row selection -----------------------------------------------------------------------------------


def segments(start: date, end: date) -> list[tuple[str, date, date, int]]:
    """(grain, first, last, sign) pieces whose signed sum is exactly [start, end].

    Whole months are month rows. An edge month covered for most of its days is its month row minus the
    few days left out (sums subtract exactly); a lightly covered edge is read as day rows. So a range
    never reads more than about half a month of day rows per edge (docs/performance.md#lists-and-reports-at-scale: the
    day rows of one month hold
    ~80,000 answer rows at 250,000 evaluations)."""
    parts: list[tuple[str, date, date, int]] = []
    day = start
    while day <= end:
        month_start = day.replace(day=1)
        month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        last = min(end, month_end)
        covered = (last - day).days + 1
        size = (month_end - month_start).days + 1
        if covered == size:
            parts.append((GRAIN_MONTH, month_start, month_end, 1))
        elif covered * 2 > size:
            parts.append((GRAIN_MONTH, month_start, month_end, 1))
            if day > month_start:
                parts.append((GRAIN_DAY, month_start, day - timedelta(days=1), -1))
            if last < month_end:
                parts.append((GRAIN_DAY, last + timedelta(days=1), month_end, -1))
        else:
            parts.append((GRAIN_DAY, day, last, 1))
        day = month_end + timedelta(days=1)
    # adjacent whole months read as one range
    merged: list[tuple[str, date, date, int]] = []
    for part in parts:
        previous = merged[-1] if merged else None
        if (
            previous
            and part[0] == previous[0] == GRAIN_MONTH
            and part[3] == previous[3] == 1
            and previous[2] + timedelta(days=1) == part[1]
        ):
            merged[-1] = (GRAIN_MONTH, previous[1], part[2], 1)
        else:
            merged.append(part)
    return merged


def _dims(f: Filters, scope: Scope, sources: list[str] | None = None) -> Q:
    q = Q()
    if f.scorecard_ids:
        q &= Q(scorecard_id__in=f.scorecard_ids)
    if f.version_ids:
        q &= Q(version_id__in=f.version_ids)
    teams = set(f.team_ids) if f.team_ids else None
    if scope.team_ids is not None:
        teams = set(scope.team_ids) if teams is None else teams & set(scope.team_ids)
    if teams is not None:
        q &= Q(team_id__in=sorted(teams))
    if f.channel:
        q &= Q(channel=f.channel)
    if f.source:
        q &= Q(source=f.source)
    counted = counted_sources_now() if sources is None else sources
    left_out = set(sources_where("counts_in_analytics")) - set(counted)
    if left_out:  # the organisation chose not to count automated evaluations: their facts stay, unread
        q &= ~Q(source__in=sorted(left_out))
    return q


def counted_sources_now() -> list[str]:
    """The sources that count in analytics, as the organisation has chosen (docs/analytics.md#what-counts)."""
    return counted_sources(automated_count=OrgSettings.get().automated_evaluations_count)


def _agent(f: Filters, scope: Scope) -> int | None:
    return scope.agent_id if scope.agent_id is not None else f.agent_id


# Aggregates by source of rows: the rollups hold sums, the facts single values.
EVAL_ROLLUP_AGG = {
    "n": Sum("n"),
    "scored_n": Sum("scored_n"),
    "score_sum": Sum("score_sum"),
    "passed_n": Sum("passed_n"),
    "auto_failed_n": Sum("auto_failed_n"),
    "disputed_n": Sum("disputed_n"),
    "dispute_open_n": Sum("dispute_open_n"),
    "adjusted_n": Sum("adjusted_n"),
}


def _flag(name: str):
    """How many rows have the boolean ``name`` set (portable: no boolean-to-number cast)."""
    return Count("id", filter=Q(**{name: True}))


EVAL_FACT_AGG = {
    "n": Count("id"),
    "scored_n": Count("score"),
    "score_sum": Sum("score"),
    "passed_n": _flag("passed"),
    "auto_failed_n": _flag("auto_failed"),
    "disputed_n": _flag("disputed"),
    "dispute_open_n": _flag("dispute_open"),
    "adjusted_n": _flag("adjusted"),
}
ANSWER_ROLLUP_AGG = {"n": Sum("n"), "earned_sum": Sum("earned_sum"), "possible_sum": Sum("possible_sum")}
ANSWER_FACT_AGG = {"n": Count("id"), "earned_sum": Sum("earned"), "possible_sum": Sum("possible")}
SECTION_ROLLUP_AGG = {
    "n": Sum("n"),
    "nonempty_n": Sum("nonempty_n"),
    "percent_sum": Sum("percent_sum"),
    "failed_n": Sum("failed_n"),
}
SECTION_FACT_AGG = {
    "n": Count("id"),
    "nonempty_n": Count("percent"),
    "percent_sum": Sum("percent"),
    "failed_n": _flag("failed"),
}

_BUCKET = {"day": "period", "week": "week", "month": "month"}
_FACT_BUCKET = {"day": "day", "week": "week", "month": "month"}


_TABLES = {
    "evaluation": (EvaluationRollup, EvaluationFact, EVAL_ROLLUP_AGG, EVAL_FACT_AGG),
    "answer": (AnswerRollup, AnswerFact, ANSWER_ROLLUP_AGG, ANSWER_FACT_AGG),
    "section": (SectionRollup, SectionFact, SECTION_ROLLUP_AGG, SECTION_FACT_AGG),
}


def _use_facts(table: str, f: Filters, scope: Scope) -> bool:
    return (_agent(f, scope) is not None and table != "evaluation") or f.score_range is not None


def grouped_parts(table: str, f: Filters, scope: Scope, *, by_period: str = "") -> list[tuple[str, date, date, int]]:
    """The (grain, first, last, sign) pieces ``_grouped`` reads, each one query (``grouped_part``)."""
    if by_period in ("day", "week") or _use_facts(table, f, scope):
        return [(GRAIN_DAY, f.date_from, f.date_to, 1)]
    return segments(f.date_from, f.date_to)


def grouped_part(
    table: str,
    f: Filters,
    scope: Scope,
    group: tuple[str, ...],
    part: tuple,
    *,
    by_period: str = "",
    sources: list[str] | None = None,
) -> list[dict]:
    """The measures of one piece of ``grouped_parts`` (unsigned), one row per group (and time bucket):
    a pure function of the facts of the piece's days and of the counted ``sources`` (read when not
    given), so a dashboard caches it per piece (docs/analytics.md#dashboards)."""
    grain, start, end = part[:3]
    agent = _agent(f, scope)
    evaluator = f.evaluator_id
    dims = _dims(f, scope, sources)
    rollup, fact, rollup_agg, fact_agg = _TABLES[table]
    by_agent = agent is not None or "agent_id" in group
    by_evaluator = evaluator is not None or "evaluator_id" in group
    if _use_facts(table, f, scope):
        qs = _in_band(fact.objects.filter(dims, day__gte=start, day__lte=end), f)
        if agent is not None:
            qs = qs.filter(agent_id=agent)
        if evaluator is not None:
            qs = qs.filter(evaluator_id=evaluator)
        if by_period and table != "evaluation":
            raise ValueError("Only evaluation facts carry week and month.")
        bucket = _FACT_BUCKET.get(by_period)
        qs = qs.values(*group, *([bucket] if bucket else [])).annotate(**fact_agg)
    else:
        kind = (
            KIND_PAIR
            if by_agent and by_evaluator
            else KIND_AGENT
            if by_agent
            else KIND_EVALUATOR
            if by_evaluator
            else KIND_ALL
        )
        qs = rollup.objects.filter(dims, grain=grain, kind=kind, period__gte=start, period__lte=end)
        if agent is not None:
            qs = qs.filter(agent_id=agent)
        if evaluator is not None:
            qs = qs.filter(evaluator_id=evaluator)
        bucket = _BUCKET.get(by_period) if grain == GRAIN_DAY else ("month" if by_period else None)
        qs = qs.values(*group, *([bucket] if bucket else [])).annotate(**rollup_agg)
    out = []
    for row in qs.order_by():
        item = {g: row[g] for g in group}
        item["bucket"] = row[bucket] if bucket else None
        out.append(item | {m: row[m] or 0 for m in rollup_agg})
    return out


def combine_parts(table: str, pieces: list[tuple[int, list[dict]]], group: tuple[str, ...]) -> list[dict]:
    """The signed sum of ``grouped_part`` results, per group and time bucket."""
    measures = _TABLES[table][2]
    totals: dict[tuple, dict] = {}
    for sign, rows in pieces:
        for row in rows:
            key = (*(row[g] for g in group), row["bucket"])
            if key in totals:
                for m in measures:
                    totals[key][m] += sign * row[m]
            else:
                totals[key] = {**{g: row[g] for g in group}, "bucket": row["bucket"]} | {
                    m: sign * row[m] for m in measures
                }
    # a month minus its left-out days can leave nothing for a key; float sums are cleaned of the residue
    # the subtraction leaves (counts are integers and exact)
    out = []
    for row in totals.values():
        if row["n"] <= 0:
            continue
        for m in measures:
            if isinstance(row[m], float):
                row[m] = round(row[m], 6)
        out.append(row)
    return out


def _grouped(table: str, f: Filters, scope: Scope, group: tuple[str, ...], *, by_period: str = "") -> list[dict]:
    """Summed measures grouped by ``group`` (and a time bucket), over the rows that answer the filters.

    ``table``: "evaluation", "answer" or "section". ``group`` names columns common to rollups and facts;
    the pseudo-columns "person_agent" / "person_evaluator" group by agent / evaluator."""
    sources = counted_sources_now()
    pieces = [
        (part[3], grouped_part(table, f, scope, group, part, by_period=by_period, sources=sources))
        for part in grouped_parts(table, f, scope, by_period=by_period)
    ]
    return combine_parts(table, pieces, group)


# --- Figures -------------------------------------------------------------------------------------------


def _ratio(part, whole, scale: float = 100.0) -> float | None:
    return None if not whole else round(scale * part / whole, 2)


def _evaluation_figures(row: dict) -> dict:
    n = row["n"]
    return {
        "count": int(n),
        "average_score": _ratio(row["score_sum"], row["scored_n"], 1.0),
        "pass_rate": _ratio(row["passed_n"], n),
        "auto_fail_rate": _ratio(row["auto_failed_n"], n),
        "dispute_rate": _ratio(row["disputed_n"], n),
        "disputes_open": int(row["dispute_open_n"]),
        "disputes_adjusted": int(row["adjusted_n"]),
        "disputes_reaffirmed": int(row["disputed_n"] - row["dispute_open_n"] - row["adjusted_n"]),
    }


def _empty_eval_row() -> dict:
    return {m: 0 for m in EVAL_ROLLUP_AGG}


def _sum_rows(rows: list[dict], measures) -> dict:
    total = {m: 0 for m in measures}
    for row in rows:
        for m in measures:
            total[m] += row[m]
    return total


# Grouped in SQL by a column every row of a piece shares: one summed row per piece, rather than every
# rollup row summed here (docs/analytics.md#dashboards reads this twice per page). The pieces' rows are
# then added up as one group (grouped by "grain", a month's row minus its left-out days would be two groups,
# and the days' one, negative, dropped).
OVERALL_GROUP = ("grain",)


def overall_figures(pieces: list[tuple[int, list[dict]]]) -> dict:
    """The evaluation figures of signed ``grouped_part`` results grouped by ``OVERALL_GROUP``."""
    return _evaluation_figures(_sum_rows(combine_parts("evaluation", pieces, ()), EVAL_ROLLUP_AGG))


def overall(f: Filters, scope: Scope) -> dict:
    sources = counted_sources_now()
    pieces = [
        (part[3], grouped_part("evaluation", f, scope, OVERALL_GROUP, part, sources=sources))
        for part in grouped_parts("evaluation", f, scope)
    ]
    return overall_figures(pieces)


def _question_signature(q, section: str) -> tuple:
    """What makes two versions' question "the same" for combining: section, text, type, options, N/A."""
    options = tuple((o.key, o.label, o.points, o.auto_fail) for o in q.options)
    return (section, q.text, q.type, options, q.allow_na, q.show_if)


def breakdown(f: Filters, scope: Scope) -> dict:
    """docs/analytics.md#breakdown-by-question: the overall row, section rows and per-question answer distributions.

    Versions of a scorecard combine by question key (different scorecards never combine: each section row
    names its scorecard); a question whose definition (text, type, options, points, section) differs
    between the versions in the result is marked ``changed``."""
    per_version = _grouped("evaluation", f, scope, ("version_id",))
    totals = _sum_rows(per_version, EVAL_ROLLUP_AGG)
    answers = _grouped("answer", f, scope, ("scorecard_id", "question_key", "answer"))
    section_groups = _grouped("section", f, scope, ("scorecard_id", "section_key"))
    sections = {(r["scorecard_id"], r["section_key"]): r for r in section_groups}
    versions = list(
        ScorecardVersion.objects.filter(pk__in=[r["version_id"] for r in per_version])
        .select_related("scorecard")
        .order_by("scorecard__name", "-number")
    )
    by_answer: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for row in answers:
        by_answer[(row["scorecard_id"], row["question_key"])][row["answer"]] = row
    layout: dict[tuple, dict] = {}  # (scorecard, section key) → {title, questions: {key: info}}
    signatures: dict[tuple, set] = defaultdict(set)
    for version in versions:  # newest first within a scorecard: its texts win
        card = version.scorecard_id
        for section in compiled_for(version.document).scorecard.sections:
            entry = layout.setdefault(
                (card, section.key),
                {"title": section.title or section.key, "scorecard": version.scorecard.name, "questions": {}},
            )
            for q in section.questions:
                signatures[(card, q.key)].add(_question_signature(q, section.key))
                options = [(o.key, o.label or o.key) for o in q.options]
                entry["questions"].setdefault(q.key, {"text": q.text or q.key, "options": options})
    section_rows = []
    for (card, skey), entry in layout.items():
        s = sections.get((card, skey), {"n": 0, "nonempty_n": 0, "percent_sum": 0, "failed_n": 0})
        questions = []
        for qkey, info in entry["questions"].items():
            counts = by_answer.get((card, qkey), {})
            known = {k for k, _ in info["options"]}
            options = [(k, label, counts.get(k, {}).get("n", 0)) for k, label in info["options"]]
            options += [(k, k, row["n"]) for k, row in counts.items() if k not in known and k not in ("na", "")]
            answered = sum(n for _, _, n in options)
            applicable = answered + counts.get("", {}).get("n", 0)
            earned = sum(r["earned_sum"] for k, r in counts.items() if k != "na")
            possible = sum(r["possible_sum"] for k, r in counts.items() if k != "na")
            questions.append(
                {
                    "key": qkey,
                    "text": info["text"],
                    "changed": len(signatures[(card, qkey)]) > 1,
                    "options": [
                        {"key": k, "label": label, "count": int(n), "percent": _ratio(n, answered)}
                        for k, label, n in options
                    ],
                    "na": int(counts.get("na", {}).get("n", 0)),
                    "unanswered": int(counts.get("", {}).get("n", 0)),
                    "answered": int(answered),
                    "average_points": _ratio(earned, applicable, 1.0),
                    "percent_of_max": _ratio(earned, possible),
                }
            )
        section_rows.append(
            {
                "key": skey,
                "title": entry["title"],
                "scorecard": entry["scorecard"],
                "count": int(s["n"]),
                "average_percent": _ratio(s["percent_sum"], s["nonempty_n"], 1.0),
                "auto_fail_rate": _ratio(s["failed_n"], s["n"]),
                "questions": questions,
            }
        )
    return {
        "overall": _evaluation_figures(totals),
        "sections": section_rows,
        "versions": [
            {"id": v.pk, "uuid": str(v.uuid), "scorecard": v.scorecard.name, "number": v.number} for v in versions
        ],
    }


def trends(f: Filters, scope: Scope) -> dict:
    """docs/analytics.md#trends: average score and pass rate per day, week or month; one series per team or scorecard
    when split."""
    group = {"": (), "team": ("team_id",), "scorecard": ("scorecard_id",)}[f.split]
    rows = _grouped("evaluation", f, scope, group, by_period=f.period)
    series: dict = defaultdict(list)
    for row in rows:
        key = row[group[0]] if group else None
        series[key].append((row["bucket"], _evaluation_figures(row)))
    names = _names(f.split, [k for k in series if k is not None])
    out = []
    for key, points in series.items():
        points.sort(key=lambda p: p[0])
        out.append(
            {
                "key": key,
                "name": names.get(key, ("?", ""))[0] if key is not None else "All",
                "drill": names.get(key, ("?", ""))[1] if key is not None else "",
                "points": [{"period": b.isoformat(), **_bounds(b, f), **figures} for b, figures in points],
            }
        )
    out.sort(key=lambda s: s["name"])
    return {"period": f.period, "split": f.split, "series": out}


def _bounds(bucket: date, f: Filters) -> dict:
    """The days a trend point covers, clipped to the filter's range (for its drill-down link)."""
    if f.period == "day":
        last = bucket
    elif f.period == "week":
        last = bucket + timedelta(days=6)
    else:
        last = (bucket.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {"start": max(bucket, f.date_from).isoformat(), "end": min(last, f.date_to).isoformat()}


def _names(split: str, keys: list) -> dict:
    """Series key → (name, drill-down term) for a split by team or scorecard."""
    from cxq.scorecards.models import Scorecard

    model = {"team": Team, "scorecard": Scorecard}.get(split)
    if model is None:
        return {}
    names = {
        pk: (name, f"{split}={uuid}")
        for pk, name, uuid in model.objects.filter(pk__in=keys).values_list("pk", "name", "uuid")
    }
    if split == "team" and 0 in keys:
        names[0] = ("No team", "")
    return names


def leaderboard(f: Filters, scope: Scope, *, of: str) -> list[dict]:
    """docs/analytics.md#trends: agents or evaluators ranked by average score, with count, pass rate and disputes.
    Evaluators also get their calibration deviation."""
    column = {"agents": "agent_id", "evaluators": "evaluator_id"}[of]
    rows = [r for r in _grouped("evaluation", f, scope, (column,)) if r["n"]]
    people = {
        pk: (name, uuid)
        for pk, name, uuid in User.objects.filter(pk__in=[r[column] for r in rows]).values_list(
            "pk", "full_name", "uuid"
        )
    }
    deviation = calibration_deviation(f, scope) if of == "evaluators" else {}
    out = []
    for row in rows:
        figures = _evaluation_figures(row)
        name, uuid = people.get(row[column], ("?", ""))
        entry = {"id": row[column], "uuid": str(uuid), "name": name, **figures}
        if of == "evaluators":
            entry["calibration_deviation"] = deviation.get(row[column])
        out.append(entry)
    out.sort(key=lambda r: (-(r["average_score"] or -1), r["name"]))
    return out


def calibration_deviation(f: Filters, scope: Scope) -> dict[int, float]:
    """Per evaluator: the mean absolute difference between their calibration score and the mean of the
    other calibration evaluations of the same interaction and scorecard (docs/analytics.md#trends). One SQL query over
    the
    calibration facts (submitted calibration evaluations only)."""
    others = (
        CalibrationFact.objects.filter(interaction_id=OuterRef("interaction_id"), scorecard_id=OuterRef("scorecard_id"))
        .exclude(evaluation_id=OuterRef("evaluation_id"))
        .values("interaction_id")
        .annotate(mean=Avg("score"))
        .values("mean")
    )
    qs = CalibrationFact.objects.filter(day__gte=f.date_from, day__lte=f.date_to)
    if f.scorecard_ids:
        qs = qs.filter(scorecard_id__in=f.scorecard_ids)
    if f.version_ids:
        qs = qs.filter(version_id__in=f.version_ids)
    if scope.team_ids is not None:
        qs = qs.filter(team_id__in=scope.team_ids)
    if f.team_ids:
        qs = qs.filter(team_id__in=f.team_ids)
    if f.evaluator_id:
        qs = qs.filter(evaluator_id=f.evaluator_id)
    qs = (
        qs.annotate(others=Subquery(others, output_field=FloatField()))
        .filter(others__isnull=False)
        .values("evaluator_id")
        .annotate(deviation=Avg(Abs(F("score") - F("others"))))
        .order_by()
    )
    return {row["evaluator_id"]: round(float(row["deviation"]), 2) for row in qs}


def agent_view(f: Filters, viewer: User) -> dict:
    """An agent's own trend and breakdown next to their team's average (no other agent's name)."""
    own_scope = Scope(team_ids=None, agent_id=viewer.pk)
    team_ids = tuple(viewer.teams.values_list("pk", flat=True))
    team_scope = Scope(team_ids=team_ids)
    team_filters = Filters(**{**f.__dict__, "agent_id": None, "evaluator_id": None, "team_ids": []})
    own = breakdown(f, own_scope)
    team = breakdown(team_filters, team_scope) if team_ids else None
    team_questions = {}
    if team:
        for section in team["sections"]:
            for q in section["questions"]:
                team_questions[q["key"]] = q["percent_of_max"]
        team_sections = {s["key"]: s["average_percent"] for s in team["sections"]}
    else:
        team_sections = {}
    for section in own["sections"]:
        section["team_average_percent"] = team_sections.get(section["key"])
        for q in section["questions"]:
            q["team_percent_of_max"] = team_questions.get(q["key"])
    own_trend = trends(f, own_scope)
    team_trend = trends(team_filters, team_scope) if team_ids else {"series": []}
    return {
        "overall": own["overall"],
        "team_overall": team["overall"] if team else None,
        "sections": own["sections"],
        "trend": own_trend["series"][0]["points"] if own_trend["series"] else [],
        "team_trend": team_trend["series"][0]["points"] if team_trend["series"] else [],
    }


# --- Customer-outcome link ------------------------------------------------------------------------------

OUTCOMES = {
    # key: (label, unit shown after a mean, unit of a difference, interaction column)
    "csat": ("CSAT", "", "points", "csat"),
    "nps": ("NPS", "", "NPS points", "nps"),
    "resolved": ("Resolution rate", "%", "percentage points", "resolved"),
}


def _outcome_value(outcome: str, raw) -> tuple[float, float]:
    """(value averaged, value ranked) of one interaction's outcome: NPS averages as +100 promoter (9–10),
    0 passive, −100 detractor — the mean is the Net Promoter Score — and ranks by its 0–10 rating;
    resolution is 100 or 0, so a mean is a rate in %."""
    value = float(raw)
    if outcome == "nps":
        return (100.0 if value >= 9 else 0.0 if value >= 7 else -100.0), value
    if outcome == "resolved":
        return 100.0 * value, value
    return value, value


def _outcome_cells(qs, columns: tuple[str, ...], outcome: str) -> list[tuple]:
    """``columns`` of the fact rows in ``qs`` with their interaction's outcome, counted: one GROUP BY over
    the facts joined through the evaluation to its interaction. Rows without the outcome are left out."""
    from django.db import connection

    from cxq.evaluations.models import Evaluation
    from cxq.interactions.models import Interaction

    q = connection.ops.quote_name
    inner, params = qs.values("evaluation_id", *columns).query.sql_with_params()
    selected = ", ".join(f"f.{q(c)}" for c in columns)
    column = q(OUTCOMES[outcome][3])
    sql = (
        f"SELECT {selected}, i.{column}, COUNT(*) FROM ({inner}) f "  # noqa: S608 (the models' own names)
        f"JOIN {q(Evaluation._meta.db_table)} e ON e.id = f.evaluation_id "
        f"JOIN {q(Interaction._meta.db_table)} i ON i.id = e.interaction_id "
        f"WHERE i.{column} IS NOT NULL GROUP BY {selected}, i.{column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_band(qs, f: Filters):
    """The facts of evaluations whose score is in the filters' band (all of them without one)."""
    if f.score_range is None:
        return qs
    low, high = f.score_range
    scores = Q(score__gte=low) & (Q(score__lt=high) if high is not None else Q())
    if qs.model is EvaluationFact:
        return qs.filter(scores)
    return qs.filter(evaluation_id__in=EvaluationFact.objects.filter(scores).values("evaluation_id"))


def _fact_rows(model, f: Filters, scope: Scope):
    qs = _in_band(model.objects.filter(_dims(f, scope), day__gte=f.date_from, day__lte=f.date_to), f)
    agent = _agent(f, scope)
    if agent is not None:
        qs = qs.filter(agent_id=agent)
    if f.evaluator_id is not None:
        qs = qs.filter(evaluator_id=f.evaluator_id)
    return qs


def _correlation_row(cells: list[tuple[float, float, int]]) -> dict:
    from cxq.analytics import outcome_stats as st

    c = st.spearman(cells)
    n = sum(n for _, _, n in cells)
    if c is None:
        return {"method": "correlation", "n": n, "enough": False}
    return {
        "method": "correlation",
        "n": c.n,
        "enough": True,
        "effect": round(c.rho, 3),
        "low": round(c.low, 3),
        "high": round(c.high, 3),
        "r": c.rho,
        "r_low": c.low,
        "r_high": c.high,
        "strength": st.strength(c.low, c.high),
    }


def _difference_row(label_a: str, a: dict, label_b: str, b: dict) -> dict | None:
    from cxq.analytics import outcome_stats as st

    d = st.welch(a, b)
    if d is None:
        return None
    return {
        "method": "difference",
        "n": d.n_a + d.n_b,
        "enough": True,
        "comparison": f"{label_a} vs {label_b}",
        "effect": round(d.difference, 2),
        "low": round(d.low, 2),
        "high": round(d.high, 2),
        "r": d.r,
        "r_low": d.r_low,
        "r_high": d.r_high,
        "strength": st.strength(d.r_low, d.r_high),
    }


def _rank(row: dict) -> tuple:
    return (not row["enough"], -row.get("strength", 0.0), -abs(row.get("r", 0.0)), row["text"])


def _question_outcome(q, by_answer: dict[str, dict], ranked: list) -> dict:
    """One question's figures: the outcome mean per option, then a rank correlation (rating scales) or
    the strongest option-versus-the-rest difference (yes/no: yes versus no)."""
    options = []
    for o in q.options:
        dist = by_answer.get(o.key, {})
        n = sum(dist.values())
        mean = sum(v * c for v, c in dist.items()) / n if n else None
        rounded = None if mean is None else round(mean, 2)
        options.append({"key": o.key, "label": o.label or o.key, "n": n, "mean": rounded})
    n_total = sum(o["n"] for o in options)
    if q.type == "rating_scale":
        return {"options": options, **_correlation_row(ranked)}
    best = None
    for o in q.options if q.type != "yes_no" else q.options[:1]:
        rest: dict[float, int] = {}
        for other in q.options:
            if other.key != o.key:
                for v, c in by_answer.get(other.key, {}).items():
                    rest[v] = rest.get(v, 0) + c
        rest_label = (
            next((x.label or x.key for x in q.options if x.key != o.key), "") if len(q.options) == 2 else "the rest"
        )
        row = _difference_row(o.label or o.key, by_answer.get(o.key, {}), rest_label, rest)
        if row and (best is None or (row["strength"], abs(row["r"])) > (best["strength"], abs(best["r"]))):
            best = row
    return {"options": options, **(best or {"method": "difference", "n": n_total, "enough": False})}


def outcome_link(f: Filters, scope: Scope, *, outcome: str) -> dict:
    """docs/analytics.md#customer-outcome-link: per question, section and the overall score, how the
    answers of the evaluations in range relate to one customer outcome of the same interactions.

    1. Count the (answer, outcome) pairs of the answer facts, the (section %, outcome) pairs of the section
       facts and the (score, outcome) pairs of the evaluation facts, each one GROUP BY through the
       evaluation to its interaction (interactions without the outcome are left out).
    2. Per question of the scorecards' newest versions: the outcome mean per option; for a rating scale
       Spearman's ρ of rating against outcome, otherwise the difference of the outcome mean between an
       option and the other options (yes/no: yes − no; single choice: the option that differs most).
    3. Sections and the overall score: Spearman's ρ against the outcome.
    4. Sort by strength (the interval's bound nearest zero on the correlation scale), "not enough data"
       last."""
    answer_cells = _outcome_cells(_fact_rows(AnswerFact, f, scope), ("scorecard_id", "question_key", "answer"), outcome)
    section_columns = ("scorecard_id", "section_key", "percent")
    section_cells = _outcome_cells(_fact_rows(SectionFact, f, scope), section_columns, outcome)
    score_cells = _outcome_cells(_fact_rows(EvaluationFact, f, scope), ("score",), outcome)
    by_question: dict[tuple, dict[str, dict[float, int]]] = defaultdict(lambda: defaultdict(dict))
    ranked: dict[tuple, list] = defaultdict(list)
    for card, qkey, answer, raw, n in answer_cells:
        key = (card, qkey)
        if answer in ("na", ""):
            continue
        mean_value, rank_value = _outcome_value(outcome, raw)
        dist = by_question[key][answer]
        dist[mean_value] = dist.get(mean_value, 0) + n
        if answer.lstrip("-").isdigit():  # a rating (only rating scales are ranked)
            ranked[key].append((float(answer), rank_value, n))
    by_section: dict[tuple, list] = defaultdict(list)
    for card, key, percent, raw, n in section_cells:
        if percent is not None:
            by_section[(card, key)].append((float(percent), _outcome_value(outcome, raw)[1], n))
    score_pairs = [(float(s), _outcome_value(outcome, raw)[1], n) for s, raw, n in score_cells if s is not None]
    versions = _outcome_versions(f, scope)
    questions, sections, seen = [], [], set()
    for version in versions:  # newest first: its wording wins
        for section in compiled_for(version.document).scorecard.sections:
            if ("s", version.scorecard_id, section.key) not in seen:
                seen.add(("s", version.scorecard_id, section.key))
                title = section.title or section.key
                sections.append(
                    {"kind": "section", "key": section.key, "text": title, "section": title, "options": []}
                    | _correlation_row(by_section.get((version.scorecard_id, section.key), []))
                )
            for q in section.questions:
                if ("q", version.scorecard_id, q.key) in seen:
                    continue
                seen.add(("q", version.scorecard_id, q.key))
                at = (version.scorecard_id, q.key)
                row = _question_outcome(q, by_question.get(at, {}), ranked.get(at, []))
                questions.append(
                    {"kind": "question", "key": q.key, "text": q.text or q.key, "section": section.title or section.key}
                    | {"type": q.type}
                    | row
                )
    label, unit, diff_unit, _ = OUTCOMES[outcome]
    overall = {"kind": "overall", "key": "", "text": "Overall score", "section": "", "options": []}
    rows = sorted(questions, key=_rank) + sorted(sections, key=_rank) + [overall | _correlation_row(score_pairs)]
    for row in rows:
        for k in ("r", "r_low", "r_high", "strength"):
            if k in row:
                row[k] = round(row[k], 3)
    return {
        "outcome": outcome,
        "label": label,
        "noun": label if label.isupper() else label.lower(),
        "unit": unit,
        "difference_unit": diff_unit,
        "pairs": sum(n for *_, n in score_cells),
        "rows": rows,
        "versions": [
            {"id": v.pk, "uuid": str(v.uuid), "scorecard": v.scorecard.name, "number": v.number} for v in versions
        ],
    }


def _outcome_versions(f: Filters, scope: Scope) -> list:
    ids = {r["version_id"] for r in _grouped("evaluation", f, scope, ("version_id",))}
    return list(
        ScorecardVersion.objects.filter(pk__in=ids).select_related("scorecard").order_by("scorecard__name", "-number")
    )


def busiest_scorecard(f: Filters, scope: Scope) -> int | None:
    """The scorecard with the most counted evaluations in the months the range touches (a report that
    needs one scorecard defaults to it); None without any. One query on the month rows: a default to
    start from, not a figure, so whole edge months count."""
    agent, evaluator = _agent(f, scope), f.evaluator_id
    kind = {(True, True): KIND_PAIR, (True, False): KIND_AGENT, (False, True): KIND_EVALUATOR}.get(
        (agent is not None, evaluator is not None), KIND_ALL
    )
    qs = EvaluationRollup.objects.filter(
        _dims(f, scope), grain=GRAIN_MONTH, kind=kind, period__gte=f.date_from.replace(day=1), period__lte=f.date_to
    )
    if agent is not None:
        qs = qs.filter(agent_id=agent)
    if evaluator is not None:
        qs = qs.filter(evaluator_id=evaluator)
    row = qs.values("scorecard_id").annotate(total=Sum("n")).order_by("-total", "scorecard_id").first()
    return row["scorecard_id"] if row else None


def with_one_scorecard(f: Filters, scope: Scope) -> Filters:
    """The filters narrowed to the busiest scorecard when neither a scorecard nor versions are chosen
    (docs/analytics.md#breakdown-by-question: different scorecards never mix into one figure)."""
    if not (f.scorecard_ids or f.version_ids):
        card = busiest_scorecard(f, scope)
        if card is not None:
            f.scorecard_ids = [card]
    return f


def evaluator_view(f: Filters, viewer: User) -> dict:
    """docs/analytics.md#my-evaluations: the evaluations ``viewer`` did (any team), the scores they gave
    by question, their trend and calibration deviation, next to the average every evaluator gave in the
    teams the viewer leads (none when they lead no team)."""
    own_scope = Scope(team_ids=None)
    mine = Filters(**{**f.__dict__, "evaluator_id": viewer.pk, "agent_id": None, "team_ids": [], "split": ""})
    with_one_scorecard(mine, own_scope)
    teams = tuple(led_team_ids(viewer))
    peers_filters = Filters(**{**mine.__dict__, "evaluator_id": None})
    own_trend = trends(mine, own_scope)
    return {
        "overall": overall(mine, own_scope),
        "peers_overall": overall(peers_filters, Scope(team_ids=teams)) if teams else None,
        "calibration_deviation": calibration_deviation(mine, own_scope).get(viewer.pk),
        "breakdown": breakdown(mine, own_scope),
        "trend": own_trend["series"][0]["points"] if own_trend["series"] else [],
        "scorecard_ids": mine.scorecard_ids,
    }
