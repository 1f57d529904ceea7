"""Single-line text: names that must stay on one line, and values bound for a mail header.

A control character (C0, DEL, C1) or a Unicode line/paragraph separator inside such a value either
breaks the header it lands in (Django refuses to send a subject with a line break) or lets the
value smuggle in a header of its own.
"""

from __future__ import annotations

import re

# C0 controls (CR, LF, tab, NUL, …), DEL, C1 controls (NEL among them), U+2028 and U+2029.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL_CHAR = re.compile(f"[{_CONTROL}]")
# A run of control characters with the blanks around it becomes one space.
_CONTROL_RUN = re.compile(rf"\s*[{_CONTROL}]+\s*")


def has_control_characters(value: str) -> bool:
    return _CONTROL_CHAR.search(value or "") is not None


def one_line(value: str, *, max_length: int) -> str:
    """``value`` with every run of control characters collapsed to one space, trimmed, and cut to
    ``max_length`` (ending with an ellipsis when cut)."""
    text = _CONTROL_RUN.sub(" ", value or "").strip()
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text
