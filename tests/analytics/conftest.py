"""Analytics fixtures: evaluations made through the real services, and a straightforward recomputation
of every figure from the evaluations themselves (the reference the fast path must equal)."""

from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cxq.analytics.selectors import Filters
from cxq.analytics.services import org_zone
from cxq.evaluations import services as ev
from cxq.evaluations.choices import COUNTED_STATUSES
from cxq.evaluations.models import Evaluation
from cxq.interactions.schemas import InteractionIn
from cxq.interactions.services import interaction_upsert
from cxq.scorecards import services as sc
from cxq.scorecards.engine import compiled_for
from cxq.scoring import score
from tests.interactions.conftest import PAYLOAD
from tests.scorecards.conftest import DOC

_counter = itertools.count(1)


@pytest.fixture
def card(personas):
    return sc.scorecard_publish(by=personas.admin, scorecard=sc.scorecard_create(by=personas.admin, document=DOC))


def new_call(agent_email: str, channel: str = "voice"):
    payload = copy.deepcopy(PAYLOAD)
    payload.update(external_id=f"an-{next(_counter)}", channel=channel, agent={"email": agent_email})
    return interaction_upsert(data=InteractionIn.model_validate(payload))[0]


def evaluate(by, agent, card, answers: dict, *, channel: str = "voice", source: str = "manual", submit: bool = True):
    """One evaluation of a new interaction of ``agent`` through start → save → submit."""
    call = new_call(agent.email, channel)
    draft = ev.evaluation_start(by=by, interaction=call, scorecard=card, source=source)
    ev.evaluation_save(by=by, evaluation=draft, answers=answers)
    if not submit:
        return Evaluation.objects.get(pk=draft.pk)
    return ev.evaluation_submit(by=by, evaluation=Evaluation.objects.get(pk=draft.pk))


@pytest.fixture
def today():
    return timezone.now().astimezone(org_zone()).date()


def filters_for(today: date, **kw) -> Filters:
    return Filters(date_from=kw.pop("date_from", today - timedelta(days=30)), date_to=kw.pop("date_to", today), **kw)


def reference(f: Filters, *, team_ids=None, agent_id=None) -> dict:
    """The figures computed the plain way: every counted evaluation, scored again with the engine."""
    zone = org_zone()
    qs = (
        Evaluation.objects.filter(status__in=COUNTED_STATUSES)
        .exclude(source="calibration")
        .select_related("version", "interaction")
    )
    n = scored = passed = failed = 0
    score_sum = 0.0
    answers: dict = defaultdict(lambda: defaultdict(int))
    earned: dict = defaultdict(float)
    possible: dict = defaultdict(float)
    sections: dict = defaultdict(lambda: [0, 0, 0.0, 0])  # n, nonempty, percent sum, failed
    for e in qs:
        day = e.completed_at.astimezone(zone).date()
        if not f.date_from <= day <= f.date_to:
            continue
        checks = [
            (f.scorecard_ids, e.scorecard_id),
            (f.version_ids, e.version_id),
            (f.team_ids, e.team_id or 0),
            (team_ids, e.team_id or 0),
        ]
        if any(values is not None and len(values) > 0 and value not in values for values, value in checks):
            continue
        if team_ids is not None and len(team_ids) == 0:
            continue
        if (f.agent_id and e.agent_id != f.agent_id) or (agent_id and e.agent_id != agent_id):
            continue
        if f.evaluator_id and e.evaluator_id != f.evaluator_id:
            continue
        if (f.channel and e.interaction.channel != f.channel) or (f.source and e.source != f.source):
            continue
        result = score(compiled_for(e.version.document), e.answers)
        n += 1
        if e.score_percent is not None:
            scored += 1
            score_sum += float(e.score_percent)
        passed += bool(e.passed)
        failed += bool(e.auto_failed)
        for q in result.questions:
            if q.visible:
                answers[q.key][q.answer or ""] += 1
                if q.answer != "na":
                    earned[q.key] += float(q.earned)
                    possible[q.key] += float(q.possible)
        for s in result.sections:
            row = sections[s.key]
            row[0] += 1
            if s.percent is not None:
                row[1] += 1
                row[2] += float(s.percent)
            row[3] += s.failed
    return {
        "count": n,
        "average_score": round(score_sum / scored, 2) if scored else None,
        "pass_rate": round(100 * passed / n, 2) if n else None,
        "auto_fail_rate": round(100 * failed / n, 2) if n else None,
        "answers": {k: dict(v) for k, v in answers.items()},
        "percent_of_max": {k: round(100 * earned[k] / possible[k], 2) if possible[k] else None for k in answers},
        "sections": {
            k: (v[0], round(v[2] / v[1], 2) if v[1] else None, round(100 * v[3] / v[0], 2) if v[0] else None)
            for k, v in sections.items()
        },
    }


def fast(result: dict) -> dict:
    """The same figures read from a ``breakdown`` result."""
    o = result["overall"]
    answers: dict = {}
    percent: dict = {}
    sections: dict = {}
    for s in result["sections"]:
        if s["count"]:
            sections[s["key"]] = (s["count"], s["average_percent"], s["auto_fail_rate"])
        for q in s["questions"]:
            counts = {opt["key"]: opt["count"] for opt in q["options"] if opt["count"]}
            if q["na"]:
                counts["na"] = q["na"]
            if q["unanswered"]:
                counts[""] = q["unanswered"]
            if counts:
                answers[q["key"]] = counts
                percent[q["key"]] = q["percent_of_max"]
    return {
        "count": o["count"],
        "average_score": o["average_score"],
        "pass_rate": o["pass_rate"],
        "auto_fail_rate": o["auto_fail_rate"],
        "answers": answers,
        "percent_of_max": percent,
        "sections": sections,
    }
