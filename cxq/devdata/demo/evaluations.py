"""Demo evaluations (idempotent): the demo evaluator and supervisor score some demo interactions,
agents acknowledge or dispute a few, and some tasks are open — so every evaluation page has content."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from cxq.accounts.models import User
from cxq.evaluations import services
from cxq.evaluations.models import Assignment, Evaluation
from cxq.interactions.models import Interaction
from cxq.scorecards.engine import compiled_for
from cxq.scorecards.models import Scorecard
from cxq.scorecards.selectors import applicable_scorecards


def _answers(card: Scorecard, rng: random.Random) -> dict:
    answers = {}
    for q in compiled_for(card.current_version.document).scorecard.questions():
        ranked = sorted(q.options, key=lambda o: o.points)  # better answers are more common
        answer = rng.choices([o.key for o in ranked], [1 + 3 * i for i in range(len(ranked))])[0]
        if q.type == "yes_no":
            answer = "yes" if rng.random() < 0.85 else "no"
        if q.allow_na and rng.random() < 0.1:
            answer = "na"
        answers[q.key] = answer
    return answers


def load_demo_evaluations(count: int = 24) -> int:
    if Evaluation.objects.exists():
        return 0
    evaluator = User.objects.filter(email="evaluator@cxq.test").first()
    supervisor = User.objects.filter(email="supervisor@cxq.test").first()
    card = Scorecard.objects.filter(name="Voice customer service", status="published").first()
    if not (evaluator and supervisor and card):
        return 0
    rng = random.Random(42)
    interactions = list(
        Interaction.objects.filter(agent__isnull=False, team__isnull=False)
        .select_related("agent")
        .order_by("-started_at")[: count + 4]
    )
    made = 0
    for i, interaction in enumerate(interactions[:count]):
        applicable = applicable_scorecards(interaction)  # docs/scoring.md#applicability
        if not applicable:
            continue
        scorecard = applicable[0]
        led_by_supervisor = supervisor.led_teams.filter(pk=interaction.team_id).exists()
        by = supervisor if i % 3 == 0 and led_by_supervisor else evaluator
        evaluation = services.evaluation_start(by=by, interaction=interaction, scorecard=scorecard)
        services.evaluation_save(
            by=by,
            evaluation=evaluation,
            answers=_answers(scorecard, rng),
            comment=rng.choice(
                ["", "Good ownership of the issue.", "Watch the hold etiquette.", "Clear explanation of next steps."]
            ),
        )
        if i % 6 == 5:
            made += 1
            continue  # leave a few drafts
        evaluation = services.evaluation_submit(by=by, evaluation=Evaluation.objects.get(pk=evaluation.pk))
        agent = interaction.agent
        if i % 4 == 0 and agent.has_usable_password():
            services.evaluation_acknowledge(by=agent, evaluation=evaluation)
        elif i % 7 == 1:
            question = next(iter(evaluation.answers))
            services.evaluation_dispute(
                by=agent, evaluation=evaluation, items=[(question, "I believe I did this; please listen again.")]
            )
        made += 1
    for interaction in interactions[count:]:
        # Straight to the table: the demo wants one task already overdue, a due date the service refuses.
        Assignment.objects.get_or_create(
            interaction=interaction,
            scorecard=(applicable_scorecards(interaction) or [card])[0],
            assignee=evaluator,
            assigned_by=supervisor,
            defaults={"due_at": timezone.now() + timedelta(days=rng.choice([-1, 2, 5]))},
        )
    return made
