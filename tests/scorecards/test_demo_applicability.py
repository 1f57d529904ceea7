"""The demo's scorecards apply to their channels and teams, and every demo evaluation or task uses a scorecard
that applies to its interaction (docs/scoring.md#applicability); the demo scorecards carry score bands."""

from __future__ import annotations

import io

from django.core.management import call_command

from cxq.evaluations.models import Assignment, Evaluation
from cxq.scorecards.models import Scorecard
from cxq.scorecards.selectors import applicable_scorecards


def test_demo_evaluations_use_a_scorecard_that_applies(db):
    call_command("demo", stdout=io.StringIO())
    voice = Scorecard.objects.get(name="Voice customer service")
    chat = Scorecard.objects.get(name="Chat support")
    assert voice.channels == ["voice"] and chat.channels == ["chat", "email", "sms", "social"]
    assert [b["label"] for b in voice.bands] == ["Needs improvement", "Meets", "Exceeds"]
    evaluations = list(Evaluation.objects.exclude(source="calibration").select_related("interaction", "scorecard"))
    assert evaluations
    for evaluation in evaluations:
        assert evaluation.scorecard in applicable_scorecards(evaluation.interaction), evaluation
        if evaluation.interaction.channel != "voice":
            assert evaluation.scorecard != voice
    assert {e.interaction.channel for e in evaluations} >= {"voice", "chat"}
    for task in Assignment.objects.select_related("interaction", "scorecard"):
        assert task.scorecard in applicable_scorecards(task.interaction)
