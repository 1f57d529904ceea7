"""Dashboard selectors (docs/analytics.md#dashboards): the figures of each role's dashboard panel, read from
the analytics rollups and facts (and, for work in progress — disputes, tasks, acknowledgements — from the
evaluations selectors), each with the link to the list behind it.

Every function takes the viewer and returns plain dicts; the template tags in
``templatetags/dashboard_panels.py`` render one panel each."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from cxq.accounts.models import User
from cxq.accounts.permissions import has_perm
from cxq.analytics import selectors
from cxq.analytics.drill import completed_range
from cxq.analytics.selectors import Filters, Scope
from cxq.analytics.services import (
    CALIBRATION_VERSION_KEY,
    FACTS_VERSION_KEY,
    facts_versions,
    month_version_key,
    org_zone,
)
from cxq.evaluations import selectors as evaluation_selectors
from cxq.evaluations.choices import COUNTED_STATUSES, AssignmentStatus, Status
from cxq.evaluations.models import Assignment
from cxq.interactions.models import Interaction
from cxq.lib.memo import request_memo
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import ScorecardVersion

PERIOD_DAYS = 30
# a question or an agent needs this many evaluations in a period before it is ranked
MIN_QUESTION_N = 5
MIN_AGENT_N = 3
TOP = 5


def _per_viewer(viewer: User, name: str, make):
    """Computed once per request: the panels of one page share the viewer's scope and today."""
    cache = viewer.__dict__.setdefault("_dashboard_cache", {})
    if name not in cache:
        cache[name] = make()
    return cache[name]


# Figures read from the facts are cached under the versions of the facts they read, which change with every
# change to those facts (docs/analytics.md#dashboards); the time limit only bounds how long an unread entry is
# kept.
CACHE_SECONDS = 15 * 60


def _sources(viewer: User) -> list[str]:
    return _per_viewer(viewer, "sources", selectors.counted_sources_now)


def _key(viewer: User, versions: dict[str, str], name: str, args: tuple) -> str:
    sources = _sources(viewer)
    return "dashboard:" + hashlib.sha256(repr((sorted(versions.items()), sources, name, args)).encode()).hexdigest()


def _from_facts(viewer: User, name: str, args: tuple, make, *, keys: tuple[str, ...] = (FACTS_VERSION_KEY,)):
    """``make()`` — a pure function of the facts whose versions ``keys`` name, and of ``args`` — from the
    cache, or computed and cached. The versions are read before the facts are, so a change committed
    meanwhile only leaves newer figures under an older version, which nobody asks for again."""
    key = _key(viewer, _versions([FACTS_VERSION_KEY, *keys]), name, args)
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _months(start: date, end: date) -> list[date]:
    month, out = start.replace(day=1), []
    while month <= end:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _versions(keys: list[str]) -> dict[str, str]:
    """The versions named by ``keys``, read once per reading request (``cxq.lib.memo``: every panel of a
    page at the same versions, one cache round trip for most pages)."""
    known = request_memo(("facts-versions",), dict)
    missing = [k for k in keys if k not in known]
    if missing:
        known.update(facts_versions(missing))
    return {k: known[k] for k in keys}


Spec = tuple  # (table, Filters, Scope, group): one ``selectors._grouped`` call


def _plan(viewer: User, specs: list[Spec]) -> list[list[tuple[tuple, str]]]:
    """Per spec, its pieces (``selectors.grouped_parts``) with each one's cache key: the piece's terms and
    the versions of the months it reads (read now, before any fact is)."""
    parts = [selectors.grouped_parts(table, f, scope) for table, f, scope, _ in specs]
    months = {part: _months(part[1], part[2]) for spec_parts in parts for part in spec_parts}
    versions = _versions([FACTS_VERSION_KEY, *(month_version_key(m) for ms in months.values() for m in ms)])
    plans = []
    for (table, f, scope, group), spec_parts in zip(specs, parts, strict=True):
        plan = []
        for part in spec_parts:
            names = (FACTS_VERSION_KEY, *map(month_version_key, months[part]))
            terms = replace(f, date_from=part[1], date_to=part[2])
            plan.append(
                (part, _key(viewer, {k: versions[k] for k in names}, "part", (table, part[0], terms, scope, group)))
            )
        plans.append(plan)
    return plans


def _pieces(viewer: User, specs: list[Spec], plans) -> list[list[tuple[int, list]]]:
    """The signed pieces of every spec, from the cache or read (and cached)."""
    found = cache.get_many([key for plan in plans for _, key in plan])
    missing = {}
    for (table, f, scope, group), plan in zip(specs, plans, strict=True):
        for part, key in plan:
            if key not in found:
                rows = selectors.grouped_part(table, f, scope, group, part, sources=_sources(viewer))
                found[key] = missing[key] = rows
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return [[(part[3], found[key]) for part, key in plan] for plan in plans]


def _from_pieces(viewer: User, name: str, specs: list[Spec], make):
    """``make(pieces of spec 1, pieces of spec 2, …)`` cached under the keys of every piece it reads (so
    under the versions of every month it reads): a warm page reads one entry per figure. When it is not
    cached, only the pieces whose months moved are read from the rollups; the others come from the cache
    (a change of today's facts leaves the previous period and earlier months as they were)."""
    plans = _plan(viewer, specs)
    key = _key(viewer, {}, name, tuple(key for plan in plans for _, key in plan))
    value = cache.get(key)
    if value is None:
        value = make(*_pieces(viewer, specs, plans))
        cache.set(key, value, CACHE_SECONDS)
    return value


def _overall(viewer: User, f: Filters, scope: Scope) -> dict:
    spec = ("evaluation", f, scope, selectors.OVERALL_GROUP)
    return _from_pieces(viewer, "overall", [spec], selectors.overall_figures)


def _zone(viewer: User):
    return _per_viewer(viewer, "zone", org_zone)


def org_today(viewer: User | None = None) -> date:
    zone = org_zone() if viewer is None else _zone(viewer)
    return timezone.now().astimezone(zone).date()


def _scope(viewer: User) -> Scope:
    return _per_viewer(viewer, "scope", lambda: selectors.scope_of(viewer))


def periods(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(this period, the previous one): the last 30 days ending today, and the 30 days before."""
    start = today - timedelta(days=PERIOD_DAYS - 1)
    return (start, today), (start - timedelta(days=PERIOD_DAYS), start - timedelta(days=1))


def _delta(now, before) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def _analytics_link(name: str, start: date, end: date, **extra) -> str:
    return f"{reverse(name)}?{urlencode({'date_from': start.isoformat(), 'date_to': end.isoformat(), **extra})}"


def _evaluations_link(viewer: User, start: date, end: date, **extra) -> str:
    days = completed_range(start, end, _zone(viewer))
    return f"{reverse('evaluations:list')}?{urlencode({'counted': '1', **days, **extra})}"


# --- Lead / manager ------------------------------------------------------------------------------------


def lead_figures(viewer: User, *, today: date | None = None) -> dict:
    """Average score and pass rate of the last 30 days against the 30 before, in the viewer's scope."""
    scope = _scope(viewer)
    (start, end), (pstart, pend) = periods(today or org_today(viewer))
    now, before = _from_pieces(
        viewer,
        "lead",
        [
            ("evaluation", Filters(date_from=start, date_to=end), scope, selectors.OVERALL_GROUP),
            ("evaluation", Filters(date_from=pstart, date_to=pend), scope, selectors.OVERALL_GROUP),
        ],
        lambda a, b: (selectors.overall_figures(a), selectors.overall_figures(b)),
    )
    return {
        "start": start,
        "end": end,
        "count": now["count"],
        "previous_count": before["count"],
        "average_score": now["average_score"],
        "previous_average_score": before["average_score"],
        "average_score_delta": _delta(now["average_score"], before["average_score"]),
        "pass_rate": now["pass_rate"],
        "previous_pass_rate": before["pass_rate"],
        "pass_rate_delta": _delta(now["pass_rate"], before["pass_rate"]),
        "trend_link": _analytics_link("analytics:trends", pstart, end),
        "evaluations_link": _evaluations_link(viewer, start, end),
        "passed_link": _evaluations_link(viewer, start, end, passed="yes"),
    }


DISPUTES_COUNTED = 999  # beyond this many open disputes the figure says "999+" (docs/analytics.md#dashboards)


def open_disputes(viewer: User) -> dict:
    """How many disputes in scope wait for an answer (up to ``DISPUTES_COUNTED``, then "999+"), and since when
    the oldest has waited: the oldest first on the open disputes' ``(created_at, id)`` index, stopping after
    ``DISPUTES_COUNTED + 1`` — an exact count of a long queue joined every evaluation for its scope."""
    qs = evaluation_selectors.open_disputes(viewer=viewer).prefetch_related(None).select_related(None)
    since = list(qs.order_by("created_at", "id").values_list("created_at", flat=True)[: DISPUTES_COUNTED + 1])
    more = len(since) > DISPUTES_COUNTED
    return {
        "count": DISPUTES_COUNTED if more else len(since),
        "more": more,
        "oldest_at": since[0] if since else None,
        "link": reverse("evaluations:disputes"),
    }


def _task_scope(viewer: User):
    qs = Assignment.objects.filter(status=AssignmentStatus.OPEN)
    if has_perm(viewer, "scope.all_teams"):
        return qs
    return qs.filter(Q(assignee=viewer) | Q(assigned_by=viewer))


def overdue_tasks(viewer: User) -> dict:
    """Open tasks past their due time that the viewer handed out or holds (an admin: all), the oldest first."""
    qs = _task_scope(viewer).filter(due_at__lt=timezone.now())
    # the task, then the few interactions and people it names: joined, SQLite's planner walked every
    # interaction; and only the columns shown (an interaction row carries its transcript)
    items = list(qs.only("uuid", "due_at", "interaction_id", "assignee_id").order_by("due_at", "id")[: TOP + 1])
    interactions = Interaction.objects.only("uuid", "channel", "external_id").in_bulk({t.interaction_id for t in items})
    people = User.objects.only("full_name").in_bulk({t.assignee_id for t in items})
    for task in items:
        task.interaction = interactions[task.interaction_id]
        task.assignee = people[task.assignee_id]
    count = len(items) if len(items) <= TOP else qs.count()
    return {"count": count, "items": items[:TOP], "link": reverse("evaluations:tasks")}


def _rank_questions(pieces: list, min_n: int) -> list[tuple[float, tuple[int, str], int]]:
    """(% of max, (scorecard, question key), answers) of the TOP weakest questions with ``min_n`` answers."""
    totals: dict[tuple, list] = {}
    for row in selectors.combine_parts("answer", pieces, ("scorecard_id", "question_key", "answer")):
        if row["answer"] == "na":
            continue
        t = totals.setdefault((row["scorecard_id"], row["question_key"]), [0, 0.0, 0.0])
        t[0] += row["n"]
        t[1] += row["earned_sum"]
        t[2] += row["possible_sum"]
    return sorted(
        (
            (round(100 * earned / possible, 2), key, int(n))
            for key, (n, earned, possible) in totals.items()
            if n >= min_n and possible > 0
        ),
        key=lambda r: (r[0], r[1]),
    )[:TOP]


def worst_questions(
    viewer: User, *, today: date | None = None, agent_id: int | None = None, min_n: int = MIN_QUESTION_N
) -> list[dict]:
    """The questions with the lowest % of maximum over the last 30 days (answered at least ``min_n``
    times, N/A excluded), each with its scorecard's breakdown link. ``agent_id`` narrows to one agent's
    answers (the coach choosing a session's focus, docs/coaching.md#focus)."""
    scope = _scope(viewer)
    (start, end), _ = periods(today or org_today(viewer))
    spec = (
        "answer",
        Filters(date_from=start, date_to=end, agent_id=agent_id),
        scope,
        ("scorecard_id", "question_key", "answer"),
    )
    ranked = _from_pieces(viewer, f"worst:{min_n}", [spec], lambda pieces: _rank_questions(pieces, min_n))
    if not ranked:
        return []
    # names and question texts from the scorecards' versions, newest first (one query)
    cards: dict[int, tuple[str, object]] = {}
    texts: dict[tuple, str] = {}
    wanted = {k for _, k, _ in ranked}
    versions = (
        ScorecardVersion.objects.filter(scorecard_id__in={k[0] for _, k, _ in ranked})
        .select_related("scorecard")
        .only("scorecard_id", "number", "document", "scorecard__name", "scorecard__uuid")
        .order_by("scorecard_id", "-number")
    )
    for version in versions:
        cards.setdefault(version.scorecard_id, (version.scorecard.name, version.scorecard.uuid))
        if all(k in texts for k in wanted):
            continue
        for section in compiled_for(version.document).scorecard.sections:
            for q in section.questions:
                key = (version.scorecard_id, q.key)
                if key in wanted and key not in texts:
                    texts[key] = q.text or q.key
    out = []
    for percent, (card, qkey), n in ranked:
        name, uuid = cards.get(card, ("?", ""))
        out.append(
            {
                "scorecard": name,
                "question_key": qkey,
                "text": texts.get((card, qkey), qkey),
                "percent_of_max": percent,
                "n": n,
                "link": _analytics_link("analytics:breakdown", start, end, scorecard=str(uuid)) + f"#q-{qkey}",
            }
        )
    return out


def _rank_agents(now_pieces: list, before_pieces: list) -> tuple[dict, dict, list[tuple[float, int]]]:
    """The TOP biggest falls of an agent's average (both periods with MIN_AGENT_N scored evaluations):
    (the ranked agents' averages now, before, [(change, agent)])."""

    def averages(pieces) -> dict[int, tuple[float, int]]:
        return {
            r["agent_id"]: (r["score_sum"] / r["scored_n"], int(r["scored_n"]))
            for r in selectors.combine_parts("evaluation", pieces, ("agent_id",))
            if r["scored_n"] >= MIN_AGENT_N
        }

    now, before = averages(now_pieces), averages(before_pieces)
    drops = sorted(
        ((round(now[a][0] - before[a][0], 2), a) for a in now.keys() & before.keys() if now[a][0] < before[a][0]),
    )[:TOP]
    return {a: now[a] for _, a in drops}, {a: before[a] for _, a in drops}, drops


def agents_needing_attention(viewer: User, *, today: date | None = None) -> list[dict]:
    """Agents whose average score fell the most from the previous 30 days to the last 30 (both periods
    with at least MIN_AGENT_N evaluations)."""
    scope = _scope(viewer)
    (start, end), (pstart, pend) = periods(today or org_today(viewer))

    now, before, drops = _from_pieces(
        viewer,
        "attention",
        [
            ("evaluation", Filters(date_from=start, date_to=end), scope, ("agent_id",)),
            ("evaluation", Filters(date_from=pstart, date_to=pend), scope, ("agent_id",)),
        ],
        _rank_agents,
    )
    people = {
        pk: (name, uuid)
        for pk, name, uuid in User.objects.filter(pk__in=[a for _, a in drops]).values_list("pk", "full_name", "uuid")
    }
    out = []
    for change, agent in drops:
        name, uuid = people.get(agent, ("?", ""))
        out.append(
            {
                "name": name,
                "average_score": round(now[agent][0], 2),
                "previous_average_score": round(before[agent][0], 2),
                "change": change,
                "n": now[agent][1],
                "link": _analytics_link("analytics:trends", pstart, end, agent=str(uuid)),
                "evaluations_link": _evaluations_link(viewer, start, end, agent=str(uuid)),
            }
        )
    return out


# --- Evaluator -----------------------------------------------------------------------------------------


def my_work(viewer: User, *, now: datetime | None = None) -> dict:
    """My open tasks, how many are due today (in my time zone) and how many are overdue."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=local.tzinfo)
    row = Assignment.objects.filter(assignee=viewer, status=AssignmentStatus.OPEN).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        due_today=Count("id", filter=Q(due_at__gte=now, due_at__lt=tomorrow)),
        next_due=Min("due_at", filter=Q(due_at__gte=now)),
    )
    return {**row, "link": reverse("evaluations:tasks")}


def my_week(viewer: User, *, today: date | None = None) -> dict:
    """Evaluations I completed this week (Monday to today, organisation days), from my evaluator rollups."""
    today = today or org_today(viewer)
    monday = today - timedelta(days=today.weekday())
    f = Filters(date_from=monday, date_to=today, evaluator_id=viewer.pk)
    figures = _overall(viewer, f, Scope(team_ids=None))
    return {
        "count": figures["count"],
        "average_score": figures["average_score"],
        "link": _evaluations_link(viewer, monday, today, evaluator=str(viewer.uuid)),
    }


CALIBRATION_DAYS = 90


def my_calibration(viewer: User, *, today: date | None = None) -> dict:
    """My calibration deviation over the last 90 days (docs/analytics.md#leaderboards): None without any
    submitted calibration that others also scored."""
    today = today or org_today(viewer)
    f = Filters(date_from=today - timedelta(days=CALIBRATION_DAYS - 1), date_to=today, evaluator_id=viewer.pk)
    scope = Scope(team_ids=None)
    deviation = _from_facts(
        viewer,
        "calibration",
        (f, scope),
        lambda: selectors.calibration_deviation(f, scope),
        keys=(CALIBRATION_VERSION_KEY,),
    ).get(viewer.pk)
    return {"deviation": deviation, "days": CALIBRATION_DAYS, "link": reverse("calibrations:list")}


# --- Agent ---------------------------------------------------------------------------------------------


def my_latest_scores(viewer: User) -> list:
    """My five latest counted evaluations, newest first."""
    return list(
        evaluation_selectors.evaluation_scope(viewer=viewer)
        .filter(agent=viewer, status__in=COUNTED_STATUSES, completed_at__isnull=False)
        .select_related("scorecard")
        .only("uuid", "score_percent", "passed", "status", "completed_at", "scorecard__name")
        .order_by("-completed_at", "-id")[:TOP]
    )


def awaiting_my_ack(viewer: User) -> dict:
    """Evaluations waiting for my acknowledgement, the soonest deadline first."""
    qs = (
        evaluation_selectors.evaluation_scope(viewer=viewer)
        .filter(agent=viewer, status=Status.AWAITING_ACK)
        .select_related("scorecard")
        .only("uuid", "score_percent", "ack_due_at", "completed_at", "scorecard__name")
        .order_by("ack_due_at", "id")
    )
    items = list(qs[: TOP + 1])
    count = len(items) if len(items) <= TOP else qs.count()
    link = f"{reverse('evaluations:list')}?{urlencode({'status': Status.AWAITING_ACK})}"
    return {"count": count, "items": items[:TOP], "link": link, "now": timezone.now()}


def my_average_vs_team(viewer: User, *, today: date | None = None) -> dict:
    """My average score over the last 30 days next to my teams' (all agents of the teams I belong to)."""
    (start, end), _ = periods(today or org_today(viewer))
    f = Filters(date_from=start, date_to=end)
    mine = _overall(viewer, f, Scope(team_ids=None, agent_id=viewer.pk))
    team_ids = tuple(viewer.teams.order_by("pk").values_list("pk", flat=True))
    team = _overall(viewer, f, Scope(team_ids=team_ids)) if team_ids else None
    team_average = team["average_score"] if team else None
    return {
        "average_score": mine["average_score"],
        "count": mine["count"],
        "team_average_score": team_average,
        "difference": _delta(mine["average_score"], team_average),
        "link": _analytics_link("analytics:me", start, end),
    }
