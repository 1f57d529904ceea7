"""Scripted, timed conversations built from the templates (see ``templates``), and the per-interaction
choices shared by the payload and benchmark outputs (start time, survey answers, names)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

from cxq.devdata.generator.templates import COMPANY, DATES, EN, PLANS, Outcome, Pack, Scenario
from cxq.devdata.generator.translations import PACKS

QUEUES = ("Billing", "Technical support", "Sales", "Retention", "General")
QUEUE_WEIGHTS = (30, 35, 12, 8, 15)
CHANNELS = ("voice", "chat", "email", "sms")
CHANNEL_WEIGHTS = (55, 25, 12, 8)
LANGUAGES = ("en", "es", "nl", "de")
LANGUAGE_WEIGHTS = (82, 7, 6, 5)

# Stand-ins for names, replaced per interaction (the bench pool shares one script across many rows).
AGENT, CUSTOMER, CUSTOMER_FULL = "\x01a\x01", "\x01c\x01", "\x01f\x01"


@dataclass
class Conversation:
    """One scripted, timed conversation. Texts hold the name stand-ins (``AGENT``, ``CUSTOMER``…)."""

    channel: str
    direction: str
    language: str
    queue: str
    topics: tuple[str, ...]
    disposition: str
    resolved: bool | None
    utterances: list[tuple[str, float, float, str]]  # speaker, start, end, text
    holds: list[tuple[float, float]] = field(default_factory=list)
    duration: int = 0


def pick(rng: Random, options: Sequence[Any]) -> Any:
    return options[int(rng.random() * len(options))]


def _weighted(rng: Random, options: Sequence[Any], weights: Sequence[int]) -> Any:
    return rng.choices(options, weights)[0]


def _values(rng: Random) -> dict[str, str]:
    amount = rng.randrange(1900, 14900) / 100
    return {
        "company": COMPANY,
        "agent": AGENT,
        "customer": CUSTOMER,
        "customer_full": CUSTOMER_FULL,
        "amount": f"€{amount:.2f}",
        "credit": f"€{rng.randrange(5, 30)}",
        "last4": f"{rng.randrange(10000):04d}",
        "day": f"{rng.randrange(1, 28)}th",
        "date": pick(rng, DATES),
        "plan": pick(rng, PLANS),
        "postcode": f"{rng.randrange(1000, 9999)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}",
        "dob": f"{rng.randrange(1, 28):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1950, 2004)}",
        "email": f"customer{rng.randrange(1000, 99999)}@example.net",
    }


def _with_filler(rng: Random, text: str, fillers: Sequence[str]) -> str:
    filler = pick(rng, fillers)
    head, sep, tail = text.partition(", ")
    if sep and len(head) < 20:  # "Hi, um, I've been…"
        return f"{head}, {filler}, {tail}"
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd", "I'll") or text.startswith("\x01"):
        return f"{filler.capitalize()}, {text}"
    return f"{filler.capitalize()}, {text[:1].lower()}{text[1:]}"


def _script(
    rng: Random,
    pack: Pack,
    scenario: Scenario,
    channel: str,
    outbound: bool,
    target: int,
    values: dict[str, str],
) -> tuple[list[tuple[str, str, str]], Outcome]:
    """The turns ``(speaker, text, cue)`` of a call or chat, exactly ``target`` long (at least 1).

    1. The core: greeting (or outbound opening), problem statement, resolution, goodbye.
    2. Optional parts in priority order while they fit: reaction, "anything else?", identity check,
       recording disclosure, complaint + empathy, hold; then troubleshooting exchanges fill the rest.
    3. Laid out in conversation order; the ``cue`` marks where a hold or a long silence happens.
    """
    outcome = _weighted(rng, scenario.outcomes, [o.weight for o in scenario.outcomes])
    voice = channel == "voice"
    chat = not voice
    if outbound:
        opening = [
            ("agent", pick(rng, pack.greeting_outbound), ""),
            ("customer", pick(rng, pack.answer_outbound), ""),
            ("agent", pick(rng, scenario.pitch), ""),
        ]
    else:
        opening = [
            ("agent", pick(rng, pack.greeting_chat if chat else pack.greeting), ""),
            ("customer", pick(rng, scenario.problem), ""),
        ]
    resolution = [("agent", pick(rng, outcome.agent), "")]
    goodbye = [("agent", pick(rng, pack.goodbye_chat if chat else pack.goodbye), "")]
    core = opening + resolution + goodbye
    if target <= len(core):
        turns = (opening + resolution + goodbye)[: max(1, target)]
        return [(s, t.format_map(values), c) for s, t, c in turns], outcome
    room = target - len(core)
    extras: dict[str, list[tuple[str, str, str]]] = {}
    ident = pick(rng, pack.identity)
    candidates = [
        ("reaction", [("customer", pick(rng, outcome.customer), "")], True),
        (
            "anything",
            [("agent", pick(rng, pack.anything_else), ""), ("customer", pick(rng, pack.no_thanks), "")],
            True,
        ),
        (
            "identity",
            [("agent", ident[0], ""), ("customer", ident[1], ""), ("agent", ident[2], "")],
            rng.random() < 0.85,
        ),
        ("disclosure", [("agent", pick(rng, pack.disclosure), "")], voice and rng.random() < 0.7),
        (
            "complaint",
            [("customer", pick(rng, pack.complaint), ""), ("agent", pick(rng, pack.empathy), "")],
            rng.random() < 0.18 or outcome.disposition == "Escalated",
        ),
        (
            "hold",
            [("agent", pack.hold[0], ""), ("customer", pack.hold[1], "hold"), ("agent", pack.hold[2], "")],
            voice and rng.random() < 0.25,
        ),
    ]
    for name, turns, wanted in candidates:
        if wanted and len(turns) <= room:
            extras[name] = turns
            room -= len(turns)
    steps: list[tuple[str, str, str]] = []
    pool = list(scenario.steps) + rng.sample(pack.generic, len(pack.generic))
    i = 0
    while room > 0:
        quiet = not steps or steps[-1][2] != "silence"
        if room == 1 or (quiet and rng.random() < 0.08):  # the agent goes quiet while looking something up
            steps.append(("agent", pick(rng, pack.checking), "silence"))
            room -= 1
            continue
        agent_line, customer_line = pool[i % len(pool)]
        steps += [("agent", agent_line, ""), ("customer", customer_line, "")]
        room -= 2
        i += 1
    half = (len(steps) + 1) // 2
    turns = opening[:1] + extras.get("disclosure", []) + opening[1:] + extras.get("complaint", [])
    turns += extras.get("identity", []) + steps[:half] + extras.get("hold", []) + steps[half:]
    turns += resolution + extras.get("reaction", []) + extras.get("anything", []) + goodbye
    return [(s, t.format_map(values), c) for s, t, c in turns], outcome


def _script_email(
    rng: Random, pack: Pack, scenario: Scenario, target: int, values: dict[str, str]
) -> tuple[list[tuple[str, str, str]], Outcome]:
    """An email thread: the customer's message, the agent's answer, then short follow-ups."""
    outcome = _weighted(rng, scenario.outcomes, [o.weight for o in scenario.outcomes])
    c_open, c_close, a_open, a_close = pack.email
    complaint = f" {pick(rng, pack.complaint)}" if rng.random() < 0.2 else ""
    turns = [
        ("customer", f"{c_open}\n\n{pick(rng, scenario.problem)}{complaint}\n\n{c_close}", ""),
        ("agent", f"{a_open}\n\n{pick(rng, outcome.agent)}\n\n{a_close}", ""),
    ]
    follow_ups = [("customer", pick(rng, outcome.customer), ""), ("agent", pick(rng, pack.goodbye_chat), "")]
    for agent_line, customer_line in scenario.steps:
        follow_ups += [
            ("customer", customer_line, ""),
            ("agent", f"{a_open}\n\n{agent_line}\n\n{a_close}", ""),
        ]
    turns = (turns + follow_ups)[: max(1, target)]
    return [(s, t.format_map(values), c) for s, t, c in turns], outcome


def _time_voice(rng: Random, turns, fillers: Sequence[str]) -> tuple[list[tuple[str, float, float, str]], list]:
    """Speech timings: words ÷ speaking rate, short gaps, some crosstalk (the other side starts before
    this one finishes), long silences after "let me check" and holds. Same-side turns never overlap
    and starts never go back in time (the rules ``InteractionIn`` enforces)."""
    rates = {"agent": rng.uniform(2.4, 3.2), "customer": rng.uniform(2.0, 3.0)}
    filler_odds = {"agent": 0.07, "customer": 0.3}
    out: list[tuple[str, float, float, str]] = []
    holds: list[tuple[float, float]] = []
    last_end = {"agent": 0.0, "customer": 0.0}
    prev_start = prev_end = 0.0
    prev_speaker = prev_cue = ""
    for speaker, text, cue in turns:
        if rng.random() < filler_odds[speaker]:
            text = _with_filler(rng, text, fillers)
        length = len(text.split()) / rates[speaker] + rng.uniform(0.2, 0.8)
        if prev_cue == "silence":
            start = prev_end + rng.uniform(4.0, 12.0)
        elif out and not prev_cue and speaker != prev_speaker and prev_end - prev_start > 2.0 and rng.random() < 0.1:
            start = prev_end - rng.uniform(0.6, 1.6)  # crosstalk: they talk over the end of the last turn
        else:
            start = prev_end + (rng.uniform(0.2, 1.2) if out else rng.uniform(0.5, 3.0))
        start = round(max(start, prev_start + 0.1, last_end[speaker] + 0.05), 2)
        end = round(start + length, 2)
        out.append((speaker, start, end, text))
        last_end[speaker] = end
        if cue == "hold":
            hold_start = round(end + 0.5, 2)
            holds.append((hold_start, round(hold_start + rng.uniform(25, 150), 1)))
            end = holds[-1][1]
        prev_start, prev_end, prev_speaker, prev_cue = start, end, speaker, cue
    return out, holds


GAPS = {"chat": ((8, 60), (5, 45)), "sms": ((30, 900), (20, 600)), "email": ((3600, 72000), (1800, 86400))}


def _time_text(rng: Random, turns, channel: str) -> list[tuple[str, float, float, str]]:
    """Written channels: each message is an instant (start = end) after a reply delay."""
    agent_gap, customer_gap = GAPS[channel]
    out = []
    t = 0.0
    for i, (speaker, text, _cue) in enumerate(turns):
        if i:
            low, high = agent_gap if speaker == "agent" else customer_gap
            t = round(t + rng.uniform(low, high) * (4 if rng.random() < 0.05 else 1), 1)
        out.append((speaker, t, t, text))
    return out


def _direction(rng: Random, channel: str, queue: str) -> str:
    if channel not in ("voice", "sms"):
        return "inbound"
    odds = {"Sales": 0.6, "Retention": 0.3}.get(queue, 0.0)
    return "outbound" if rng.random() < odds else "inbound"


def conversation(rng: Random, *, channel: str, queue: str, language: str, target: int) -> Conversation:
    """One conversation in ``queue``; ``language`` falls back to English where no script exists."""
    pack = PACKS.get(language, EN)
    scenarios = [s for s in pack.scenarios if s.queue == queue]
    if not scenarios:
        language, pack = "en", EN
        scenarios = [s for s in EN.scenarios if s.queue == queue] or list(EN.scenarios)
    direction = _direction(rng, channel, queue)
    if direction == "outbound":
        scenarios = [s for s in scenarios if s.pitch] or scenarios
    scenario = pick(rng, scenarios)
    if direction == "outbound" and not scenario.pitch:
        direction = "inbound"
    values = _values(rng)
    holds: list[tuple[float, float]] = []
    if direction == "outbound" and channel == "voice" and rng.random() < 0.12:
        utterances = [("agent", 0.5, round(0.5 + rng.uniform(9, 14), 2), pack.voicemail.format_map(values))]
        return Conversation(
            channel,
            direction,
            language,
            queue,
            (),
            "No answer",
            None,
            utterances,
            [],
            int(utterances[0][2]) + 2,
        )
    if channel == "email":
        turns, outcome = _script_email(rng, pack, scenario, min(target, 6), values)
    else:
        turns, outcome = _script(rng, pack, scenario, channel, direction == "outbound", target, values)
    if channel == "voice":
        utterances, holds = _time_voice(rng, turns, pack.fillers)
    else:
        utterances = _time_text(rng, turns, channel)
    last = max([u[2] for u in utterances] + [h[1] for h in holds])
    duration = int(last + (rng.uniform(1, 4) if channel == "voice" else rng.uniform(20, 120)))
    return Conversation(
        channel,
        direction,
        language,
        queue,
        scenario.topics,
        outcome.disposition,
        outcome.resolved,
        utterances,
        holds,
        duration,
    )


# --- Shared per-interaction choices ---------------------------------------------------------------

HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 10, 18, 22, 22, 20, 18, 20, 20, 18, 16, 14, 10, 8, 6, 4, 2, 1)
_HOUR_CUM = [sum(HOUR_WEIGHTS[: i + 1]) for i in range(24)]
QUEUE_CUM = [sum(QUEUE_WEIGHTS[: i + 1]) for i in range(len(QUEUES))]


def started_ts(rng: Random, now_ts: int, days: int, duration: int) -> int:
    """A start time in the last ``days`` days, mostly in office hours, over before ``now_ts``."""
    midnight = now_ts - now_ts % 86400
    hour = rng.choices(range(24), cum_weights=_HOUR_CUM)[0]
    ts = midnight - rng.randrange(max(1, days)) * 86400 + hour * 3600 + rng.randrange(3600)
    while ts + duration > now_ts:
        ts -= 86400
    return ts


def survey(rng: Random, resolved: bool | None) -> tuple[int | None, int | None, bool | None]:
    """CSAT, NPS and the resolved flag — each only sometimes reported, better when resolved."""
    happy = resolved is not False
    csat = (
        rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 5, 8) if happy else (5, 4, 3, 1, 1))[0] if rng.random() < 0.35 else None
    )
    nps = min(10, max(0, int(rng.gauss(8.5 if happy else 4, 2)))) if rng.random() < 0.2 else None
    return csat, nps, (resolved if rng.random() < 0.6 else None)


def target_turns(rng: Random, channel: str) -> int:
    low, high = {"voice": (8, 30), "chat": (6, 24), "sms": (4, 10), "email": (2, 5)}[channel]
    return rng.randint(low, high)


def personalise(text: str, agent_first: str, customer_first: str, customer_full: str) -> str:
    if "\x01" not in text:
        return text
    return text.replace(AGENT, agent_first).replace(CUSTOMER_FULL, customer_full).replace(CUSTOMER, customer_first)
