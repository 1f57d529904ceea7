"""The demo looks like a real quarter (docs/demo.md): evaluations spread over the last 90 days, a
trend shape per agent, scorecards matched to channels, disputes in every state, tasks overdue."""

from __future__ import annotations

import io
from collections import defaultdict

from django.core.management import call_command
from django.utils import timezone

from cxq.accounts.models import User
from cxq.analytics.models import EvaluationFact
from cxq.devdata.demo.evaluations import DECLINING, IMPROVING, scorecard_name_for, trend_of
from cxq.evaluations.models import Assignment, Dispute, Evaluation
from cxq.interactions.models import Interaction


def _counts():
    return tuple(m.objects.count() for m in (User, Interaction, Evaluation, Dispute, Assignment, EvaluationFact))


def test_the_demo_is_a_quarter_with_shapes_disputes_and_tasks_and_loads_once(db):
    call_command("demo", stdout=io.StringIO())
    now = timezone.now()
    manual = Evaluation.objects.exclude(source="calibration").select_related("interaction", "scorecard")
    submitted = manual.exclude(status="draft")
    # spread over the quarter, each completed after its conversation and never in the future
    assert EvaluationFact.objects.values("week").distinct().count() >= 8
    assert EvaluationFact.objects.count() == submitted.count()  # the facts match the evaluations
    for e in submitted:
        assert e.interaction.started_at < e.created_at < e.completed_at <= now
        assert (now - e.completed_at).days <= 92
        if e.acknowledged_at:
            assert e.completed_at < e.acknowledged_at <= now
    # a scorecard is only used for the channel it is meant for
    for e in manual:
        assert e.scorecard.name == scorecard_name_for(e.interaction), (e.interaction.channel, e.scorecard.name)
    assert not manual.filter(interaction__channel="chat", scorecard__name__startswith="Voice").exists()
    # each agent's trend: first third of the quarter against the last third
    emails = dict(User.objects.values_list("pk", "email"))
    by_card = defaultdict(list)
    facts = EvaluationFact.objects.order_by("day", "evaluation_id")
    for agent_id, card_id, score in facts.values_list("agent_id", "scorecard_id", "score"):
        by_card[(emails[agent_id], card_id)].append(score)
    # an agent's shape on the scorecard they are evaluated with most (scorecards differ in difficulty)
    scores = {}
    for (email, _), series in sorted(by_card.items(), key=lambda kv: len(kv[1])):
        scores[email] = series
    assert len(scores) == 6
    shapes = {}
    for email, series in scores.items():
        third = len(series) // 3
        change = sum(series[-third:]) / third - sum(series[:third]) / third
        shapes[email] = change
    # the direction only: the demo's conversations are placed relative to the hour it runs, and a dozen
    # evaluations per scorecard are a noisy sample (seen: +12 improving, -9 declining, steady within ±11)
    for email, change in shapes.items():
        if trend_of(email) == IMPROVING:
            assert change > 0, (email, round(change, 1))
        elif trend_of(email) == DECLINING:
            assert change < 0, (email, round(change, 1))
    # disputes in every state; some evaluations wait for acknowledgement with a deadline ahead
    disputes = Dispute.objects.prefetch_related("items")
    states = {"open" if d.resolved_at is None else d.items.get().response for d in disputes}
    assert states == {"open", "adjust", "reaffirm"}
    assert Evaluation.objects.filter(status="disputed").count() == disputes.filter(resolved_at__isnull=True).count()
    awaiting = Evaluation.objects.filter(status="awaiting_ack")
    assert awaiting.exists() and not awaiting.filter(ack_due_at__lte=now).exists()
    assert Evaluation.objects.filter(revision__gt=1).exists()  # an adjusted dispute made a new revision
    assert Assignment.objects.filter(due_at__lt=now, status="open").exists()
    assert Assignment.objects.filter(due_at__gt=now, status="open").exists()
    # idempotent: a second run adds nothing
    before = _counts()
    call_command("demo", stdout=io.StringIO())
    assert _counts() == before
