"""Output 1: ``InteractionIn``-shaped dicts for the demo and the tests (they go through the services)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random
from typing import Any

from cxq.devdata.generator.conversations import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    LANGUAGE_WEIGHTS,
    LANGUAGES,
    QUEUE_CUM,
    QUEUES,
    conversation,
    personalise,
    pick,
    started_ts,
    survey,
    target_turns,
)
from cxq.devdata.generator.templates import FIRST_NAMES, LAST_NAMES


@dataclass(frozen=True)
class AgentSpec:
    """An agent to attribute interactions to; ``queues`` first is their home queue (most of their work)."""

    email: str
    name: str
    external_id: str | None = None
    queues: tuple[str, ...] = ()

    def ref(self) -> dict[str, str]:
        ref = {"email": self.email, "name": self.name}
        if self.external_id:
            ref["external_id"] = self.external_id
        return ref


def _queue_for(rng: Random, queues: Sequence[str]) -> str:
    if not queues:
        return rng.choices(QUEUES, cum_weights=QUEUE_CUM)[0]
    if len(queues) == 1 or rng.random() < 0.7:
        return queues[0]
    return pick(rng, queues[1:])


def payloads(
    n: int,
    agents: Sequence[AgentSpec],
    seed: int = 1,
    *,
    start: int = 0,
    now: datetime | None = None,
    days: int = 30,
    prefix: str = "gen",
) -> Iterator[dict[str, Any]]:
    """``n`` interactions as ``InteractionIn``-shaped, JSON-able dicts, external ids ``{prefix}-{seed}-{i}``.

    Item ``i`` depends only on ``(seed, i, now)``; ``now`` defaults to the current hour (so two calls in
    the same hour agree). Start times fall in the ``days`` before ``now``.
    """
    if not agents:
        raise ValueError("payloads() needs at least one agent")
    now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    now_ts = int(now.timestamp())
    for i in range(start, start + n):
        rng = Random((seed << 32) + i)
        agent = agents[rng.randrange(len(agents))]
        queue = _queue_for(rng, agent.queues)
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        language = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        conv = conversation(rng, channel=channel, queue=queue, language=language, target=target_turns(rng, channel))
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        full, agent_first = f"{first} {last}", agent.name.split()[0]
        started = started_ts(rng, now_ts, days, conv.duration)
        csat, nps, resolved = survey(rng, conv.resolved)
        metadata: dict[str, Any] = {"customer_name": full, "wrap_up_seconds": rng.randrange(5, 120)}
        if channel == "voice" and conv.direction == "inbound":
            metadata["ivr_path"] = ["main menu", queue.lower()]
        if conv.direction == "outbound":
            metadata["campaign"] = "Contract renewal" if queue == "Sales" else "Win-back"
        payload: dict[str, Any] = {
            "external_id": f"{prefix}-{seed}-{i}",
            "channel": channel,
            "direction": conv.direction,
            "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
            "duration_seconds": conv.duration,
            "agent": agent.ref(),
            "queue": queue,
            "disposition": conv.disposition,
            "customer_ref": f"C{rng.randrange(10**7):07d}",
            "csat": csat,
            "nps": nps,
            "resolved": resolved,
            "metadata": metadata,
            "holds": [list(h) for h in conv.holds],
            "transcript": [
                {
                    "speaker": speaker,
                    "speaker_name": agent.name if speaker == "agent" else full,
                    "start": s,
                    "end": e,
                    "text": personalise(text, agent_first, first, full),
                }
                for speaker, s, e, text in conv.utterances
            ],
        }
        reported = rng.random()
        if reported < 0.6:  # most sources report the language; some only in metadata; the rest is detected
            payload["language"] = conv.language
        elif reported < 0.75:
            metadata["language"] = conv.language
        if conv.disposition == "Escalated" and len(agents) > 1 and rng.random() < 0.5:
            other = pick(rng, [a for a in agents if a is not agent])
            payload["other_agents"] = [other.ref()]
        yield payload
