"""Questions answered from indicators (docs/scoring.md#questions-answered-from-indicators).

A scorecard version may link some of its questions to an indicator: "mentioned → option X, absent →
option Y", optionally only when a given side said it. The links are not part of the scorecard document
(its shape is fixed and it round-trips through CSV and JSON as it is): they are kept beside the
document, on the version, as ``{question key: {"indicator", "side", "mentioned", "absent"}}``.

Indicators live in the interactions app, above this one; which indicators exist is asked through
``indicator_lookup``, plugged in by cxq/wiring.py.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.core.exceptions import ValidationError

SIDES = ("any", "agent", "customer")
FIELDS = {"indicator", "side", "mentioned", "absent"}

# uuid (as text) → (name, side) of every indicator, active or not; set by cxq/wiring.py.
indicator_lookup: Callable[[], dict[str, tuple[str, str]]] | None = None


def indicators() -> dict[str, tuple[str, str]]:
    if indicator_lookup is None:
        raise RuntimeError("No indicator lookup is wired (cxq/wiring.py)")
    return indicator_lookup()


def _options(question: dict) -> list[str]:
    return [str(o["key"]) for o in question["options"]]


def clean_links(raw: object, document: dict, *, known: dict[str, tuple[str, str]] | None = None) -> dict:
    """Validated links for a canonical ``document``; a ValidationError names the bad part
    (``indicator_links.greet.mentioned``). ``known`` defaults to the indicators that exist now."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"indicator_links": "Give the links as an object of question key → link."})
    questions = {q["key"]: q for s in document["sections"] for q in s["questions"]}
    known = indicators() if known is None else known
    clean = {}
    for key, link in raw.items():
        path = f"indicator_links.{key}"
        if key not in questions:
            raise ValidationError({path: f"No question has the key {key!r}."})
        if not isinstance(link, dict):
            raise ValidationError({path: "Give the link as an object with indicator, side, mentioned and absent."})
        unknown = set(link) - FIELDS
        if unknown:
            raise ValidationError({path: f"Unknown field {sorted(unknown)[0]!r}."})
        indicator = str(link.get("indicator") or "")
        try:
            indicator = str(UUID(indicator))
        except ValueError:
            raise ValidationError({f"{path}.indicator": "Choose an indicator."}) from None
        if indicator not in known:
            raise ValidationError({f"{path}.indicator": "No such indicator."})
        side = link.get("side") or "any"
        if side not in SIDES:
            raise ValidationError({f"{path}.side": f"Choose one of {', '.join(SIDES)}."})
        options = _options(questions[key])
        answers = {}
        for which in ("mentioned", "absent"):
            value = link.get(which)
            value = None if value in (None, "") else str(value)
            if value is not None and value not in options:
                raise ValidationError({f"{path}.{which}": f"{value!r} is not an answer of this question."})
            answers[which] = value
        if answers["mentioned"] is None and answers["absent"] is None:
            raise ValidationError({path: "Choose the answer when the indicator is mentioned, absent, or both."})
        clean[key] = {"indicator": indicator, "side": side, **answers}
    return clean


def carried_over(links: dict, document: dict) -> dict:
    """The links that still fit a new version of the document (the question, its options and the
    indicator still exist); the others are dropped."""
    if not links:
        return {}
    questions = {q["key"]: q for s in document["sections"] for q in s["questions"]}
    known = indicators()
    kept = {}
    for key, link in links.items():
        question = questions.get(key)
        if question is None or link.get("indicator") not in known:
            continue
        options = _options(question)
        if all(link.get(w) is None or link[w] in options for w in ("mentioned", "absent")):
            kept[key] = link
    return kept
