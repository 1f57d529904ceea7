"""The draw in the database (docs/goals.md#the-draw): each agent's share picked by a seeded random key,
reproducible from the draw's random generator, uniform enough that every eligible interaction can be
drawn, and only the drawn rows read back."""

from __future__ import annotations

import random
from collections import Counter

from cxq.goals import services
from cxq.goals.models import GoalTask
from tests.goals.test_goals import NOW, agents, calls, card, goal_input  # noqa: F401 (fixtures)


def _settings(**changes) -> dict:
    values = {"condition": {"all": []}, "recent_days": 7, "target": 2, "target_per": "agent"}
    values.update(changes)
    return values


def test_the_same_generator_draws_the_same_interactions_and_another_draws_others(personas, agents):  # noqa: F811
    calls(agents[0], personas.team_a, 30)
    calls(agents[1], personas.team_a, 30)
    evaluators = [personas.evaluator]

    def picked(seed: int) -> list:
        return services._select(_settings(target=3), NOW, evaluators, random.Random(seed)).picked

    assert picked(11) == picked(11)
    assert len({frozenset(picked(seed)) for seed in range(8)}) > 1


def test_every_eligible_interaction_is_drawn_about_as_often(personas, agents):  # noqa: F811
    """Over 400 draws of 2 among 8, each interaction is drawn 100 times on average; a key that favoured
    some ids (e.g. the newest, or consecutive ids) would put some far off."""
    ids = {i.pk for i in calls(agents[0], personas.team_a, 8)}
    counts: Counter = Counter()
    for seed in range(400):
        draw = services._select(_settings(), NOW, [personas.evaluator], random.Random(seed))
        assert draw.eligible == {agents[0].pk: 8}
        counts.update(pk for pk, _agent in draw.picked)
    assert set(counts) == ids
    assert all(60 <= n <= 140 for n in counts.values()), counts


def test_a_per_evaluator_draw_keeps_each_agents_share_and_counts_everyone(personas, agents):  # noqa: F811
    calls(agents[0], personas.team_a, 9)
    calls(agents[1], personas.team_a, 2)
    calls(agents[2], personas.team_a, 6)
    draw = services._select(_settings(target=10, target_per="evaluator"), NOW, [personas.evaluator], random.Random(4))
    assert draw.eligible == {agents[0].pk: 9, agents[1].pk: 2, agents[2].pk: 6}
    assert sorted(Counter(agent for _pk, agent in draw.picked).values()) == [2, 4, 4]


def test_the_draw_reads_back_only_the_drawn_rows(personas, card, agents, django_assert_max_num_queries):  # noqa: F811
    """A draw runs a fixed number of queries whatever the eligible count (no per-row work)."""
    calls(agents[0], personas.team_a, 40)
    calls(agents[1], personas.team_a, 40)
    goal = services.goal_create(by=personas.supervisor_a, data=goal_input(card, [personas.evaluator], target=2))
    with django_assert_max_num_queries(25):
        period = services.period_generate(goal=goal, now=NOW, rng=random.Random(3))
    assert (period.eligible, period.drawn) == (80, 4)
    assert GoalTask.objects.filter(period=period).count() == 4


def test_a_per_evaluator_share_past_the_guessed_limit_is_still_drawn_in_full(personas, agents):  # noqa: F811
    """Two agents with one interaction each and one with twenty: the guess (12 ÷ 3 agents + 1 = 5) is
    below the third agent's share (10), so the ranking runs again with 10 as its limit."""
    calls(agents[0], personas.team_a, 1)
    calls(agents[1], personas.team_a, 1)
    many = {i.pk for i in calls(agents[2], personas.team_a, 20)}
    draw = services._select(_settings(target=12, target_per="evaluator"), NOW, [personas.evaluator], random.Random(6))
    assert draw.eligible == {agents[0].pk: 1, agents[1].pk: 1, agents[2].pk: 20}
    per_agent = Counter(agent for _pk, agent in draw.picked)
    assert per_agent == {agents[0].pk: 1, agents[1].pk: 1, agents[2].pk: 10}
    assert {pk for pk, agent in draw.picked if agent == agents[2].pk} <= many
