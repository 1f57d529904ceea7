"""Reading shifts and activities from CSV and ICS files (docs/schedules.md#importing). Parsing only:
every problem is collected with its row and column (or event), and ``entries_upsert`` writes all or
nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import icalendar

from cxq.accounts.models import User
from cxq.schedules.choices import Kind
from cxq.schedules.services import EntryInput, ImportProblems, entry_problem, parse_moment, people_by_key

CSV_COLUMNS = ("user", "kind", "starts_at", "ends_at", "title", "external_id")
REQUIRED_COLUMNS = ("user", "kind", "starts_at", "ends_at")
MAX_PROBLEMS = 50


def _text(upload: bytes | str) -> str:
    if isinstance(upload, str):
        return upload
    try:
        return upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblems(["The file is not UTF-8 text."])


def _finish(items: list[EntryInput], problems: list[str]) -> list[EntryInput]:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        raise ImportProblems(problems[:MAX_PROBLEMS] + ([f"… and {extra} more problems."] if extra > 0 else []))
    if not items:
        raise ImportProblems(["The file holds no shift or activity."])
    return items


def parse_csv(*, by: User, content: bytes | str, zone) -> list[EntryInput]:
    """Rows of ``user,kind,starts_at,ends_at[,title][,external_id]`` (header first). ``user`` is an email,
    an external id or a public id; times without an offset are read in ``zone``."""
    reader = csv.DictReader(io.StringIO(_text(content)))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportProblems(
            [f"Row 1 (header): missing column {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}."]
        )
    reader.fieldnames = header
    rows = list(reader)
    people = people_by_key(by=by, keys={(r.get("user") or "").strip() for r in rows} - {""})
    items: list[EntryInput] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        place = f"Row {number}"
        row_problems = []
        key = (row.get("user") or "").strip()
        person = people.get(key.lower() if "@" in key else key)
        if not key:
            row_problems.append(f"{place}, column user: empty.")
        elif person is None:
            row_problems.append(f"{place}, column user: nobody in your scope is {key!r}.")
        kind = (row.get("kind") or "").strip().lower()
        moments = {}
        for column in ("starts_at", "ends_at"):
            try:
                moments[column] = parse_moment(row.get(column) or "", zone)
            except ValueError as exc:
                row_problems.append(f"{place}, column {column}: {exc}.")
        if len(moments) == 2:
            problem = entry_problem(kind, moments["starts_at"], moments["ends_at"])
            if problem:
                row_problems.append(f"{place}, column {problem[0]}: {problem[1]}.")
        elif kind not in Kind.values:
            row_problems.append(f"{place}, column kind: {kind!r} is not a kind; use one of {', '.join(Kind.values)}.")
        if None in row:  # more cells than columns
            row_problems.append(f"{place}: more cells than the header has columns.")
        if row_problems:
            problems.extend(row_problems)
            continue
        items.append(
            EntryInput(
                user=person,
                kind=kind,
                starts_at=moments["starts_at"],
                ends_at=moments["ends_at"],
                title=(row.get("title") or "").strip(),
                external_id=(row.get("external_id") or "").strip() or None,
                place=place,
            )
        )
    return _finish(items, problems)


def _kind_of(event, default: str) -> str:
    """The event's kind: a CATEGORIES value or the summary's first word naming a kind, else ``default``."""
    categories = event.get("CATEGORIES")
    names = []
    for cat in categories if isinstance(categories, list) else [categories] if categories else []:
        names.extend(str(c).strip().lower() for c in cat.cats)
    summary = str(event.get("SUMMARY") or "").strip().lower()
    names.append(summary.split(" ")[0].strip(":") if summary else "")
    for name in names:
        if name in Kind.values:
            return name
    return default


def _moment(value, zone) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else parse_moment(value.isoformat(), zone)
    if isinstance(value, date):
        raise ValueError("an all-day event has no times; give it a start and an end time")
    raise ValueError("no date and time")


def parse_ics(*, user: User, content: bytes | str, zone, default_kind: str = Kind.SHIFT) -> list[EntryInput]:
    """The VEVENTs of a calendar as ``user``'s entries. The kind is read from CATEGORIES or the summary
    (see ``_kind_of``); UID is the key for re-imports; repeating events (RRULE) are refused."""
    try:
        calendar = icalendar.Calendar.from_ical(_text(content))
    except ValueError as exc:
        raise ImportProblems([f"The file is not an iCalendar file: {exc}."])
    items: list[EntryInput] = []
    problems: list[str] = []
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        uid = str(event.get("UID") or "").strip()
        summary = str(event.get("SUMMARY") or "").strip()
        place = f"Event {number}" + (f" ({summary[:60]})" if summary else "")
        if event.get("RRULE"):
            problems.append(f"{place}: repeats (RRULE); export the occurrences one by one.")
            continue
        if str(event.get("STATUS") or "").upper() == "CANCELLED":
            continue
        times = {}
        for prop, column in (("DTSTART", "starts_at"), ("DTEND", "ends_at")):
            raw = event.get(prop)
            try:
                times[column] = _moment(raw.dt if raw is not None else None, zone)
            except ValueError as exc:
                problems.append(f"{place}, {prop}: {exc}.")
        if len(times) < 2:
            continue
        kind = _kind_of(event, default_kind)
        problem = entry_problem(kind, times["starts_at"], times["ends_at"])
        if problem:
            problems.append(f"{place}, {'DTEND' if problem[0] == 'ends_at' else problem[0]}: {problem[1]}.")
            continue
        items.append(
            EntryInput(
                user=user,
                kind=kind,
                starts_at=times["starts_at"],
                ends_at=times["ends_at"],
                title=summary,
                external_id=f"ics:{user.pk}:{uid}"[:200] if uid else None,
                place=place,
            )
        )
    return _finish(items, problems)
