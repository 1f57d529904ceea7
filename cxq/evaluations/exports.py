"""The evaluations table as CSV (docs/evaluations.md#the-evaluations-table): one row per evaluation with
its team, overall comment, and each question's answer and comment, streamed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone

from cxq.accounts.models import OrgSettings
from cxq.evaluations.choices import Status
from cxq.lib.csvio import csv_stream_response
from cxq.lib.timezones import is_valid_time_zone
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import ScorecardVersion

HEADER = [
    "evaluation_id",
    "interaction",
    "agent",
    "team",
    "evaluator",
    "scorecard",
    "version",
    "score_percent",
    "result",
    "band",
    "status",
    "source",
    "created_at",
    "completed_at",
    "comment",
]


def question_columns(qs) -> list[tuple[int, str, str]]:
    """(scorecard id, question key, column name) for every question of the versions in ``qs``, in the
    scorecards' order (newest version's order first). Names are the question key, prefixed with the
    scorecard's name when the export holds several scorecards."""
    version_ids = set(qs.order_by().values_list("version_id", flat=True).distinct())
    versions = ScorecardVersion.objects.filter(pk__in=version_ids).select_related("scorecard")
    versions = sorted(versions, key=lambda v: (v.scorecard.name, -v.number))
    several = len({v.scorecard_id for v in versions}) > 1
    columns: list[tuple[int, str, str]] = []
    seen = set()
    for v in versions:
        for section in compiled_for(v.document).scorecard.sections:
            for q in section.questions:
                if (v.scorecard_id, q.key) not in seen:
                    seen.add((v.scorecard_id, q.key))
                    columns.append((v.scorecard_id, q.key, f"{v.scorecard.name}:{q.key}" if several else q.key))
    return columns


def file_stamp() -> str:
    """Now in the organisation's time zone (a file name the team reads as local time, not UTC)."""
    name = OrgSettings.get().default_time_zone or "UTC"
    zone = ZoneInfo(name if is_valid_time_zone(name) else "UTC")
    return f"{timezone.now().astimezone(zone):%Y%m%d-%H%M}"


def band_label(evaluation) -> str:
    """The score band's label (docs/scoring.md#score-bands), empty for a draft or without bands."""
    if evaluation.status == Status.DRAFT:
        return ""
    band = evaluation.scorecard.band(score_percent=evaluation.score_percent, earned=evaluation.earned)
    return band["label"] if band else ""


def evaluations_csv(qs):
    tz = timezone.get_current_timezone()
    columns = question_columns(qs)

    def when(value):
        return timezone.localtime(value, tz).isoformat() if value else ""

    def answer(value) -> str:
        return "" if value is None else str(value)

    def rows():
        for e in qs.select_related("team").iterator(chunk_size=2000):
            answers, comments = e.answers or {}, e.question_comments or {}
            per_question = []
            for card, key, _ in columns:
                mine = card == e.scorecard_id
                per_question += [answer(answers.get(key)) if mine else "", comments.get(key, "") if mine else ""]
            yield [
                str(e.uuid),
                e.interaction.external_id or str(e.interaction.uuid),
                e.agent.full_name,
                e.team.name if e.team else "",
                e.evaluator.full_name,
                e.scorecard.name,
                e.version.number,
                "" if e.score_percent is None else str(e.score_percent),
                "" if e.passed is None else ("pass" if e.passed else "fail"),
                band_label(e),
                e.status,
                e.source,
                when(e.created_at),
                when(e.completed_at),
                e.comment,
                *per_question,
            ]

    header = [*HEADER, *[h for _, _, name in columns for h in (name, f"{name} comment")]]
    return csv_stream_response(f"cxq-evaluations-{file_stamp()}.csv", header, rows())
