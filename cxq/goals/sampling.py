"""The fair draw of a goal period (docs/goals.md#the-draw): pure functions over ids, no database."""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence


def fair_shares(eligible: dict[Hashable, int], total: int, rng: random.Random) -> dict[Hashable, int]:
    """Split ``total`` draws over agents with ``eligible[agent]`` interactions each, as evenly as their
    interactions allow (water filling):

    1. Order the agents by how many interactions they have, fewest first (ties in random order).
    2. Walk them: each takes ``min(what they have, remaining // agents left)``.

    An agent with fewer interactions than the even share gives them all and leaves the rest to the
    others; the shares of agents who still had interactions differ by at most one, so nobody is drawn
    more while another could have been. The sum is ``min(total, sum(eligible))``.
    """
    agents = list(eligible)
    rng.shuffle(agents)
    agents.sort(key=lambda a: eligible[a])
    shares: dict[Hashable, int] = {}
    remaining = total
    for left, agent in zip(range(len(agents), 0, -1), agents, strict=True):
        take = min(eligible[agent], remaining // left)
        shares[agent] = take
        remaining -= take
    return shares


def spread(
    tasks: Sequence[Hashable],
    evaluators: Sequence[Hashable],
    allowed: Callable[[Hashable, Hashable], bool],
    rng: random.Random,
    *,
    cap: int | None = None,
) -> dict[Hashable, Hashable]:
    """Give each task to the allowed evaluator with the fewest tasks so far (ties at random), at most
    ``cap`` each. Tasks nobody may take are left out. Evaluators' loads end within one of each other
    whenever every evaluator may take every task."""
    load = dict.fromkeys(evaluators, 0)
    order = list(tasks)
    rng.shuffle(order)
    given: dict[Hashable, Hashable] = {}
    for task in order:
        candidates = [e for e in evaluators if allowed(e, task) and (cap is None or load[e] < cap)]
        if not candidates:
            continue
        least = min(load[e] for e in candidates)
        chosen = rng.choice([e for e in candidates if load[e] == least])
        load[chosen] += 1
        given[task] = chosen
    return given
