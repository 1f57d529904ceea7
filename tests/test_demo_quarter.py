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
    scores = defaultdict(list)
    for agent_id, score in EvaluationFact.objects.order_by("day", "evaluation_id").values_list("agent_id", "score"):
        scores[emails[agent_id]].append(score)
    assert len(scores) == 6
    shapes = {}
    for email, series in scores.items():
        third = len(series) // 3
        change = sum(series[-third:]) / third - sum(series[:third]) / third
        shape = IMPROVING if change >= 12 else DECLINING if change <= -12 else "steady"
        shapes[email] = shape
        assert shape == trend_of(email), (email, round(change, 1))
    assert sorted(shapes.values()).count("steady") == 4
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
