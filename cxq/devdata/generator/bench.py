"""Output 2: raw row tuples for ``cxq seed-bench`` (no ORM objects, no validation)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random

from cxq.devdata.generator.conversations import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    LANGUAGE_WEIGHTS,
    LANGUAGES,
    QUEUE_CUM,
    QUEUES,
    Conversation,
    conversation,
    personalise,
    started_ts,
    survey,
)
from cxq.devdata.generator.templates import FIRST_NAMES, LAST_NAMES

INTERACTION_COLUMNS = (
    "id",
    "uuid",
    "created_at",
    "updated_at",
    "external_id",
    "channel",
    "direction",
    "started_at",
    "ended_at",
    "duration_seconds",
    "agent_id",
    "team_id",
    "queue",
    "disposition",
    "language",
    "customer_ref",
    "csat",
    "nps",
    "resolved",
    "topics",
    "metadata",
    "metrics",
    "notes",
    "source",
    "transcript",
    "transcript_text",
    "utterance_count",
    "enrichment_status",
    "enriched_at",
    "created_by_id",
)


@dataclass(frozen=True)
class BenchAgent:
    id: int
    team_id: int | None
    name: str
    queue: str  # the agent's home queue


@dataclass
class _Pooled:
    conv: Conversation
    utterances: list[tuple[int, str, float, float, str]]
    text: str
    topics: str
    metrics: str
    holds: str


def _metrics_json(conv: Conversation) -> str:
    """The metrics enrichment would compute, from the enrichment engine when it is installed."""
    try:
        from cxq.enrichment import Thresholds, Utterance, compute_metrics
    except ImportError:  # a minimal stand-in keeps the benchmark usable without the engine
        talk = {"agent": 0.0, "customer": 0.0}
        for speaker, s, e, _ in conv.utterances:
            talk[speaker] += e - s
        return json.dumps(
            {
                "duration": conv.duration,
                "agent_talk_seconds": round(talk["agent"], 3),
                "customer_talk_seconds": round(talk["customer"], 3),
            }
        )
    spec = [Utterance(index=i, speaker=sp, start=s, end=e, text=t) for i, (sp, s, e, t) in enumerate(conv.utterances)]
    return json.dumps(compute_metrics(spec, Thresholds(), conv.holds).as_dict())


class BenchFactory:
    """Raw rows for ``cxq seed-bench``: a pool of scripted conversations is built once (per queue),
    then each row picks one and varies agent, customer, start time, survey answers and ids.

    ``utterances`` is the average transcript length; ``ts_suffix`` is appended to timestamps
    ("" for SQLite, which stores naive UTC text; "+00:00" for PostgreSQL).
    """

    def __init__(
        self,
        *,
        seed: int,
        agents: Sequence[BenchAgent],
        utterances: int = 12,
        days: int = 365,
        enriched: bool = True,
        now: datetime | None = None,
        ts_suffix: str = "",
        pool_per_queue: int = 400,
    ):
        if not agents:
            raise ValueError("BenchFactory needs at least one agent")
        self.seed, self.agents, self.days, self.enriched, self.ts_suffix = (
            seed,
            list(agents),
            days,
            enriched,
            ts_suffix,
        )
        self.now_ts = int((now or datetime.now(UTC)).timestamp())
        self.now_text = self.ts(self.now_ts)
        self.pool = {queue: [self._pooled(queue, k, utterances) for k in range(pool_per_queue)] for queue in QUEUES}

    def ts(self, value: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value)) + self.ts_suffix

    def _pooled(self, queue: str, k: int, utterances: int) -> _Pooled:
        rng = Random(f"bench-pool:{self.seed}:{queue}:{k}")
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        language = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        spread = max(1, utterances // 4)
        conv = conversation(
            rng,
            channel=channel,
            queue=queue,
            language=language,
            target=max(1, utterances + rng.randint(-spread, spread)),
        )
        rows = [(i, speaker, s, e, text) for i, (speaker, s, e, text) in enumerate(conv.utterances)]
        return _Pooled(
            conv,
            rows,
            "\n".join(u[3] for u in conv.utterances),
            json.dumps(list(conv.topics)),
            _metrics_json(conv),
            json.dumps([list(h) for h in conv.holds]) if conv.holds else "",
        )

    def row(self, n: int, iid: int) -> tuple:
        """Interaction ``n`` of this seed, stored as id ``iid``: its row, transcript included."""
        rng = Random((self.seed << 32) + n)
        agent = self.agents[int(rng.random() * len(self.agents))]
        queue = agent.queue if rng.random() < 0.8 else rng.choices(QUEUES, cum_weights=QUEUE_CUM)[0]
        pool = self.pool[queue]
        item = pool[int(rng.random() * len(pool))]
        conv = item.conv
        first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
        full = f"{first} {LAST_NAMES[int(rng.random() * len(LAST_NAMES))]}"
        agent_first = agent.name.split(" ", 1)[0]
        started = started_ts(rng, self.now_ts, self.days, conv.duration)
        csat, nps, resolved = survey(rng, conv.resolved)
        names = {"agent": agent.name, "customer": full, "system": ""}
        utterances = [
            [speaker, s, e, personalise(text, agent_first, first, full), names[speaker]]
            for _, speaker, s, e, text in item.utterances
        ]
        metadata = f'{{"customer_name": {json.dumps(full)}' + (f', "holds": {item.holds}}}' if item.holds else "}")
        done = self.enriched
        row = (
            iid,
            uuid.UUID(int=rng.getrandbits(128), version=4).hex,
            self.now_text,
            self.now_text,
            f"bench-{self.seed}-{n}",
            conv.channel,
            conv.direction,
            self.ts(started),
            self.ts(started + conv.duration),
            conv.duration,
            agent.id,
            agent.team_id,
            queue,
            conv.disposition,
            conv.language,
            f"C{rng.randrange(10**7):07d}",
            csat,
            nps,
            resolved,
            item.topics if done else "[]",
            metadata,
            item.metrics if done else "{}",
            "",
            "bench",
            json.dumps(utterances),
            personalise(item.text, agent_first, first, full),
            len(utterances),
            "done" if done else "pending",
            self.ts(started + conv.duration + 60) if done else None,
            None,
        )
        return row
