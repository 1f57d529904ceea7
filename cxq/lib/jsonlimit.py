"""Reading JSON that someone else wrote (files to import, uploaded documents) with a nesting limit.

Python's ``json`` parses nested arrays and objects by recursion: a file of 100,000 ``[`` raises
``RecursionError`` (not a ``JSONDecodeError``), and a value nested nearly as deep as the recursion
limit parses but breaks whatever walks it next (serialising it for the database, validating it).
No document or interaction CXQ reads is nested anywhere near ``MAX_DEPTH`` levels, so deeper input
is refused with a message that says so, like any other bad input.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

MAX_DEPTH = 64  # levels of arrays and objects; the outermost one is level 1


class TooDeep(ValueError):
    """The JSON is nested more than ``MAX_DEPTH`` levels deep."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        self.limit = limit
        super().__init__(f"nested too deeply (more than {limit} levels of arrays and objects)")


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` with a nesting limit: raises ``json.JSONDecodeError`` (with ``json``'s message)
    for text that is not JSON and ``TooDeep`` for JSON nested more than ``max_depth`` levels. Parsed
    by orjson (several times faster) where it can; what orjson refuses but JSON allows (integers beyond
    64 bits, NaN) is parsed by ``json``."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(data)
        except RecursionError:
            raise TooDeep(max_depth) from None
    brackets = data.count(b"[") + data.count(b"{") if isinstance(data, bytes) else data.count("[") + data.count("{")
    if brackets > max_depth:  # else it cannot be nested too deeply
        check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``TooDeep`` if ``value`` (parsed JSON) nests lists and dicts more than ``max_depth``
    levels. Level by level, without recursion, so a value of any depth is checked safely."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise TooDeep(max_depth)
        inner: list[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            inner += [item for item in items if isinstance(item, dict | list)]
        level = inner
