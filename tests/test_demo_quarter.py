"""The demo looks like a real quarter (docs/demo.md): evaluations spread over the last 90 days, a
trend shape per agent, scorecards matched to channels, disputes in every state, tasks overdue."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cxq.accounts.models import User
from cxq.analytics.models import EvaluationFact
from cxq.devdata.demo.evaluations import (
    CHAT_CARD,
    DECLINING,
    IMPROVING,
    SALES_CARD,
    VOICE_CARD,
    scorecard_name_for,
    trend_of,
)
from cxq.evaluations.models import Assignment, Dispute, Evaluation
from cxq.goals.models import Goal, GoalPeriod, GoalTask
from cxq.goals.selectors import period_progress
from cxq.interactions.models import Interaction
from cxq.scorecards.models import Scorecard


def _counts():
    models = (User, Interaction, Evaluation, Dispute, Assignment, EvaluationFact, Goal, GoalPeriod, GoalTask)
    return tuple(m.objects.count() for m in models)


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
    # each agent's trend, month by month (30-day windows back from now): the improving agent's mean
    # rises every month, the declining one's falls, the steady ones stay within a few points. Scores as
    # first submitted: an adjusted dispute corrects one answer afterwards, which is not drift.
    emails = dict(User.objects.values_list("pk", "email"))
    months = defaultdict(lambda: defaultdict(list))
    for e in submitted.filter(revision=1):
        month = min(2, (now - e.completed_at).days // 30)
        months[emails[e.interaction.agent_id]][2 - month].append(float(e.score_percent))
    assert len(months) == 6
    means = {email: [sum(m[k]) / len(m[k]) for k in range(3)] for email, m in months.items()}
    for email, (first, second, third) in means.items():
        shape = (email, [round(x, 1) for x in (first, second, third)])
        if trend_of(email) == IMPROVING:
            assert first + 5 < second and second + 5 < third, shape
        elif trend_of(email) == DECLINING:
            assert first > second + 5 and second > third + 5, shape
        else:
            assert max(first, second, third) - min(first, second, third) < 5, shape
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
    # two weekly goals with four periods each: past weeks done but for one overdue task, this week half done
    assert sorted(Goal.objects.values_list("name", flat=True)) == ["Weekly chat sample", "Weekly inbound call check"]
    for goal in Goal.objects.all():
        periods = list(GoalPeriod.objects.filter(goal=goal).order_by("starts_at"))
        assert len(periods) == 4 and periods[-1].starts_at <= now < periods[-1].ends_at, goal.name
        progress = [period_progress(p, now=now) for p in periods]
        assert all(p.drawn for p in progress), goal.name
        assert any(p.overdue for p in progress[:-1]) and all(p.done for p in progress[:-1] if p.drawn > 1)
        if now - periods[-1].starts_at > timedelta(hours=12):  # not in the first hours of a week
            assert 0 < progress[-1].done < progress[-1].drawn, goal.name
    for task in GoalTask.objects.filter(assignment__status="done").select_related("assignment"):
        evaluation = Evaluation.objects.get(assignment=task.assignment)
        assert evaluation.interaction_id == task.assignment.interaction_id
        assert task.period.starts_at < evaluation.completed_at <= now
    # score bands on every demo scorecard
    for card in Scorecard.objects.filter(name__in=[VOICE_CARD, CHAT_CARD, SALES_CARD]):
        assert [b["label"] for b in card.bands] == ["Needs improvement", "Meets", "Exceeds"], card.name
    # idempotent: a second run adds nothing
    before = _counts()
    call_command("demo", stdout=io.StringIO())
    assert _counts() == before
