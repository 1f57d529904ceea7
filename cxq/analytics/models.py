"""Analytics storage (docs/analytics.md#breakdown-by-question, docs/analytics.md#what-counts,
docs/performance.md#lists-and-reports-at-scale): narrow facts per counted evaluation plus additive rollups.

Facts hold one row per counted evaluation, per visible question and per section, with every filter
dimension copied onto the row (no joins at read time). Rollups add the facts up per
``(grain, period, version, team, channel, source)`` and, by ``kind``, also per evaluator or per agent:

* ``grain`` "d": one row per day (``period`` = the day, ``week`` = its Monday, ``month`` = the 1st);
  ``grain`` "m": one row per month (``period`` = the 1st). A date range reads whole months from the
  month rows and only the days at its edges from the day rows (see ``selectors.segments``).
* ``kind`` 0: all evaluators and agents together (evaluator_id = agent_id = 0);
  ``kind`` 1: per evaluator (agent_id = 0); ``kind`` 2: per agent (evaluator_id = 0) and ``kind`` 3: per
  agent and evaluator, both in the evaluation rollup only. The answer and section breakdown of one agent
  reads that agent's facts (a few thousand rows a year, by index).

Everything is maintained explicitly by ``cxq.analytics.services`` (``evaluation_changed`` /
``evaluation_removed`` from the evaluation services; ``analytics_rebuild`` in bulk). Rollups are sums,
so a change is applied as a delta: minus the evaluation's old facts, plus its new ones.
Days are the organisation's time zone (OrgSettings.default_time_zone) for everybody; after it changes,
they stay in the zone recorded by ``AnalyticsState`` until the facts are rebuilt.
"""

from __future__ import annotations

from django.db import models

GRAIN_DAY, GRAIN_MONTH = "d", "m"
KIND_ALL, KIND_EVALUATOR, KIND_AGENT, KIND_PAIR = 0, 1, 2, 3


class EvaluationFact(models.Model):
    """One counted evaluation (completed/awaiting_ack/acknowledged/disputed, not calibration)."""

    evaluation_id = models.BigIntegerField(unique=True)
    day = models.DateField()
    week = models.DateField()
    month = models.DateField()
    scorecard_id = models.BigIntegerField()
    version_id = models.BigIntegerField()
    team_id = models.BigIntegerField(help_text="0 when the evaluation has no team")
    agent_id = models.BigIntegerField()
    evaluator_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=12)
    score = models.FloatField(null=True)
    passed = models.BooleanField()
    auto_failed = models.BooleanField()
    disputed = models.BooleanField(help_text="Disputed at least once")
    dispute_open = models.BooleanField()
    adjusted = models.BooleanField(help_text="A dispute changed an answer (a later revision exists)")

    class Meta:
        indexes = [
            # an agent's own numbers (agent filter, agent view), by date
            models.Index(fields=["agent_id", "day"], name="an_evalfact_agent_day"),
            # date-only scans (straightforward recomputation, drill-down counts)
            models.Index(fields=["day"], name="an_evalfact_day"),
        ]

    def __str__(self) -> str:
        return f"Evaluation {self.evaluation_id} on {self.day}"


class CalibrationFact(models.Model):
    """A submitted calibration evaluation's score: never counted, only read for calibration deviation
    (docs/analytics.md#trends)."""

    evaluation_id = models.BigIntegerField(unique=True)
    interaction_id = models.BigIntegerField()
    scorecard_id = models.BigIntegerField()
    version_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    evaluator_id = models.BigIntegerField()
    day = models.DateField()
    score = models.FloatField()

    class Meta:
        indexes = [
            # the evaluator leaderboard's date range
            models.Index(fields=["day"], name="an_calfact_day"),
            # "the other assessors of the same interaction and scorecard"
            models.Index(fields=["interaction_id", "scorecard_id"], name="an_calfact_session"),
        ]

    def __str__(self) -> str:
        return f"Calibration evaluation {self.evaluation_id}: {self.score}"


class AnswerFact(models.Model):
    """One visible question of a counted evaluation: the option chosen ('na', '' when unanswered)."""

    evaluation_id = models.BigIntegerField()
    day = models.DateField()
    version_id = models.BigIntegerField()
    scorecard_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    agent_id = models.BigIntegerField()
    evaluator_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=12)
    question_key = models.CharField(max_length=64)
    answer = models.CharField(max_length=64)
    earned = models.FloatField()
    possible = models.FloatField()

    class Meta:
        indexes = [
            # the breakdown filtered by agent (and the agent view), by date
            models.Index(fields=["agent_id", "day"], name="an_ansfact_agent_day"),
            # replacing one evaluation's facts
            models.Index(fields=["evaluation_id"], name="an_ansfact_eval"),
            # drill-down from a question's option to its evaluations
            models.Index(fields=["question_key", "answer", "day"], name="an_ansfact_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question_key}={self.answer!r} in evaluation {self.evaluation_id}"


class SectionFact(models.Model):
    """One section of a counted evaluation: its percent (None when empty) and whether it auto-failed."""

    evaluation_id = models.BigIntegerField()
    day = models.DateField()
    version_id = models.BigIntegerField()
    scorecard_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    agent_id = models.BigIntegerField()
    evaluator_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=12)
    section_key = models.CharField(max_length=64)
    percent = models.FloatField(null=True)
    failed = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["agent_id", "day"], name="an_secfact_agent_day"),
            models.Index(fields=["evaluation_id"], name="an_secfact_eval"),
        ]

    def __str__(self) -> str:
        return f"Section {self.section_key} of evaluation {self.evaluation_id}"


class _Rollup(models.Model):
    grain = models.CharField(max_length=1)
    kind = models.PositiveSmallIntegerField()
    period = models.DateField()
    week = models.DateField()
    month = models.DateField()
    version_id = models.BigIntegerField()
    scorecard_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=12)
    evaluator_id = models.BigIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True


ROLLUP_DIMS = ("grain", "kind", "period", "version_id", "team_id", "channel", "source", "evaluator_id")


class EvaluationRollup(_Rollup):
    agent_id = models.BigIntegerField()
    scored_n = models.IntegerField(default=0)
    score_sum = models.FloatField(default=0)
    passed_n = models.IntegerField(default=0)
    auto_failed_n = models.IntegerField(default=0)
    disputed_n = models.IntegerField(default=0)
    dispute_open_n = models.IntegerField(default=0)
    adjusted_n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # the upsert key; its prefix (grain, kind, period) serves every unfiltered or team-filtered range
            models.UniqueConstraint(fields=[*ROLLUP_DIMS, "agent_id"], name="an_evalroll_key"),
        ]
        indexes = [
            # per-evaluator (kind 1) and per-agent (kind 2) rows of one person over a range
            models.Index(fields=["grain", "kind", "agent_id", "evaluator_id", "period"], name="an_evalroll_person"),
        ]

    def __str__(self) -> str:
        return f"{self.grain}/{self.kind} {self.period}: {self.n} evaluations"


class AnswerRollup(_Rollup):
    question_key = models.CharField(max_length=64)
    answer = models.CharField(max_length=64)
    earned_sum = models.FloatField(default=0)
    possible_sum = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*ROLLUP_DIMS, "question_key", "answer"], name="an_ansroll_key"),
        ]
        indexes = [
            # one evaluator's rows (kind 1) over a range
            models.Index(fields=["grain", "kind", "evaluator_id", "period"], name="an_ansroll_evaluator"),
        ]

    def __str__(self) -> str:
        return f"{self.grain}/{self.kind} {self.period} {self.question_key}={self.answer!r}: {self.n}"


class SectionRollup(_Rollup):
    section_key = models.CharField(max_length=64)
    nonempty_n = models.IntegerField(default=0)
    percent_sum = models.FloatField(default=0)
    failed_n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=[*ROLLUP_DIMS, "section_key"], name="an_secroll_key"),
        ]
        indexes = [
            models.Index(fields=["grain", "kind", "evaluator_id", "period"], name="an_secroll_evaluator"),
        ]

    def __str__(self) -> str:
        return f"{self.grain}/{self.kind} {self.period} {self.section_key}: {self.n}"


class AnalyticsState(models.Model):
    """The time zone the facts' days are in (one row; none = the organisation's default time zone).

    Each evaluation counts on its day in that zone. When the organisation's time zone changes, the
    facts stay in the previous one, and new evaluations are filed in it too so every figure agrees,
    until a rebuild (queued at once for a small history, else ``cxq analytics rebuild``) moves
    everything to the new zone."""

    time_zone = models.CharField(max_length=64)
    rebuild_queued = models.BooleanField(default=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Analytics in {self.time_zone}"
