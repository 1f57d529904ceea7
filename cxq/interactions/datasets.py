"""Adapters for conversation files that are not in CXQ's own shape.

The shared research datasets (``{"id", "channel", "turns": [{"speaker", "text", "turn_index"}]}``)
carry no timestamps. We derive them, and say so in the interaction's metadata
(``"timing": "derived"``): each turn takes a reading/typing time of 1.5 s plus 0.35 s per word,
turns follow each other with a 1 s gap. Speakers "action"/"system" become system utterances.
"""

from __future__ import annotations

from typing import Any

SECONDS_PER_WORD = 0.35
TURN_BASE_SECONDS = 1.5
GAP_SECONDS = 1.0
_SPEAKERS = {
    "agent": "agent",
    "customer": "customer",
    "user": "customer",
    "action": "system",
    "system": "system",
}


def is_turns_record(record: dict[str, Any]) -> bool:
    return isinstance(record, dict) and "turns" in record and "transcript" not in record


def _channel(raw: Any) -> str:
    # "chat (written self-dialog)" → "chat"
    return str(raw or "chat").strip().split()[0].lower() if str(raw or "").strip() else "chat"


def turns_to_interaction(record: dict[str, Any], *, started_at: str) -> dict[str, Any]:
    """A research-dataset record as an ingest payload, with derived timing (see module doc)."""
    transcript = []
    clock = 0.0
    turns = sorted(record.get("turns") or [], key=lambda t: t.get("turn_index", 0))
    for turn in turns:
        text = str(turn.get("text") or "").replace("\\r", "").replace("\r", "").strip()
        if not text:
            continue
        length = TURN_BASE_SECONDS + SECONDS_PER_WORD * len(text.split())
        speaker = _SPEAKERS.get(str(turn.get("speaker", "")).lower(), turn.get("speaker"))
        transcript.append({"speaker": speaker, "start": round(clock, 2), "end": round(clock + length, 2), "text": text})
        clock += length + GAP_SECONDS
    metadata = {k: record[k] for k in ("source", "license") if k in record}
    metadata["timing"] = "derived"
    return {
        "external_id": str(record.get("id")) if record.get("id") is not None else None,
        "channel": _channel(record.get("channel")),
        "started_at": started_at,
        "duration_seconds": int(round(clock)),
        "metadata": metadata,
        "transcript": transcript,
    }


_PREFIXES = {
    "agent": "agent",
    "a": "agent",
    "customer": "customer",
    "c": "customer",
    "caller": "customer",
    "client": "customer",
    "system": "system",
    "note": "system",
}


def parse_pasted_transcript(text: str) -> list[dict[str, Any]]:
    """A transcript pasted as lines ``Agent: …`` / ``Customer: …`` (a line without a known prefix
    continues the previous turn; a first line without one is the customer's). Timings are derived
    as for the datasets above."""
    turns: list[dict[str, Any]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        head, sep, rest = line.partition(":")
        speaker = _PREFIXES.get(head.strip().lower()) if sep else None
        if speaker:
            turns.append({"speaker": speaker, "text": rest.strip()})
        elif turns:
            turns[-1]["text"] = f"{turns[-1]['text']} {line}".strip()
        else:
            turns.append({"speaker": "customer", "text": line})
    transcript, clock = [], 0.0
    for turn in turns:
        if not turn["text"]:
            continue
        length = TURN_BASE_SECONDS + SECONDS_PER_WORD * len(turn["text"].split())
        transcript.append({**turn, "start": round(clock, 2), "end": round(clock + length, 2)})
        clock += length + GAP_SECONDS
    return transcript
