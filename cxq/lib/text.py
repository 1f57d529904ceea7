"""Single-line text: names that must stay on one line, and values bound for a mail header.

A control character (C0, DEL, C1) or a Unicode line/paragraph separator inside such a value either
breaks the header it lands in (Django refuses to send a subject with a line break) or lets the
value smuggle in a header of its own.
"""

from __future__ import annotations

import re

from cxq.lib.inputs import SINGLE_LINE_CONTROL

# A run of what a one-line field refuses (C0 and C1 controls, DEL, U+2028/2029, lone surrogates), with
# the blanks around it, becomes one space. Refusing such a value is cxq.lib.inputs.text_problem's job.
_CONTROL_RUN = re.compile(rf"\s*[{SINGLE_LINE_CONTROL}]+\s*")


def one_line(value: str, *, max_length: int) -> str:
    """``value`` with every run of control characters collapsed to one space, trimmed, and cut to
    ``max_length`` (ending with an ellipsis when cut)."""
    text = _CONTROL_RUN.sub(" ", value or "").strip()
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def count(n: int, word: str, plural: str = "") -> str:
    """ "1 answer", "3 answers": a number with its noun agreeing (never "answer(s)")."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"
