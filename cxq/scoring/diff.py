"""Differences between two versions of a scorecard document (docs/scoring.md#scorecard-versions).

Both functions take *canonical* docs/scoring.md#the-scorecard-document documents, i.e. the output of
``Scorecard.to_document()`` (every
default filled in, numbers as int where integral). They never parse or validate: two documents that
mean the same thing but are spelled differently (an omitted default, ``5`` vs ``"5"``) compare as
different, so canonicalize first.

* ``classify_change(old, new)`` says whether saving ``new`` over ``old`` is ``"unchanged"``,
  ``"cosmetic"`` (only texts changed: update the current version in place) or ``"structural"``
  (create a new version).
* ``diff_documents(old, new)`` lists the changes one by one for the version diff view.

The two agree: ``classify_change`` is ``"unchanged"`` exactly when ``diff_documents`` is empty, and
``"structural"`` exactly when some change is not cosmetic.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

Classification = Literal["unchanged", "cosmetic", "structural"]
ChangeKind = Literal["added", "removed", "changed", "moved"]

# The only fields whose change cannot alter a score or pass/fail (docs/scoring.md#scorecard-versions). Everything else
# is structural,
# including any field this module does not know about (the safe side: a new version).
SCORECARD_TEXTS = ("name", "description")
# Score bands only name ranges of the score (docs/scoring.md#score-bands): changing them changes no score.
SCORECARD_COSMETIC = (*SCORECARD_TEXTS, "bands")
SECTION_TEXTS = ("title", "description")
QUESTION_TEXTS = ("text", "description")
OPTION_TEXTS = ("label",)

# Field order in the diff (document order); fields not listed here follow, sorted by name.
_SCORECARD_FIELDS = ("name", "description", "scoring_mode", "pass_mark", "bands")
_SECTION_FIELDS = ("title", "description", "weight")
_QUESTION_FIELDS = ("text", "description", "type", "required", "allow_na", "default", "scale", "show_if")
_OPTION_FIELDS = ("label", "points", "auto_fail")
_CHILDREN = ("sections", "questions", "options")

_MISSING: Any = object()  # a field absent from a document (``show_if``, ``scale``)


# --- Classification -------------------------------------------------------------------------------


def scoring_projection(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a canonical document that can affect a score or pass/fail: ``doc`` without its texts.

    Sections, questions and options keep their order, so any reordering makes the projections differ.
    By docs/scoring.md#scoring-rules reordering alone changes no score (section order plays no part; question order only
    matters
    because a ``show_if`` must name an earlier question, which validation already enforces), but an
    evaluation pins the layout it was scored on, so a reordered scorecard is a new version: versions
    stay honest and an old evaluation is always shown in the order it was filled in.
    """
    return _project(doc, SCORECARD_COSMETIC, 0)


def _project(node: Mapping[str, Any], texts: Sequence[str], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in node.items():
        if name in texts:
            continue
        if depth < len(_CHILDREN) and name == _CHILDREN[depth] and isinstance(value, list):
            child_texts = (SECTION_TEXTS, QUESTION_TEXTS, OPTION_TEXTS)[depth]
            out[name] = [_project(child, child_texts, depth + 1) for child in value]
        else:
            out[name] = copy.deepcopy(value)
    return out


def classify_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> Classification:
    """``"unchanged"`` if the documents are equal, ``"cosmetic"`` if only texts differ (scorecard name
    and description, section titles and descriptions, question texts and descriptions, option labels),
    else ``"structural"``. Any reordering of sections, questions or options is structural (see
    ``scoring_projection``)."""
    if old == new:
        return "unchanged"
    if scoring_projection(old) == scoring_projection(new):
        return "cosmetic"
    return "structural"


# --- Diff -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference between two versions.

    ``path`` is the human-readable location, built from the new version's texts (the old ones for a
    removed element): ``Section “Opening” › Question “Greeted?” › Option “Yes”``, or ``Scorecard``.
    ``field`` is the changed field (``"points"``, ``"label"``, ``"weight"``…), ``""`` for an added or
    removed element, and ``"position"`` (within the same parent) or ``"section"`` (a question moved to
    another section) for a move. ``old``/``new`` are plain JSON values: the field's values; the whole
    element for added (``new``) and removed (``old``); 1-based positions, or the old and new section
    titles, for moves. ``keys`` is the machine location: (section key, question key, option key),
    as deep as the element. ``trail`` holds the parts of ``path`` (used by ``describe``; not compared).
    """

    path: str
    field: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    cosmetic: bool = False
    keys: tuple[str, ...] = ()
    trail: tuple[str, ...] = dataclasses.field(default=(), repr=False, compare=False)

    def describe(self) -> str:
        """One readable line, e.g. ``Scorecard: pass mark 80 → 85`` or
        ``Question “Reason offered?” added to Section “Opening”``."""
        trail = self.trail or (self.path,)
        element, parent = trail[-1], " › ".join(trail[:-1])
        if self.kind in ("added", "removed"):
            if not parent:
                return f"{element} {self.kind}"
            return f"{element} added to {parent}" if self.kind == "added" else f"{element} removed from {parent}"
        if self.kind == "moved" and self.field == "section":
            return f"{element} moved from Section {_quote(self.old)} to Section {_quote(self.new)}"
        if self.kind == "moved":
            return f"{self.path}: moved from position {self.old} to {self.new}"
        label = _FIELD_LABELS.get(self.field, self.field.replace("_", " "))
        return f"{self.path}: {label} {_show(self.field, self.old)} → {_show(self.field, self.new)}"


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two canonical documents, in the new version's document order.

    Algorithm:
    1. Scorecard fields first (name, description, scoring mode, pass mark, then any unknown field).
    2. Sections are matched by key, questions by key across the whole scorecard (so a question that
       changed section is one "moved" change, not a removal and an addition), options by key within
       their question.
    3. Within each parent, walk the new children in order; a removed child is listed right after the
       nearest earlier sibling that still exists (at the start if none), i.e. where it was.
    4. A child that stayed in its parent is "moved" when it is not on a longest common subsequence of
       the old and new sibling orders, so inserting or removing one element never marks its
       neighbours as moved.
    5. For each surviving element: its move (if any), its field changes, then its children. An added
       or removed element is one change that carries the whole element and its children are not
       listed, except the questions an added section took from other sections (listed as moved, with
       their own changes, so nothing leaves a section unmentioned).
    """
    return list(_Differ(old, new).run())


class _Differ:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]):
        self.old, self.new = old, new
        self.old_sections = {s["key"]: s for s in old.get("sections", [])}
        self.new_sections = {s["key"]: s for s in new.get("sections", [])}
        # question key → (section key, question); keys are unique across a scorecard
        # (docs/scoring.md#the-scorecard-document)
        self.old_questions = _questions_by_key(old)
        self.new_questions = _questions_by_key(new)

    def run(self) -> Iterator[Change]:
        yield from _field_changes(self.old, self.new, _SCORECARD_FIELDS, SCORECARD_COSMETIC, ("Scorecard",), ())
        old_keys = _keys(self.old.get("sections", []))
        new_keys = _keys(self.new.get("sections", []))
        moved = _moved_keys(old_keys, new_keys)
        for kind, key in _merge(old_keys, new_keys, set(new_keys)):
            section = (self.old_sections if kind == "removed" else self.new_sections)[key]
            trail = (_label("Section", section.get("title")),)
            if kind == "removed":
                yield _whole("removed", section, trail, (key,))
                continue
            if key not in self.old_sections:
                yield _whole("added", section, trail, (key,))
            elif key in moved:
                yield _move(old_keys, new_keys, key, trail, (key,))
            if key in self.old_sections:
                yield from _field_changes(
                    self.old_sections[key], section, _SECTION_FIELDS, SECTION_TEXTS, trail, (key,)
                )
            yield from self._questions(key, trail)

    def _questions(self, section_key: str, trail: tuple[str, ...]) -> Iterator[Change]:
        """The question changes of a section of the new version. In an added section only questions
        that came from another section are listed (the "added" change carries the rest)."""
        section_is_new = section_key not in self.old_sections
        old_keys = [] if section_is_new else _keys(self.old_sections[section_key].get("questions", []))
        new_keys = _keys(self.new_sections[section_key].get("questions", []))
        moved = _moved_keys(old_keys, new_keys)
        for kind, key in _merge(old_keys, new_keys, set(self.new_questions)):
            question = (self.old_questions if kind == "removed" else self.new_questions)[key][1]
            question_trail = (*trail, _question_label(question))
            keys = (section_key, key)
            if kind == "removed":
                yield _whole("removed", question, question_trail, keys)
            elif key not in self.old_questions:
                if not section_is_new:
                    yield _whole("added", question, question_trail, keys)
            else:
                if self.old_questions[key][0] != section_key:
                    yield self._section_move(key, question_trail, keys)
                elif key in moved:
                    yield _move(old_keys, new_keys, key, question_trail, keys)
                old = self.old_questions[key][1]
                yield from _field_changes(old, question, _QUESTION_FIELDS, QUESTION_TEXTS, question_trail, keys)
                yield from _options(old, question, question_trail, keys)

    def _section_move(self, key: str, trail: tuple[str, ...], keys: tuple[str, ...]) -> Change:
        """A question moved to another section; the old section is named by its current title if it
        still exists (paths use the new texts)."""
        old_key, new_key = self.old_questions[key][0], self.new_questions[key][0]
        old_section = self.new_sections.get(old_key) or self.old_sections[old_key]
        new_title = self.new_sections[new_key].get("title")
        return _change(trail, "section", "moved", old_section.get("title"), new_title, keys)


def _options(
    old_question: Mapping[str, Any],
    new_question: Mapping[str, Any],
    trail: tuple[str, ...],
    keys: tuple[str, ...],
) -> Iterator[Change]:
    old_list, new_list = old_question.get("options", []), new_question.get("options", [])
    old_keys, new_keys = _keys(old_list), _keys(new_list)
    old_options = {o["key"]: o for o in old_list}
    new_options = {o["key"]: o for o in new_list}
    moved = _moved_keys(old_keys, new_keys)
    for kind, key in _merge(old_keys, new_keys, set(new_keys)):
        option = old_options[key] if kind == "removed" else new_options[key]
        option_trail = (*trail, _label("Option", option.get("label", key)))
        option_keys = (*keys, key)
        if kind == "removed":
            yield _whole("removed", option, option_trail, option_keys)
        elif key not in old_options:
            yield _whole("added", option, option_trail, option_keys)
        else:
            if key in moved:
                yield _move(old_keys, new_keys, key, option_trail, option_keys)
            yield from _field_changes(old_options[key], option, _OPTION_FIELDS, OPTION_TEXTS, option_trail, option_keys)


# --- Helpers --------------------------------------------------------------------------------------


def _questions_by_key(doc: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    return {q["key"]: (s["key"], q) for s in doc.get("sections", []) for q in s.get("questions", [])}


def _keys(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [item["key"] for item in items]


def _merge(old_keys: list[str], new_keys: list[str], surviving: set[str]) -> list[tuple[str, str]]:
    """The new children as ``("present", key)``, with the removed ones (old keys not in ``surviving``)
    as ``("removed", key)`` right after the nearest earlier old sibling still in ``new_keys``."""
    in_new = set(new_keys)
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in old_keys:
        if key in in_new:
            anchor = key
        elif key not in surviving:
            after.setdefault(anchor, []).append(key)
    merged = [("removed", key) for key in after.get(None, [])]
    for key in new_keys:
        merged.append(("present", key))
        merged.extend(("removed", r) for r in after.get(key, []))
    return merged


def _moved_keys(old_keys: list[str], new_keys: list[str]) -> set[str]:
    """Siblings present in both orders but off a longest common subsequence of them.

    Both orders hold the same distinct keys once restricted to the common ones, so the LCS is the
    longest increasing subsequence of old positions taken in new order (patience sorting, O(n log n)).
    """
    common = set(old_keys) & set(new_keys)
    old_pos = {k: i for i, k in enumerate(k for k in old_keys if k in common)}
    seq = [k for k in new_keys if k in common]
    tails: list[int] = []  # tails[n] = index in seq of the smallest tail of an increasing run of n+1
    prev: list[int | None] = [None] * len(seq)
    for i, key in enumerate(seq):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if old_pos[seq[tails[mid]]] < old_pos[key]:
                lo = mid + 1
            else:
                hi = mid
        prev[i] = tails[lo - 1] if lo else None
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    kept: set[str] = set()
    cursor = tails[-1] if tails else None
    while cursor is not None:
        kept.add(seq[cursor])
        cursor = prev[cursor]
    return common - kept


def _field_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    known: Sequence[str],
    texts: Sequence[str],
    trail: tuple[str, ...],
    keys: tuple[str, ...],
) -> Iterator[Change]:
    """Changed fields of one element, known fields first; ``key`` and child lists are not fields."""
    skip = {"key", *_CHILDREN}
    others = sorted((set(old) | set(new)) - set(known) - skip)
    for name in (*known, *others):
        before, after = old.get(name, _MISSING), new.get(name, _MISSING)
        if before != after or (before is _MISSING) != (after is _MISSING):
            yield _change(
                trail,
                name,
                "changed",
                None if before is _MISSING else copy.deepcopy(before),
                None if after is _MISSING else copy.deepcopy(after),
                keys,
                cosmetic=name in texts,
            )


def _change(
    trail: tuple[str, ...],
    field: str,
    kind: ChangeKind,
    old: Any,
    new: Any,
    keys: tuple[str, ...],
    *,
    cosmetic: bool = False,
) -> Change:
    return Change(" › ".join(trail), field, kind, old, new, cosmetic, keys, trail)


def _whole(kind: ChangeKind, element: Mapping[str, Any], trail: tuple[str, ...], keys: tuple[str, ...]) -> Change:
    value = copy.deepcopy(dict(element))
    return _change(trail, "", kind, value if kind == "removed" else None, value if kind == "added" else None, keys)


def _move(old_keys: list[str], new_keys: list[str], key: str, trail: tuple[str, ...], keys: tuple[str, ...]) -> Change:
    return _change(trail, "position", "moved", old_keys.index(key) + 1, new_keys.index(key) + 1, keys)


def _question_label(question: Mapping[str, Any]) -> str:
    return _label("Question", question.get("text") or question.get("key"))


def _label(noun: str, text: Any) -> str:
    return f"{noun} {_quote(text)}"


# --- Describing values ----------------------------------------------------------------------------

_MAX_TEXT = 80
_FIELD_LABELS = {
    "scoring_mode": "scoring mode",
    "pass_mark": "pass mark",
    "allow_na": "N/A allowed",
    "default": "default answer",
    "show_if": "condition",
    "auto_fail": "auto-fail",
}
_TYPE_NAMES = {"yes_no": "yes/no", "single_choice": "single choice", "rating_scale": "rating scale"}
_TEXT_FIELDS = {*SCORECARD_TEXTS, *SECTION_TEXTS, *QUESTION_TEXTS, *OPTION_TEXTS}


def _quote(text: Any) -> str:
    """A text on one line, shortened, in typographic quotes."""
    flat = " ".join(str(text if text is not None else "").split())
    if len(flat) > _MAX_TEXT:
        flat = flat[: _MAX_TEXT - 1].rstrip() + "…"
    return f"“{flat}”"


def _show(field: str, value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in _TEXT_FIELDS:
        return _quote(value)
    if field == "type":
        return _TYPE_NAMES.get(value, str(value))
    if field == "default":
        return "N/A" if value == "na" else (str(value) if isinstance(value, int) else _quote(value))
    if field == "bands" and isinstance(value, list):
        return ", ".join(f"{_quote(b.get('label'))} from {b.get('from')}" for b in value if isinstance(b, Mapping))
    if field == "scale" and isinstance(value, Mapping):
        return f"{value.get('min')}–{value.get('max')}"
    if field == "show_if" and isinstance(value, Mapping):
        answers = " or ".join(_quote(a) for a in value.get("answers", []))
        return f"shown when {_quote(value.get('question'))} is {answers}"
    if isinstance(value, int | float | str):
        return str(value)
    return _quote(value)
