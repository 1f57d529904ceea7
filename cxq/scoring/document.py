"""The scorecard document (docs/scoring.md#the-scorecard-document): parse and validate a JSON-like dict into frozen
dataclasses,
and write it back in canonical form (every default filled in).

Every validation error names the key path it concerns by position, e.g.
``sections[0].questions[2].options[1].points`` (the CSV import maps these back to rows and columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

SCORING_MODES = ("percentage", "points")
QUESTION_TYPES = ("yes_no", "single_choice", "rating_scale")
AUTO_FAIL_VALUES = ("none", "section", "evaluation")
NA = "na"
# Author keys, or (for rating-scale options) integers, negative ones included.
KEY_RE = re.compile(r"^(?:-?[0-9]{1,9}|[A-Za-z0-9][A-Za-z0-9_.\-]{0,63})\Z")
MAX_NUMBER = 1_000_000
MAX_SCALE_SPAN = 100
# Score bands (docs/scoring.md#score-bands): a fixed palette, so colours need no inline style and each one
# has a text colour chosen for contrast (app.css ``.band-<colour>``).
BAND_COLOURS = ("grey", "red", "orange", "yellow", "green", "teal", "blue", "purple")
MAX_BANDS = 10


class ScorecardError(ValueError):
    """An invalid scorecard document. ``path`` names the offending key."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    points: Fraction
    auto_fail: str = "none"


@dataclass(frozen=True)
class ShowIf:
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    options: tuple[Option, ...]
    description: str = ""
    required: bool = False
    allow_na: bool = False
    default: str | None = None  # an option key (rating scales: the integer as a string) or "na"
    scale_min: int | None = None
    scale_max: int | None = None
    show_if: ShowIf | None = None

    @property
    def max_points(self) -> Fraction:
        return max((o.points for o in self.options), default=Fraction(0))

    def option(self, key: str) -> Option | None:
        for opt in self.options:
            if opt.key == key:
                return opt
        return None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    weight: Fraction = Fraction(1)


@dataclass(frozen=True)
class Band:
    """A named score range (docs/scoring.md#score-bands): from ``start`` (inclusive) up to the next band's start."""

    key: str
    label: str
    start: Fraction
    colour: str = "grey"


@dataclass(frozen=True)
class Scorecard:
    name: str
    scoring_mode: str
    pass_mark: Fraction
    sections: tuple[Section, ...]
    description: str = ""
    bands: tuple[Band, ...] = ()

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, key: str) -> Question | None:
        for q in self.questions():
            if q.key == key:
                return q
        return None

    def to_document(self) -> dict[str, Any]:
        """The canonical docs/scoring.md#the-scorecard-document document: every field present, numbers as int where
        integral."""
        doc: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "scoring_mode": self.scoring_mode,
            "pass_mark": number_out(self.pass_mark),
        }
        if self.bands:  # optional: a document without bands stays as it always was
            doc["bands"] = [
                {"key": b.key, "label": b.label, "from": number_out(b.start), "colour": b.colour} for b in self.bands
            ]
        doc["sections"] = [_section_out(s) for s in self.sections]
        return doc


# --- Writing --------------------------------------------------------------------------------------


def number_out(value: Fraction) -> int | float:
    """An exact decimal as a JSON number: int when integral, else the shortest float."""
    if value.denominator == 1:
        return int(value)
    return float(Decimal(value.numerator) / Decimal(value.denominator))


def _section_out(s: Section) -> dict[str, Any]:
    return {
        "key": s.key,
        "title": s.title,
        "description": s.description,
        "weight": number_out(s.weight),
        "questions": [_question_out(q) for q in s.questions],
    }


def _question_out(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": q.key,
        "text": q.text,
        "description": q.description,
        "type": q.type,
        "required": q.required,
        "allow_na": q.allow_na,
        "default": _default_out(q),
    }
    if q.type == "rating_scale":
        data["scale"] = {"min": q.scale_min, "max": q.scale_max}
    if q.show_if is not None:
        data["show_if"] = {"question": q.show_if.question, "answers": list(q.show_if.answers)}
    data["options"] = [
        {"key": o.key, "label": o.label, "points": number_out(o.points), "auto_fail": o.auto_fail} for o in q.options
    ]
    return data


def _default_out(q: Question) -> str | int | None:
    if q.default is None or q.default == NA:
        return q.default
    return int(q.default) if q.type == "rating_scale" else q.default


# --- Parsing --------------------------------------------------------------------------------------


def parse_document(data: Any) -> Scorecard:
    """Validate a docs/scoring.md#the-scorecard-document document and return it as a ``Scorecard``. Raises
    ``ScorecardError``."""
    if not isinstance(data, dict):
        raise ScorecardError("", "a scorecard document must be a JSON object")
    _no_unknown(data, {"name", "description", "scoring_mode", "pass_mark", "bands", "sections"}, "")
    name = _text(data, "name", "", required=True)
    mode = data.get("scoring_mode", "percentage")
    if mode not in SCORING_MODES:
        raise ScorecardError("scoring_mode", f"must be one of {', '.join(SCORING_MODES)}, not {mode!r}")
    pass_mark = _number(data.get("pass_mark", 0), "pass_mark")
    if mode == "percentage" and pass_mark > 100:
        raise ScorecardError("pass_mark", "a percentage pass mark cannot be above 100")
    raw_sections = data.get("sections", [])
    if not isinstance(raw_sections, list):
        raise ScorecardError("sections", "must be a list")
    seen_questions: dict[str, Question] = {}
    seen_sections: set[str] = set()
    sections = []
    for i, raw in enumerate(raw_sections):
        section = _parse_section(raw, f"sections[{i}]", seen_sections, seen_questions)
        sections.append(section)
    if mode == "percentage" and sections and all(s.weight == 0 for s in sections):
        raise ScorecardError("sections", "in percentage mode at least one section needs a weight above 0")
    return Scorecard(
        name=name,
        description=_text(data, "description", ""),
        scoring_mode=mode,
        pass_mark=pass_mark,
        sections=tuple(sections),
        bands=_bands(data.get("bands"), mode),
    )


def _bands(raw: Any, mode: str) -> tuple[Band, ...]:
    """Score bands (docs/scoring.md#score-bands): ascending starts, the first at 0, so that every score falls
    in exactly one band — no gap, no overlap by construction."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScorecardError("bands", "must be a list")
    if len(raw) > MAX_BANDS:
        raise ScorecardError("bands", f"at most {MAX_BANDS} bands")
    bands: list[Band] = []
    for i, item in enumerate(raw):
        path = f"bands[{i}]"
        if not isinstance(item, dict):
            raise ScorecardError(path, "a band must be an object")
        _no_unknown(item, {"key", "label", "from", "colour"}, path)
        key = _key(item, path)
        if any(b.key == key for b in bands):
            raise ScorecardError(f"{path}.key", f"duplicate band key {key!r}")
        label = _text(item, "label", path, required=True)
        if len(label) > 60:
            raise ScorecardError(f"{path}.label", "at most 60 characters")
        if "from" not in item:
            raise ScorecardError(f"{path}.from", "give the score this band starts at")
        start = _number(item["from"], f"{path}.from")
        if mode == "percentage" and start > 100:
            raise ScorecardError(f"{path}.from", "a percentage band cannot start above 100")
        if not bands and start != 0:
            raise ScorecardError(f"{path}.from", "the first band starts at 0, so that every score has a band")
        if bands and start <= bands[-1].start:
            previous = number_out(bands[-1].start)
            raise ScorecardError(
                f"{path}.from",
                f"must be above where the band before it starts ({previous}); list bands from the lowest score up",
            )
        colour = item.get("colour", "grey")
        if colour not in BAND_COLOURS:
            raise ScorecardError(f"{path}.colour", f"must be one of {', '.join(BAND_COLOURS)}, not {colour!r}")
        bands.append(Band(key=key, label=label, start=start, colour=colour))
    return tuple(bands)


def band_for(bands: list[dict[str, Any]] | tuple, value: Any) -> dict[str, Any] | None:
    """The band (a canonical document's ``bands`` entry) a score falls in, or None without bands or score.

    ``value`` is the score on the pass mark's scale: percent in percentage mode, earned points in points mode
    (docs/scoring.md#score-bands). Compared exactly (a Decimal or a number read as its shortest decimal)."""
    if value is None or not bands:
        return None
    score = Fraction(Decimal(repr(value) if isinstance(value, float) else str(value)))
    found = None
    for band in bands:
        if score >= Fraction(Decimal(repr(band["from"]) if isinstance(band["from"], float) else str(band["from"]))):
            found = band
    return found


def _parse_section(raw: Any, path: str, seen_sections: set[str], seen_questions: dict[str, Question]) -> Section:
    if not isinstance(raw, dict):
        raise ScorecardError(path, "a section must be an object")
    _no_unknown(raw, {"key", "title", "description", "weight", "questions"}, path)
    key = _key(raw, path)
    if key in seen_sections:
        raise ScorecardError(f"{path}.key", f"duplicate section key {key!r}")
    seen_sections.add(key)
    weight = _number(raw.get("weight", 1), f"{path}.weight")
    raw_questions = raw.get("questions", [])
    if not isinstance(raw_questions, list):
        raise ScorecardError(f"{path}.questions", "must be a list")
    questions = []
    for j, rq in enumerate(raw_questions):
        q = _parse_question(rq, f"{path}.questions[{j}]", seen_questions)
        seen_questions[q.key] = q
        questions.append(q)
    return Section(
        key=key,
        title=_text(raw, "title", path, required=True),
        description=_text(raw, "description", path),
        weight=weight,
        questions=tuple(questions),
    )


_QUESTION_FIELDS = {
    "key",
    "text",
    "description",
    "type",
    "required",
    "allow_na",
    "default",
    "options",
    "scale",
    "show_if",
}


def _parse_question(raw: Any, path: str, earlier: dict[str, Question]) -> Question:
    if not isinstance(raw, dict):
        raise ScorecardError(path, "a question must be an object")
    _no_unknown(raw, _QUESTION_FIELDS, path)
    key = _key(raw, path)
    if key in earlier:
        raise ScorecardError(f"{path}.key", f"duplicate question key {key!r}")
    qtype = raw.get("type", "single_choice")
    if qtype not in QUESTION_TYPES:
        raise ScorecardError(f"{path}.type", f"must be one of {', '.join(QUESTION_TYPES)}, not {qtype!r}")
    scale_min = scale_max = None
    if qtype == "rating_scale":
        scale_min, scale_max = _scale(raw.get("scale"), f"{path}.scale")
        options = _rating_options(raw.get("options"), scale_min, scale_max, f"{path}.options")
    else:
        if "scale" in raw:
            raise ScorecardError(f"{path}.scale", "only rating-scale questions have a scale")
        options = _options(raw.get("options"), qtype, f"{path}.options")
    allow_na = _bool(raw, "allow_na", path)
    question = Question(
        key=key,
        text=_text(raw, "text", path, required=True),
        description=_text(raw, "description", path),
        type=qtype,
        options=options,
        required=_bool(raw, "required", path),
        allow_na=allow_na,
        default=None,
        scale_min=scale_min,
        scale_max=scale_max,
        show_if=_show_if(raw.get("show_if"), f"{path}.show_if", earlier),
    )
    default = _default(raw.get("default"), question, f"{path}.default")
    return replace(question, default=default)


def _options(raw: Any, qtype: str, path: str) -> tuple[Option, ...]:
    if raw is None and qtype == "yes_no":
        return (Option("yes", "Yes", Fraction(1)), Option("no", "No", Fraction(0)))
    if not isinstance(raw, list) or not raw:
        raise ScorecardError(path, "give at least one option")
    options = tuple(_option(o, f"{path}[{i}]") for i, o in enumerate(raw))
    keys = [o.key for o in options]
    for i, k in enumerate(keys):
        if k in keys[:i]:
            raise ScorecardError(f"{path}[{i}].key", f"duplicate option key {k!r}")
        if k == NA:
            raise ScorecardError(f"{path}[{i}].key", "'na' is reserved for not applicable; use allow_na")
    if qtype == "yes_no" and sorted(keys) != ["no", "yes"]:
        raise ScorecardError(path, "a yes/no question has exactly the options 'yes' and 'no'")
    return options


def _rating_options(raw: Any, lo: int, hi: int, path: str) -> tuple[Option, ...]:
    if raw is None:  # points = distance from the bottom of the scale
        return tuple(Option(str(v), str(v), Fraction(v - lo)) for v in range(lo, hi + 1))
    if not isinstance(raw, list):
        raise ScorecardError(path, "must be a list")
    options = tuple(_option(o, f"{path}[{i}]") for i, o in enumerate(raw))
    expected = [str(v) for v in range(lo, hi + 1)]
    got = [o.key for o in options]
    if sorted(got, key=_int_or_inf) != expected or len(set(got)) != len(got):
        raise ScorecardError(
            path,
            f"a {lo}–{hi} scale needs exactly one option per integer, keyed {expected[0]}…{expected[-1]}",
        )
    return tuple(sorted(options, key=lambda o: int(o.key)))


def _int_or_inf(value: str) -> float:
    try:
        return int(value)
    except ValueError:
        return float("inf")


def _option(raw: Any, path: str) -> Option:
    if not isinstance(raw, dict):
        raise ScorecardError(path, "an option must be an object")
    _no_unknown(raw, {"key", "label", "points", "auto_fail"}, path)
    key = _key(raw, path)
    points = _number(raw.get("points", 0), f"{path}.points")
    auto_fail = raw.get("auto_fail", "none")
    if auto_fail not in AUTO_FAIL_VALUES:
        raise ScorecardError(f"{path}.auto_fail", f"must be one of {', '.join(AUTO_FAIL_VALUES)}, not {auto_fail!r}")
    label = raw.get("label", key)
    if not isinstance(label, str):
        raise ScorecardError(f"{path}.label", "must be text")
    return Option(key=key, label=label.strip() or key, points=points, auto_fail=auto_fail)


def _scale(raw: Any, path: str) -> tuple[int, int]:
    if not isinstance(raw, dict):
        raise ScorecardError(path, 'a rating-scale question needs a scale like {"min": 1, "max": 5}')
    _no_unknown(raw, {"min", "max"}, path)
    lo, hi = _whole_number(raw.get("min"), f"{path}.min"), _whole_number(raw.get("max"), f"{path}.max")
    if lo >= hi:
        raise ScorecardError(path, "min must be below max")
    if hi - lo > MAX_SCALE_SPAN:
        raise ScorecardError(path, f"a scale spans at most {MAX_SCALE_SPAN} steps")
    return lo, hi


def _whole_number(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScorecardError(path, "must be a whole number")
    return value


def _show_if(raw: Any, path: str, earlier: dict[str, Question]) -> ShowIf | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ScorecardError(path, 'must be an object like {"question": "greet", "answers": ["no"]}')
    _no_unknown(raw, {"question", "answers"}, path)
    target_key = raw.get("question")
    target = earlier.get(target_key) if isinstance(target_key, str) else None
    if target is None:
        raise ScorecardError(f"{path}.question", f"names no earlier question: {target_key!r}")
    answers = raw.get("answers")
    if not isinstance(answers, list) or not answers:
        raise ScorecardError(f"{path}.answers", "give at least one answer that shows this question")
    clean = []
    for i, answer in enumerate(answers):
        value = _answer_key(answer, target)
        if value is None:
            raise ScorecardError(f"{path}.answers[{i}]", f"{answer!r} is not an answer of question {target.key!r}")
        clean.append(value)
    return ShowIf(question=target.key, answers=tuple(dict.fromkeys(clean)))


def _default(raw: Any, q: Question, path: str) -> str | None:
    if raw is None:
        return None
    value = _answer_key(raw, q)
    if value is None:
        raise ScorecardError(path, f"{raw!r} is not an option of question {q.key!r}")
    return value


def _answer_key(raw: Any, q: Question) -> str | None:
    """The option key an answer value means for a question, or None if it means nothing."""
    if raw == NA:
        return NA if q.allow_na else None
    if q.type == "rating_scale":
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int) or (isinstance(raw, str) and raw.lstrip("-").isdigit()):
            value = str(int(raw))
            return value if q.option(value) else None
        return None
    return raw if isinstance(raw, str) and q.option(raw) else None


# --- Field helpers --------------------------------------------------------------------------------


def _no_unknown(raw: dict, allowed: set[str], path: str) -> None:
    for k in raw:
        if k not in allowed:
            where = f"{path}.{k}" if path else str(k)
            raise ScorecardError(where, f"unknown field {k!r}")


def _key(raw: dict, path: str) -> str:
    key = raw.get("key")
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ScorecardError(
            f"{path}.key", f"{key!r} is not a valid key (letters, digits, '_', '-', '.', up to 64 characters)"
        )
    return key


def _text(raw: dict, name: str, path: str, *, required: bool = False) -> str:
    value = raw.get(name, "")
    where = f"{path}.{name}" if path else name
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ScorecardError(where, "must be text")
    if required and not value.strip():
        raise ScorecardError(where, "must not be empty")
    return value.strip()


def _bool(raw: dict, name: str, path: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise ScorecardError(f"{path}.{name}", "must be true or false")
    return value


def _number(value: Any, path: str) -> Fraction:
    """A non-negative exact number from an int, a float (read as its shortest decimal) or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ScorecardError(path, f"must be a number, not {value!r}")
    try:
        dec = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ScorecardError(path, f"must be a number, not {value!r}") from None
    if not dec.is_finite():
        raise ScorecardError(path, "must be a finite number")
    if dec < 0:
        raise ScorecardError(path, "must not be negative")
    if dec > MAX_NUMBER:
        raise ScorecardError(path, f"must be at most {MAX_NUMBER:,}")
    if dec != dec.quantize(Decimal("0.0001")):
        raise ScorecardError(path, "use at most 4 decimal places")
    return Fraction(dec)
