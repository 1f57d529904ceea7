"""The typed inputs of cxq.lib.inputs: what they refuse, what they let through, and the messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django import forms
from django.utils import timezone as dj_timezone
from pydantic import BaseModel, Field, ValidationError

from cxq.lib import inputs
from cxq.lib.inputs import Day, JsonObject, Moment, MultilineText, Text


class Sample(BaseModel):
    name: Text = Field(default="", max_length=10)
    body: MultilineText = ""
    at: Moment | None = None
    day: Day | None = None
    data: JsonObject = {}


def refusal(**values) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as caught:
        Sample(**values)
    (error,) = caught.value.errors()
    return error["loc"], error["msg"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "A NUL character is not allowed here (character 2)"),
        ("ab\x07", "A control character (U+0007) is not allowed here (character 3)"),
        ("a\x7f", "A control character (U+007F)"),
        ("a\x85", "A control character (U+0085)"),
        ("a\nb", "A line break is not allowed in this one-line field"),
        ("a\rb", "A line break is not allowed"),
        ("a\tb", "A tab is not allowed in this one-line field"),
    ],
)
def test_one_line_text_refuses_control_characters_naming_the_field(value, message):
    loc, msg = refusal(name=value)
    assert loc == ("name",) and message in msg


def test_an_unpaired_surrogate_is_refused_however_it_arrives():
    # pydantic refuses it in a Python string; JSON parsed by the standard library (the API's fallback
    # parser) hands it to the validator, which says why
    loc, _ = refusal(name="a\ud800")
    assert loc == ("name",)
    assert inputs.text_problem("a\ud800") == "An unpaired surrogate (U+D800) is not valid text (character 2)."


def test_one_line_text_keeps_ordinary_unicode_and_its_length_message():
    assert Sample(name="Zoë 👩‍💻 ٣").name == "Zoë 👩‍💻 ٣"
    loc, msg = refusal(name="x" * 11)
    assert loc == ("name",) and "at most 10 characters" in msg


def test_multiline_text_allows_tab_and_line_breaks_but_not_other_controls():
    assert Sample(body="line one\r\n\tline two\n").body == "line one\r\n\tline two\n"
    for bad in ("a\x00", "a\x0b", "a\x0c", "a\x1b[31m", "a\udfff"):
        loc, _ = refusal(body=bad)
        assert loc == ("body",)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2030-01-01T00:00:00", "Give a time zone"),
        ("0001-01-01T00:00:00+14:00", "between the years 1900 and 2200"),
        ("9999-12-31T23:59:59Z", "between the years 1900 and 2200"),
        ("1899-12-31T23:59:59Z", "between the years 1900 and 2200"),
        ("2201-01-01T00:00:00Z", "between the years 1900 and 2200"),
    ],
)
def test_a_moment_needs_an_offset_and_a_year_from_1900_to_2200(value, message):
    loc, msg = refusal(at=value)
    assert loc == ("at",) and message in msg


def test_a_moment_at_the_edges_of_the_range_converts_to_utc_and_back():
    early = Sample(at="1900-01-01T00:00:00+14:00").at
    late = Sample(at="2200-12-31T23:59:59-12:00").at
    assert early.astimezone(UTC).year == 1899 and late.astimezone(UTC).year == 2201
    assert late + timedelta(seconds=inputs.MAX_INTERACTION_SECONDS) > late


def test_a_day_is_bounded_like_a_moment():
    assert Sample(day="2200-12-31").day == date(2200, 12, 31)
    loc, msg = refusal(day="9999-12-31")
    assert loc == ("day",) and "between the years 1900 and 2200" in msg


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": "x\x00"}, "a: A NUL character"),
        ({"a": [1, {"b": "\ud800"}]}, "a.1.b: An unpaired surrogate"),
        ({"k\x00": 1}, "a key is not valid text"),
        ({"score": float("nan")}, "score: nan is not a number"),
        ({"deep": [[[float("inf")]]]}, "deep.0.0.0: inf is not a number"),
    ],
)
def test_free_json_refuses_what_the_database_cannot_store_with_the_path(value, where):
    loc, msg = refusal(data=value)
    assert loc == ("data",) and where in msg


def test_free_json_keeps_other_control_characters_and_deep_nesting():
    deep: list = []
    node = deep
    for _ in range(2000):  # deeper than the recursion limit: the walk must not recurse
        node.append([])
        node = node[0]
    assert Sample(data={"bell": "\x07", "tree": deep}).data["bell"] == "\x07"


def test_text_problem_is_none_for_clean_text_and_check_text_names_the_field():
    assert inputs.text_problem("plain text") is None
    assert inputs.text_problem("two\nlines", multiline=True) is None
    with pytest.raises(inputs.ValidationError) as caught:
        inputs.check_text("a\x00", field="body", multiline=True)
    assert list(caught.value.message_dict) == ["body"]


# --- Forms -----------------------------------------------------------------------------------------


class SampleForm(forms.Form):
    name = inputs.TextField(required=False)
    notes = inputs.MultilineTextField(required=False)
    email = inputs.EmailField(required=False)
    day = inputs.DateField(required=False)
    when = inputs.DateTimeField(required=False)


def form_errors(**data) -> dict:
    form = SampleForm(data)
    form.is_valid()
    return form.errors


def test_form_text_fields_refuse_control_characters_next_to_the_field():
    errors = form_errors(name="a\tb", notes="ok\r\nstill ok", email='"a\x01b"@example.com')
    assert "tab" in errors["name"][0] and "notes" not in errors and "email" in errors
    assert "Null characters are not allowed" in form_errors(notes="a\x00")["notes"][0]  # Django's own check


def test_form_dates_and_moments_are_bounded_to_the_supported_years():
    errors = form_errors(day="0001-01-01", when="9999-12-31T23:59")
    assert "between the years 1900 and 2200" in errors["day"][0]
    assert "between the years 1900 and 2200" in errors["when"][0]
    assert not form_errors(day="2026-02-01", when="2026-02-01T10:00")


def test_a_form_moment_without_offset_is_read_in_the_users_time_zone():
    with dj_timezone.override("Pacific/Kiritimati"):  # UTC+14
        form = SampleForm({"when": "2030-01-01T00:00"})
        assert form.is_valid()
        assert form.cleaned_data["when"] == datetime(2029, 12, 31, 10, 0, tzinfo=UTC)
        assert form.cleaned_data["when"].utcoffset() == timedelta(hours=14)


def test_parse_form_moment_names_the_field():
    with pytest.raises(inputs.ValidationError) as caught:
        inputs.parse_form_moment("2030-13-45T00:00", field="due_at")
    assert list(caught.value.message_dict) == ["due_at"]
    assert inputs.parse_form_moment("2030-01-01T00:00+02:00", field="due_at").utcoffset() == timedelta(hours=2)


# --- The net under hand-read requests ----------------------------------------------------------------


def test_a_nul_in_a_query_string_or_form_post_is_a_400_naming_the_field(client_for):
    client = client_for("admin")
    page = client.get("/interactions/", {"queue": "a\x00b"})
    assert page.status_code == 400 and page.content.decode() == "queue: A NUL character is not allowed here."
    api = client.get("/api/v1/users", {"search": "a\x00"})
    assert api.status_code == 400 and api.json() == {"detail": "search: A NUL character is not allowed here."}
    posted = client.post("/interactions/filters/", {"name": "mine\x00", "query": "channel=voice"})
    assert posted.status_code == 400 and posted.content.decode().startswith("name:")


def test_json_bodies_and_clean_requests_pass_the_net(client_for):
    client = client_for("admin")
    assert client.get("/interactions/", {"queue": "Billing"}).status_code == 200
    body = client.post("/api/v1/teams", '{"name": "Night shift"}', content_type="application/json")
    assert body.status_code == 201


def test_one_line_refuses_the_unicode_line_and_paragraph_separators_and_says_which():
    from cxq.lib.inputs import text_problem

    assert (
        text_problem("a\u2028b")
        == "A line or paragraph separator (U+2028) is not allowed in this one-line field (character 2)."
    )
    assert text_problem("a\u2029b")
    assert text_problem("a\u2028b", multiline=True) is None  # a text area keeps them, like line breaks
