"""Synthetic contact-centre interactions for the demo, the tests and the benchmarks.

Conversations are assembled from templates (``templates``: greeting, recording disclosure, problem
statement, identity check, troubleshooting, resolution, closing; sometimes a complaint, a hold, a long
silence, crosstalk, filler words) in English, and for a few scenarios in Spanish, Dutch and German, then
timed (``conversations``). Every item is a pure function of ``(seed, n)``: the same seed gives the same
interactions whatever the batch size.

Two outputs:

- :func:`payloads` yields ``InteractionIn``-shaped dicts that go through the normal ingest services.
- :class:`BenchFactory` yields raw row tuples for ``cxq seed-bench``: it builds a pool of conversations
  once and varies agent, customer, start time, survey answers and ids per row.
"""

from cxq.devdata.generator.bench import INTERACTION_COLUMNS, BenchAgent, BenchFactory
from cxq.devdata.generator.conversations import CHANNELS, LANGUAGES, QUEUES, Conversation, conversation
from cxq.devdata.generator.payloads import AgentSpec, payloads

__all__ = [
    "CHANNELS",
    "INTERACTION_COLUMNS",
    "LANGUAGES",
    "QUEUES",
    "AgentSpec",
    "BenchAgent",
    "BenchFactory",
    "Conversation",
    "conversation",
    "payloads",
]
