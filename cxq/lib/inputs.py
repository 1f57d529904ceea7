"""Typed inputs: text, moments and JSON the database can always store, refused at the edge with the
field named (a 4xx, never a 500).

Why each check exists:

* PostgreSQL text cannot hold NUL (``\\x00``) and ``jsonb`` refuses ``\\u0000``; UTF-8 cannot encode a
  lone surrogate (``"\\ud800"`` in JSON); SQLite's full-text query syntax breaks on NUL. Other control
  characters are stored fine but are never what a person meant (newline and tab are allowed only in
  multi-line fields).
* A datetime far from today overflows when it is converted to UTC (``0001-01-01T00:00+14:00``) or when a
  duration is added to it (``9999-12-31T23:59:59Z``), so moments are kept within the years
  :data:`MIN_YEAR`–:data:`MAX_YEAR`. The API also refuses a moment without a UTC offset: it cannot tell
  what the client meant (forms read it in the user's time zone, as the browser sends local time).
* ``jsonb`` refuses ``NaN`` and ``Infinity``, which Python's JSON parser reads.

Every API schema and form takes text, moments and free JSON through the types below (pydantic:
:data:`Text`, :data:`MultilineText`, :data:`Moment`, :data:`Day`, :data:`JsonObject`; forms:
:class:`TextField`, :class:`MultilineTextField`, :class:`EmailField`, :class:`DateField`,
:class:`DateTimeField`); ``tests/lib/test_inputs_everywhere.py`` fails when one takes a plain ``str``,
``datetime`` or ``forms.CharField``. :class:`RefuseNulMiddleware` is a net under views that read
``request.GET``/``request.POST`` by hand.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import date, datetime
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from pydantic import AfterValidator

MIN_YEAR = 1900
MAX_YEAR = 2200
# The longest interaction ingest accepts, however its length is given (duration, end time or the
# transcript's last second): a contact-center conversation is never longer than a week, and the bound
# keeps a start plus its duration far inside what datetimes and a 32-bit column hold.
MAX_INTERACTION_SECONDS = 7 * 24 * 3600

# C0 and C1 control characters, DEL and lone surrogates, and in one line the Unicode line and paragraph
# separators too; the multi-line set spares tab, LF and CR. The one place these sets are written:
# cxq/lib/text.py collapses the same single-line set for mail headers.
SINGLE_LINE_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
_SINGLE_LINE_BAD = re.compile(f"[{SINGLE_LINE_CONTROL}]")
_MULTI_LINE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _describe(char: str) -> str:
    if char == "\x00":
        return "A NUL character is not allowed here"
    if char in "\r\n":
        return "A line break is not allowed in this one-line field"
    if char == "\t":
        return "A tab is not allowed in this one-line field"
    if char in "\u2028\u2029":
        return f"A line or paragraph separator (U+{ord(char):04X}) is not allowed in this one-line field"
    if "\ud800" <= char <= "\udfff":
        return f"An unpaired surrogate (U+{ord(char):04X}) is not valid text"
    return f"A control character (U+{ord(char):04X}) is not allowed here"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as text a person typed, or None. One regex scan (C speed): it runs
    on every utterance of a bulk ingest."""
    if value.isprintable():  # the common case, in C: no control character, no surrogate
        return None
    match = (_MULTI_LINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    if match is None:
        return None
    return f"{_describe(match.group())} (character {match.start() + 1})."


def year_problem(value: date) -> str | None:
    if MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return f"Give a date between the years {MIN_YEAR} and {MAX_YEAR}."


def moment_problem(value: datetime) -> str | None:
    """For the API: an aware datetime within the supported years."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "Give a time zone, e.g. 2026-11-02T09:30:00Z or 2026-11-02T10:30:00+01:00."
    return year_problem(value)


def json_problem(value: Any) -> str | None:
    """What the database cannot store in free JSON (NUL or unpaired surrogates in any key or string,
    non-finite numbers), with the path to it; None when it can. Walks without recursion: the body
    parser accepts nesting as deep as Python's recursion limit."""
    return None if _json_storable(value) else _json_locate(value)


def _json_storable(value: Any) -> bool:
    """The quick answer, for every ingested interaction's metadata: no paths built."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.isprintable() and _JSON_BAD.search(item):
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif kind is dict:
            for key in item:
                if type(key) is not str or (not key.isprintable() and _JSON_BAD.search(key)):
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif isinstance(item, str | float | dict | list | tuple):
            return False  # a subclass: let the careful walk decide
    return True


def _json_locate(value: Any) -> str | None:
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = _json_text_problem(item)
            if problem:
                return f"{path or 'value'}: {problem}"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{path or 'value'}: {item} is not a number JSON can store."
        elif isinstance(item, dict):
            for key, child in item.items():
                key = str(key)
                problem = _json_text_problem(key)
                if problem:
                    return f"{path or 'value'}: a key is not valid text: {problem}"
                stack.append((f"{path}.{key}" if path else key, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
    return None


_JSON_BAD = re.compile("[\x00\ud800-\udfff]")


def _json_text_problem(value: str) -> str | None:
    """Free JSON text may hold any control character but NUL (jsonb refuses it)."""
    match = _JSON_BAD.search(value)
    return f"{_describe(match.group())} (character {match.start() + 1})." if match else None


# --- pydantic (API schemas, ingest) --------------------------------------------------------------


def _raise(problem: str | None) -> None:
    if problem:
        raise ValueError(problem)


def single_line(value: str) -> str:
    _raise(text_problem(value))
    return value


def multi_line(value: str) -> str:
    _raise(text_problem(value, multiline=True))
    return value


def aware_moment(value: datetime) -> datetime:
    _raise(moment_problem(value))
    return value


def bounded_day(value: date) -> date:
    _raise(year_problem(value))
    return value


def storable_json(value: Any) -> Any:
    _raise(json_problem(value))
    return value


# The validators above are the markers the "no plain str/datetime" test looks for.
CHECKS = (single_line, multi_line, aware_moment, bounded_day, storable_json)

Text = Annotated[str, AfterValidator(single_line)]
"""One line of text: no control characters, no line breaks or tabs."""

MultilineText = Annotated[str, AfterValidator(multi_line)]
"""Text that may span lines (comments, notes, transcripts): tab, LF and CR allowed."""

Moment = Annotated[datetime, AfterValidator(aware_moment)]
"""A datetime with a UTC offset, between the years 1900 and 2200."""

Day = Annotated[date, AfterValidator(bounded_day)]
"""A calendar day between the years 1900 and 2200."""

JsonObject = Annotated[dict[str, Any], AfterValidator(storable_json)]
"""Free JSON (an object) the database can store."""


# --- Django (forms, services fed by hand-read posts) ------------------------------------------------


def check_text(value: str, *, field: str, multiline: bool = False) -> str:
    """``value``, or a ValidationError naming ``field``: for services that views feed from
    ``request.POST`` without a form."""
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise ValidationError({field: problem})
    return value


class _TextValidator:
    def __init__(self, *, multiline: bool):
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(problem, code="control_character")


class TextField(forms.CharField):
    """A one-line text input: refuses control characters, line breaks and tabs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(_TextValidator(multiline=False))


class MultilineTextField(forms.CharField):
    """A textarea: refuses control characters but tab, LF and CR."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)
        self.validators.append(_TextValidator(multiline=True))


class EmailField(forms.EmailField):
    """Django's email check accepts control characters inside a quoted local part; this one does not."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(_TextValidator(multiline=False))


def _check_year(value: date | None) -> None:
    problem = year_problem(value) if value is not None else None
    if problem:
        raise ValidationError(problem, code="year_range")


class DateField(forms.DateField):
    """A day between the years 1900 and 2200 (a day edge in a far time zone then never overflows)."""

    def validate(self, value):
        super().validate(value)
        _check_year(value)


class DayOrMomentField(DateField):
    """A day typed on a page, or a moment with an offset that the API or code hands over already parsed
    (kept as the moment: a list filtered "from" it starts there, not at the day's start)."""

    def to_python(self, value):
        if isinstance(value, datetime):
            return value
        return super().to_python(value)

    def validate(self, value):
        if not isinstance(value, datetime):
            return super().validate(value)
        forms.Field.validate(self, value)
        problem = moment_problem(value)
        if problem:
            raise ValidationError(problem, code="moment")


class DateTimeField(forms.DateTimeField):
    """A moment between the years 1900 and 2200. Without an offset it is read in the current (the
    user's) time zone, as the browser's datetime-local input sends it."""

    def validate(self, value):
        super().validate(value)
        _check_year(value)


def parse_form_moment(raw: str, *, field: str) -> datetime:
    """A moment posted by a hand-written form (no Form class): :class:`DateTimeField`'s reading, or a
    ValidationError naming ``field``."""
    try:
        return DateTimeField(required=True).clean(raw)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def filter_status(request, form: forms.Form, valid: bool) -> int:
    """The status of a list page whose filter form is ``form``: 400 when a filter could not be applied
    (the page shows the error next to the field). An htmx table refresh stays 200: htmx does not swap a
    4xx, and the form with the error is outside the table it replaces."""
    if valid or not form.is_bound or getattr(request, "htmx", False):
        return 200
    return 400


# --- The net under hand-read requests ----------------------------------------------------------------


class RefuseNulMiddleware:
    """400 for a NUL character in a query-string or form-field value or name, before any view: views
    that read ``request.GET``/``request.POST`` by hand would otherwise pass it to PostgreSQL. Uploaded
    files and JSON bodies are left to their readers (typed schemas)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _nul_field(request.GET)
        if field is None and request.method == "POST" and _is_form(request):
            # an unreadable body is for CSRF and the view to refuse, as they did without this net
            with contextlib.suppress(MultiPartParserError, UnreadablePostError):
                field = _nul_field(request.POST)
        if field is not None:
            return _refusal(request, field)
        return self.get_response(request)


def _is_form(request) -> bool:
    content_type = request.content_type or ""
    return content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field(data) -> str | None:
    for key, values in data.lists():
        if "\x00" in key:
            return key.replace("\x00", "\\x00")
        if any("\x00" in v for v in values if isinstance(v, str)):
            return key
    return None


def _refusal(request, field: str) -> HttpResponse:
    message = f"{field}: A NUL character is not allowed here."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    if request.path.startswith("/scim/"):  # a SCIM error (RFC 7644 §3.12, docs/scim.md#errors)
        error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400"}
        error.update(scimType="invalidValue", detail=message)
        return JsonResponse(error, status=400, content_type="application/scim+json")
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
