"""Keeping the analytics facts and rollups in step with evaluations (explicit calls, no signals).

The evaluation services call ``evaluation_changed(evaluation)`` whenever a counted evaluation may have
appeared or changed (submit, dispute, dispute answered, void) and ``evaluation_removed(evaluation_id)``
before one is deleted. Both run inside the caller's transaction.

Algorithm of ``evaluation_changed``:
1. Read the evaluation's current facts (if any) and compute its new facts (none when it does not count:
   drafts, voided, calibration). New facts score the stored answers with the scoring engine against the
   pinned version — the same call that made the stored result — so per-question points are never re-derived.
2. Replace the facts.
3. Turn old facts into negative and new facts into positive rollup contributions, add them up per rollup
   key and apply them with one upsert per table (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``),
   keys sorted so concurrent writers lock rows in the same order; rows whose count fell to 0 are deleted.

``analytics_rebuild`` recomputes everything from the evaluations in bulk (streaming, batch inserts,
rollups aggregated in SQL).
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.analytics.models import (
    GRAIN_DAY,
    GRAIN_MONTH,
    KIND_AGENT,
    KIND_ALL,
    KIND_EVALUATOR,
    KIND_PAIR,
    AnalyticsState,
    AnswerFact,
    AnswerRollup,
    CalibrationFact,
    EvaluationFact,
    EvaluationRollup,
    SectionFact,
    SectionRollup,
)
from cxq.evaluations.choices import COUNTED_STATUSES, Status
from cxq.evaluations.sources import source_policy, sources_where
from cxq.lib.db import insert_rows
from cxq.lib.memo import request_memo
from cxq.scorecards.engine import compiled_for
from cxq.scoring import score

EVAL_FACT_COLUMNS = (
    "evaluation_id",
    "day",
    "week",
    "month",
    "scorecard_id",
    "version_id",
    "team_id",
    "agent_id",
    "evaluator_id",
    "channel",
    "source",
    "score",
    "passed",
    "auto_failed",
    "disputed",
    "dispute_open",
    "adjusted",
)
DIMS = (
    "evaluation_id",
    "day",
    "version_id",
    "scorecard_id",
    "team_id",
    "agent_id",
    "evaluator_id",
    "channel",
    "source",
)
ANSWER_FACT_COLUMNS = (*DIMS, "question_key", "answer", "earned", "possible")
SECTION_FACT_COLUMNS = (*DIMS, "section_key", "percent", "failed")

# Rollup tables: key columns (the unique constraint) and measure columns.
ROLL_KEY = ("grain", "kind", "period", "version_id", "team_id", "channel", "source", "evaluator_id")
EVAL_ROLL_KEY = (*ROLL_KEY, "agent_id")
EVAL_MEASURES = (
    "n",
    "scored_n",
    "score_sum",
    "passed_n",
    "auto_failed_n",
    "disputed_n",
    "dispute_open_n",
    "adjusted_n",
)
ANSWER_ROLL_KEY = (*ROLL_KEY, "question_key", "answer")
ANSWER_MEASURES = ("n", "earned_sum", "possible_sum")
SECTION_ROLL_KEY = (*ROLL_KEY, "section_key")
SECTION_MEASURES = ("n", "nonempty_n", "percent_sum", "failed_n")
EXTRA = ("week", "month", "scorecard_id")  # determined by the key; written on insert


def is_counted(status: str, source: str) -> bool:
    """docs/analytics.md#what-counts: only finished, non-calibration evaluations count; drafts, voided and deleted never
    do."""
    return status in COUNTED_STATUSES and source_policy(source).counts_in_analytics


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _org_zone_name() -> str:
    """The organisation's time zone, as its settings name it."""
    return OrgSettings.get().default_time_zone or "UTC"


def facts_zone_name() -> str:
    """The time zone the facts' days are in (see ``AnalyticsState``): the organisation's, unless it
    changed and the facts have not been rebuilt for it yet."""
    state = request_memo(
        ("analytics-zone",), lambda: AnalyticsState.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    )
    return state or _org_zone_name()


def org_zone() -> zoneinfo.ZoneInfo:
    """The zone every analytics day is counted in: the facts' zone, so that new evaluations are
    filed like the existing ones until a rebuild moves them all."""
    return _zone(facts_zone_name())


# A rebuild holds its transaction for about 1 ms per evaluation (263 s for 250,000 on SQLite, during
# which other writes wait): below this many it is queued at once after a time-zone change.
AUTO_REBUILD_MAX = 20_000


def time_zone_changed(previous: str) -> bool:
    """The organisation's time zone changed from ``previous``. The facts stay in the zone they are
    in; a rebuild for the new zone is queued when the history is small (returns True), else it waits
    for ``cxq analytics rebuild`` and the reports say which zone their days are in."""
    state, _ = AnalyticsState.objects.select_for_update().get_or_create(pk=1, defaults={"time_zone": previous})
    if state.time_zone == _org_zone_name():  # changed back: nothing to do
        AnalyticsState.objects.filter(pk=1).update(rebuild_queued=False)
        return False
    if EvaluationFact.objects.count() > AUTO_REBUILD_MAX:
        return False
    AnalyticsState.objects.filter(pk=1).update(rebuild_queued=True)
    from cxq.analytics.tasks import rebuild_analytics

    transaction.on_commit(rebuild_analytics)
    return True


def zone_notice() -> dict | None:
    """What the reports say when their days are not in the organisation's time zone, else None."""
    state = AnalyticsState.objects.filter(pk=1).first()
    current = _org_zone_name()
    if state is None or state.time_zone == current:
        return None
    return {"facts_zone": state.time_zone, "org_zone": current, "rebuilding": state.rebuild_queued}


def zone_change_message(before: str, after: str) -> str:
    """A sentence for the settings page after the organisation's time zone changed from ``before`` to
    ``after``: what the reports do about it (the change was already projected, in the same request)."""
    notice = zone_notice()
    if notice is None:  # recomputed already (a small history, with an immediate queue)
        return f" Reports now count days in {after}."
    if notice["rebuilding"]:
        return " Reports are being recomputed for the new time zone; they update in a minute or two."
    return (
        f" Reports keep counting days in {notice['facts_zone']} until they are recomputed for the new time zone: "
        "run `cxq analytics rebuild` at a quiet time (about a minute per 60,000 evaluations)."
    )


def day_of(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- Facts of one evaluation -------------------------------------------------------------------------


def compute_facts(
    *,
    evaluation_id: int,
    completed_at: datetime,
    version_id: int,
    scorecard_id: int,
    document: dict,
    team_id: int | None,
    agent_id: int,
    evaluator_id: int,
    channel: str,
    source: str,
    answers: dict,
    score_percent,
    passed: bool | None,
    auto_failed: bool,
    disputed: bool,
    dispute_open: bool,
    adjusted: bool,
    zone: zoneinfo.ZoneInfo,
) -> tuple[tuple, list[tuple], list[tuple]]:
    """The fact rows (evaluation, answers, sections) of one counted evaluation, as column tuples."""
    day = day_of(completed_at, zone)
    result = score(compiled_for(document), answers or {})
    dims = (evaluation_id, day, version_id, scorecard_id, team_id or 0, agent_id, evaluator_id, channel, source)
    evaluation = (
        evaluation_id,
        day,
        week_of(day),
        day.replace(day=1),
        scorecard_id,
        version_id,
        team_id or 0,
        agent_id,
        evaluator_id,
        channel,
        source,
        None if score_percent is None else float(score_percent),
        bool(passed),
        bool(auto_failed),
        disputed or dispute_open,  # an open dispute is a dispute even where its row is missing (imports)
        dispute_open,
        adjusted,
    )
    answer_rows = [
        (*dims, q.key, q.answer if q.answer is not None else "", float(q.earned), float(q.possible))
        for q in result.questions
        if q.visible
    ]
    section_rows = [(*dims, s.key, None if s.percent is None else float(s.percent), s.failed) for s in result.sections]
    return evaluation, answer_rows, section_rows


def _facts_of(evaluation) -> tuple[tuple, list[tuple], list[tuple]] | None:
    if not (is_counted(evaluation.status, evaluation.source) and evaluation.completed_at):
        return None
    return compute_facts(
        evaluation_id=evaluation.pk,
        completed_at=evaluation.completed_at,
        version_id=evaluation.version_id,
        scorecard_id=evaluation.scorecard_id,
        document=evaluation.version.document,
        team_id=evaluation.team_id,
        agent_id=evaluation.agent_id,
        evaluator_id=evaluation.evaluator_id,
        channel=evaluation.interaction.channel,
        source=evaluation.source,
        answers=evaluation.answers,
        score_percent=evaluation.score_percent,
        passed=evaluation.passed,
        auto_failed=evaluation.auto_failed,
        disputed=evaluation.disputes.exists(),
        dispute_open=evaluation.status == Status.DISPUTED,
        adjusted=evaluation.revision > 1,
        zone=org_zone(),
    )


def _stored_facts(evaluation_id: int) -> tuple[tuple, list[tuple], list[tuple]] | None:
    row = EvaluationFact.objects.filter(evaluation_id=evaluation_id).values_list(*EVAL_FACT_COLUMNS).first()
    if row is None:
        return None
    answers = list(AnswerFact.objects.filter(evaluation_id=evaluation_id).values_list(*ANSWER_FACT_COLUMNS))
    sections = list(SectionFact.objects.filter(evaluation_id=evaluation_id).values_list(*SECTION_FACT_COLUMNS))
    return row, answers, sections


# --- Rollup contributions ----------------------------------------------------------------------------


def _periods(day: date) -> tuple[tuple[str, date, date, date], ...]:
    """(grain, period, week, month) rows an evaluation of ``day`` adds to."""
    month = day.replace(day=1)
    return ((GRAIN_DAY, day, week_of(day), month), (GRAIN_MONTH, month, month, month))


def _add(bucket: dict, key: tuple, extra: tuple, values: Iterable[float]) -> None:
    entry = bucket.get(key)
    if entry is None:
        bucket[key] = [extra, list(values)]
    else:
        entry[1] = [a + b for a, b in zip(entry[1], values, strict=True)]


def contributions(facts, sign: int, buckets: tuple[dict, dict, dict]) -> None:
    """Add one evaluation's facts (× ``sign``) to the three rollup buckets: key → [extra, measures]."""
    evaluations, answers, sections = buckets
    (
        ev_id,
        day,
        _week,
        _month,
        scorecard,
        version,
        team,
        agent,
        evaluator,
        channel,
        source,
        sc,
        passed,
        af,
        d,
        do,
        adj,
    ) = facts[0]
    measures = (
        1,
        0 if sc is None else 1,
        sc or 0.0,
        int(passed),
        int(af),
        int(d),
        int(do),
        int(adj),
    )
    measures = tuple(sign * m for m in measures)
    for grain, period, week, month in _periods(day):
        extra = (week, month, scorecard)
        base = (grain, None, period, version, team, channel, source)
        for kind, ev, ag in (
            (KIND_ALL, 0, 0),
            (KIND_EVALUATOR, evaluator, 0),
            (KIND_AGENT, 0, agent),
            (KIND_PAIR, evaluator, agent),
        ):
            _add(evaluations, (grain, kind, *base[2:], ev, ag), extra, measures)
        for kind, ev in ((KIND_ALL, 0), (KIND_EVALUATOR, evaluator)):
            for row in facts[1]:
                key = (grain, kind, *base[2:], ev, row[9], row[10])
                _add(answers, key, extra, (sign, sign * row[11], sign * row[12]))
            for row in facts[2]:
                percent = row[10]
                key = (grain, kind, *base[2:], ev, row[9])
                values = (sign, 0 if percent is None else sign, sign * (percent or 0.0), sign * int(row[11]))
                _add(sections, key, extra, values)


def _upsert(model, key_columns: tuple[str, ...], measure_columns: tuple[str, ...], bucket: dict) -> None:
    if not bucket:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = (*key_columns, *EXTRA, *measure_columns)
    updates = ", ".join(f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in measure_columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (model's own names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}"
    )
    keys = sorted(bucket)
    rows = [(*key, *bucket[key][0], *bucket[key][1]) for key in keys]
    where = " AND ".join(f"{quote(c)} = %s" for c in key_columns)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        # A count that fell to 0 leaves an empty row behind: remove it (sums are then 0 too). Only rows
        # whose count went down can have reached 0 ("n" is every rollup's first measure).
        dropping = [key for key in keys if bucket[key][1][0] < 0]
        if dropping:
            cursor.executemany(f"DELETE FROM {table} WHERE {where} AND {quote('n')} <= 0", dropping)  # noqa: S608


# --- The facts' versions (docs/analytics.md#dashboards) ----------------------------------------------------

FACTS_VERSION_KEY = "analytics:facts-version"
CALIBRATION_VERSION_KEY = "analytics:facts-version:calibration"


def month_version_key(month: date) -> str:
    """The version of one calendar month's facts (the days of the organisation's analytics zone)."""
    return f"{FACTS_VERSION_KEY}:{month:%Y-%m}"


def facts_versions(keys: Iterable[str]) -> dict[str, str]:
    """The current tokens of the versions named by ``keys`` (``FACTS_VERSION_KEY``, ``month_version_key``,
    ``CALIBRATION_VERSION_KEY``), one cache round trip when they all exist. A token changes whenever a
    fact it stands for changes: figures cached under it stay correct. Read them before reading the facts."""
    keys = list(dict.fromkeys(keys))
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = uuid.uuid4().hex
            found[key] = token if cache.add(key, token, None) else (cache.get(key) or token)
    return found


def facts_version() -> str:
    """The version of every fact at once: changes with every change of any fact (``facts_moved``)."""
    return facts_versions([FACTS_VERSION_KEY])[FACTS_VERSION_KEY]


def _new_facts_version(keys: Iterable[str] = (FACTS_VERSION_KEY,)) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def facts_moved(days: Iterable[date] | None = None, *, calibration: bool = False) -> None:
    """Facts change in the current transaction: a new version now (this transaction's own reads) and
    another once it commits (a reader who took the first one while the change was uncommitted cached
    the old figures under it; nobody is handed that version again).

    ``days``: only the facts of these days change, so only their months' versions move (a figure of
    other months stays cached); ``calibration``: the calibration facts change. Neither: everything moves."""
    keys = [month_version_key(day.replace(day=1)) for day in days or ()]
    if calibration:
        keys.append(CALIBRATION_VERSION_KEY)
    if days is None and not calibration:
        keys = [FACTS_VERSION_KEY]
    if not keys:
        return
    _new_facts_version(keys)
    transaction.on_commit(lambda: _new_facts_version(keys))


def _apply(old, new) -> None:
    facts_moved({facts[0][1] for facts in (old, new) if facts is not None})
    buckets: tuple[dict, dict, dict] = ({}, {}, {})
    if old is not None:
        contributions(old, -1, buckets)
    if new is not None:
        contributions(new, 1, buckets)
    for bucket in buckets:
        for key in [k for k, (_, values) in bucket.items() if not any(values)]:
            del bucket[key]  # unchanged: nothing to write
    _upsert(EvaluationRollup, EVAL_ROLL_KEY, EVAL_MEASURES, buckets[0])
    _upsert(AnswerRollup, ANSWER_ROLL_KEY, ANSWER_MEASURES, buckets[1])
    _upsert(SectionRollup, SECTION_ROLL_KEY, SECTION_MEASURES, buckets[2])


def _delete_facts(evaluation_id: int) -> None:
    EvaluationFact.objects.filter(evaluation_id=evaluation_id).delete()
    AnswerFact.objects.filter(evaluation_id=evaluation_id).delete()
    SectionFact.objects.filter(evaluation_id=evaluation_id).delete()


def _insert_facts(facts) -> None:
    insert_rows(EvaluationFact, EVAL_FACT_COLUMNS, [facts[0]])
    insert_rows(AnswerFact, ANSWER_FACT_COLUMNS, facts[1])
    insert_rows(SectionFact, SECTION_FACT_COLUMNS, facts[2])


# --- The service calls ---------------------------------------------------------------------------------


CALIBRATION_COLUMNS = (
    "evaluation_id",
    "interaction_id",
    "scorecard_id",
    "version_id",
    "team_id",
    "evaluator_id",
    "day",
    "score",
)


def _calibration_row(pk, interaction, card, version, team, evaluator, completed_at, score_percent, zone) -> tuple:
    day = day_of(completed_at, zone)
    return (pk, interaction, card, version, team or 0, evaluator, day, float(score_percent))


def _calibration_changed(evaluation) -> None:
    """Calibration evaluations never count; their submitted scores are kept apart for calibration deviation."""
    facts_moved(calibration=True)
    CalibrationFact.objects.filter(evaluation_id=evaluation.pk).delete()
    if evaluation.status in COUNTED_STATUSES and evaluation.completed_at and evaluation.score_percent is not None:
        row = _calibration_row(
            evaluation.pk,
            evaluation.interaction_id,
            evaluation.scorecard_id,
            evaluation.version_id,
            evaluation.team_id,
            evaluation.evaluator_id,
            evaluation.completed_at,
            evaluation.score_percent,
            org_zone(),
        )
        insert_rows(CalibrationFact, CALIBRATION_COLUMNS, [row])


@transaction.atomic
def evaluation_changed(evaluation) -> None:
    """Bring the analytics of one evaluation up to date (it appeared, changed, or stopped counting)."""
    from cxq.evaluations.models import Evaluation

    evaluation = Evaluation.objects.select_related("version", "interaction").get(pk=evaluation.pk)
    if source_policy(evaluation.source).feeds_calibration_stats:
        _calibration_changed(evaluation)
    old = _stored_facts(evaluation.pk)
    new = _facts_of(evaluation)
    if old is None and new is None:
        return
    _delete_facts(evaluation.pk)
    if new is not None:
        _insert_facts(new)
    _apply(old, new)


@transaction.atomic
def interactions_changed(interaction_ids: Iterable[int]) -> int:
    """Interactions changed what the facts copy from them (their channel): refresh the facts of
    their evaluations. Returns how many evaluations were looked at."""
    from cxq.evaluations.models import Evaluation

    evaluations = list(Evaluation.objects.filter(interaction_id__in=list(interaction_ids)))
    for evaluation in evaluations:
        evaluation_changed(evaluation)
    return len(evaluations)


@transaction.atomic
def team_removed(team_id: int) -> None:
    """A team was deleted: its evaluations now have no team. Move its facts and rollup rows to "no
    team" (0), adding them to rows already there: every rollup measure is a sum."""
    facts_moved()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (EvaluationFact, AnswerFact, SectionFact, CalibrationFact):
            table = quote(model._meta.db_table)
            cursor.execute(f"UPDATE {table} SET team_id = 0 WHERE team_id = %s", [team_id])  # noqa: S608
        for model, key, measures in (
            (EvaluationRollup, EVAL_ROLL_KEY, EVAL_MEASURES),
            (AnswerRollup, ANSWER_ROLL_KEY, ANSWER_MEASURES),
            (SectionRollup, SECTION_ROLL_KEY, SECTION_MEASURES),
        ):
            table = quote(model._meta.db_table)
            columns = (*key, *EXTRA, *measures)
            selected = ", ".join("0" if c == "team_id" else quote(c) for c in columns)
            added = ", ".join(f"{quote(m)} = {table}.{quote(m)} + excluded.{quote(m)}" for m in measures)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 (model's own names)
                f"SELECT {selected} FROM {table} WHERE team_id = %s "
                f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {added}",
                [team_id],
            )
            cursor.execute(f"DELETE FROM {table} WHERE team_id = %s", [team_id])  # noqa: S608


@transaction.atomic
def evaluation_removed(evaluation_id: int) -> None:
    """The evaluation is being deleted: take it out of every figure."""
    facts_moved(calibration=True)
    CalibrationFact.objects.filter(evaluation_id=evaluation_id).delete()
    old = _stored_facts(evaluation_id)
    if old is None:
        return
    _delete_facts(evaluation_id)
    _apply(old, None)


# --- Bulk rebuild ----------------------------------------------------------------------------------------


def _clear() -> None:
    with connection.cursor() as cursor:
        for model in (
            EvaluationFact,
            AnswerFact,
            SectionFact,
            CalibrationFact,
            EvaluationRollup,
            AnswerRollup,
            SectionRollup,
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _stream_facts(zone, batch: int, progress: Callable[[int], None] | None):
    """Yield fact batches for every counted evaluation, reading evaluations in id order."""
    from cxq.evaluations.models import Dispute, Evaluation
    from cxq.scorecards.models import ScorecardVersion

    documents = dict(ScorecardVersion.objects.values_list("id", "document"))
    disputed = set(Dispute.objects.values_list("evaluation_id", flat=True))
    fields = (
        "id",
        "completed_at",
        "version_id",
        "scorecard_id",
        "team_id",
        "agent_id",
        "evaluator_id",
        "interaction__channel",
        "source",
        "answers",
        "score_percent",
        "passed",
        "auto_failed",
        "status",
        "revision",
    )
    qs = (
        Evaluation.objects.filter(status__in=COUNTED_STATUSES, completed_at__isnull=False)
        .filter(source__in=sources_where("counts_in_analytics"))
        .order_by("id")
        .values_list(*fields)
    )
    last = 0
    while True:
        chunk = list(qs.filter(id__gt=last)[:batch])
        if not chunk:
            return
        out: tuple[list, list, list] = ([], [], [])
        for pk, done, version, card, team, agent, evaluator, channel, source, answers, sp, ok, af, status, rev in chunk:
            facts = compute_facts(
                evaluation_id=pk,
                completed_at=done,
                version_id=version,
                scorecard_id=card,
                document=documents[version],
                team_id=team,
                agent_id=agent,
                evaluator_id=evaluator,
                channel=channel,
                source=source,
                answers=answers,
                score_percent=sp,
                passed=ok,
                auto_failed=af,
                disputed=pk in disputed,
                dispute_open=status == Status.DISPUTED,
                adjusted=rev > 1,
                zone=zone,
            )
            out[0].append(facts[0])
            out[1].extend(facts[1])
            out[2].extend(facts[2])
        last = chunk[-1][0]
        yield out
        if progress:
            progress(len(chunk))


def _sql_rollups() -> None:
    """Rollups from the facts in SQL: per-evaluator/per-agent day rows first, everything else from those."""
    q = connection.ops.quote_name
    ev_t, an_t, se_t = (q(m._meta.db_table) for m in (EvaluationFact, AnswerFact, SectionFact))
    evr, anr, ser = (q(m._meta.db_table) for m in (EvaluationRollup, AnswerRollup, SectionRollup))
    common = "version_id, team_id, channel, source"
    statements = [  # noqa: S608 (table and column names are the models' own)
        # evaluations: per evaluator and per agent, by day, straight from the facts
        f"INSERT INTO {evr} (grain, kind, period, week, month, scorecard_id, {common}, evaluator_id, agent_id, "  # noqa: S608
        f"{', '.join(EVAL_MEASURES)}) "
        f"SELECT 'd', {KIND_EVALUATOR}, day, week, month, scorecard_id, {common}, evaluator_id, 0, COUNT(*), "
        "COUNT(score), COALESCE(SUM(score), 0), SUM(CASE WHEN passed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN auto_failed THEN 1 ELSE 0 END), SUM(CASE WHEN disputed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN dispute_open THEN 1 ELSE 0 END), SUM(CASE WHEN adjusted THEN 1 ELSE 0 END) "
        f"FROM {ev_t} GROUP BY day, week, month, scorecard_id, {common}, evaluator_id",
        f"INSERT INTO {evr} (grain, kind, period, week, month, scorecard_id, {common}, evaluator_id, agent_id, "  # noqa: S608
        f"{', '.join(EVAL_MEASURES)}) "
        f"SELECT 'd', {KIND_AGENT}, day, week, month, scorecard_id, {common}, 0, agent_id, COUNT(*), "
        "COUNT(score), COALESCE(SUM(score), 0), SUM(CASE WHEN passed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN auto_failed THEN 1 ELSE 0 END), SUM(CASE WHEN disputed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN dispute_open THEN 1 ELSE 0 END), SUM(CASE WHEN adjusted THEN 1 ELSE 0 END) "
        f"FROM {ev_t} GROUP BY day, week, month, scorecard_id, {common}, agent_id",
        f"INSERT INTO {evr} (grain, kind, period, week, month, scorecard_id, {common}, evaluator_id, agent_id, "  # noqa: S608
        f"{', '.join(EVAL_MEASURES)}) "
        f"SELECT 'd', {KIND_PAIR}, day, week, month, scorecard_id, {common}, evaluator_id, agent_id, COUNT(*), "
        "COUNT(score), COALESCE(SUM(score), 0), SUM(CASE WHEN passed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN auto_failed THEN 1 ELSE 0 END), SUM(CASE WHEN disputed THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN dispute_open THEN 1 ELSE 0 END), SUM(CASE WHEN adjusted THEN 1 ELSE 0 END) "
        f"FROM {ev_t} GROUP BY day, week, month, scorecard_id, {common}, evaluator_id, agent_id",
        # answers and sections: per evaluator by day (week and month from the evaluation fact)
        f"INSERT INTO {anr} (grain, kind, period, week, month, scorecard_id, {common}, evaluator_id, "  # noqa: S608
        f"question_key, answer, n, earned_sum, possible_sum) "
        f"SELECT 'd', {KIND_EVALUATOR}, a.day, e.week, e.month, a.scorecard_id, a.version_id, a.team_id, "
        "a.channel, a.source, a.evaluator_id, a.question_key, a.answer, COUNT(*), SUM(a.earned), SUM(a.possible) "
        f"FROM {an_t} a JOIN {ev_t} e ON e.evaluation_id = a.evaluation_id "
        "GROUP BY a.day, e.week, e.month, a.scorecard_id, a.version_id, a.team_id, a.channel, a.source, "
        "a.evaluator_id, a.question_key, a.answer",
        f"INSERT INTO {ser} (grain, kind, period, week, month, scorecard_id, {common}, evaluator_id, "  # noqa: S608
        f"section_key, n, nonempty_n, percent_sum, failed_n) "
        f"SELECT 'd', {KIND_EVALUATOR}, a.day, e.week, e.month, a.scorecard_id, a.version_id, a.team_id, "
        "a.channel, a.source, a.evaluator_id, a.section_key, COUNT(*), COUNT(a.percent), "
        "COALESCE(SUM(a.percent), 0), SUM(CASE WHEN a.failed THEN 1 ELSE 0 END) "
        f"FROM {se_t} a JOIN {ev_t} e ON e.evaluation_id = a.evaluation_id "
        "GROUP BY a.day, e.week, e.month, a.scorecard_id, a.version_id, a.team_id, a.channel, a.source, "
        "a.evaluator_id, a.section_key",
    ]
    # kind 0 (everyone) by day: the per-evaluator day rows summed over evaluators
    for table, extra_key, measures in (
        (evr, ", agent_id", EVAL_MEASURES),
        (anr, ", question_key, answer", ANSWER_MEASURES),
        (ser, ", section_key", SECTION_MEASURES),
    ):
        sums = ", ".join(f"SUM({m})" for m in measures)
        key = f"{common}{extra_key}"
        statements.append(
            f"INSERT INTO {table} (grain, kind, period, week, month, scorecard_id, {key}, evaluator_id, "  # noqa: S608
            f"{', '.join(measures)}) SELECT 'd', {KIND_ALL}, period, week, month, scorecard_id, {key}, 0, {sums} "
            f"FROM {table} WHERE grain = 'd' AND kind = {KIND_EVALUATOR} "
            f"GROUP BY period, week, month, scorecard_id, {key}"
        )
        # month rows of every kind from the day rows
        statements.append(
            f"INSERT INTO {table} (grain, kind, period, week, month, scorecard_id, {key}, evaluator_id, "  # noqa: S608
            f"{', '.join(measures)}) SELECT 'm', kind, month, month, month, scorecard_id, {key}, evaluator_id, "
            f"{sums} FROM {table} WHERE grain = 'd' GROUP BY kind, month, scorecard_id, {key}, evaluator_id"
        )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analytics_rebuild(*, batch: int = 2000, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every fact and rollup from the evaluations; returns how many evaluations count.

    One transaction: readers see the old figures until the new ones are complete. Days are counted
    in the organisation's current time zone, which the facts are then in (``AnalyticsState``)."""
    name = _org_zone_name()
    zone = _zone(name)
    total = 0
    with transaction.atomic():
        facts_moved()
        _clear()
        for evaluations, answers, sections in _stream_facts(zone, batch, progress):
            insert_rows(EvaluationFact, EVAL_FACT_COLUMNS, evaluations, batch=5000)
            insert_rows(AnswerFact, ANSWER_FACT_COLUMNS, answers, batch=5000)
            insert_rows(SectionFact, SECTION_FACT_COLUMNS, sections, batch=5000)
            total += len(evaluations)
        _sql_rollups()
        _rebuild_calibration_facts(zone)
        AnalyticsState.objects.update_or_create(
            pk=1, defaults={"time_zone": name, "rebuild_queued": False, "rebuilt_at": timezone.now()}
        )
    return total


def _rebuild_calibration_facts(zone) -> None:
    from cxq.evaluations.models import Evaluation

    qs = Evaluation.objects.filter(
        source__in=sources_where("feeds_calibration_stats"),
        status__in=COUNTED_STATUSES,
        completed_at__isnull=False,
        score_percent__isnull=False,
    ).values_list(
        "id", "interaction_id", "scorecard_id", "version_id", "team_id", "evaluator_id", "completed_at", "score_percent"
    )
    rows = (_calibration_row(*row, zone) for row in qs.iterator(chunk_size=2000))
    insert_rows(CalibrationFact, CALIBRATION_COLUMNS, rows)
