"""The demo's scorecards apply to their channels and teams, and every demo evaluation or task uses a scorecard
that applies to its interaction (docs/scoring.md#applicability); the demo scorecards carry score bands."""

from __future__ import annotations

import io

from django.core.management import call_command

from cxq.accounts.models import Team
from cxq.devdata.demo.evaluations import VOICE_CARD, _card_for, demo_cards
from cxq.evaluations.models import Assignment, Evaluation
from cxq.interactions.models import Interaction
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


def test_the_demo_picks_scorecards_for_many_interactions_without_a_query_each(published, django_assert_num_queries):
    blue, red = Team.objects.create(name="Blue"), Team.objects.create(name="Red")
    Scorecard.objects.filter(pk=published.pk).update(name=VOICE_CARD, channels=["voice"])
    published.teams.set([blue])
    calls = [
        Interaction(channel="voice", direction="inbound", team_id=blue.pk),
        Interaction(channel="voice", direction="inbound", team_id=red.pk),
        Interaction(channel="chat", direction="inbound", team_id=blue.pk),
    ] * 10
    cards = demo_cards()
    with django_assert_num_queries(0):
        picked = [_card_for(i, cards) for i in calls]
    assert [c and c.pk for c in picked[:3]] == [published.pk, None, None]
