"""The ingest shape of an interaction (API single and bulk, webhook, file import), validated once.

Every error names the field path (``transcript.3.start``) so a client or a rejects file can say
exactly what was wrong.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, NotRequired

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, FiniteFloat, field_validator, model_validator
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from cxq.interactions.choices import Channel, Direction
from cxq.lib.inputs import MAX_INTERACTION_SECONDS, JsonObject, Moment, MultilineText, Text, multi_line, single_line

MAX_UTTERANCES = 5000
MAX_TEXT = 20_000
# Seconds into the interaction: a transcript cannot run past the longest interaction ingest accepts.
Offset = Annotated[float, Field(ge=0, le=MAX_INTERACTION_SECONDS, allow_inf_nan=False)]


class AgentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lengths before the text check: a too-long value then reads "at most N characters", and the
    # length is checked in pydantic's core rather than by a Python call per value
    # (docs/performance.md#ingest-throughput).
    email: Annotated[str, Field(max_length=254), AfterValidator(single_line)] | None = None
    external_id: Annotated[str, Field(max_length=128), AfterValidator(single_line)] | None = None
    name: Text = Field(default="", max_length=150)

    @field_validator("email")
    @classmethod
    def valid_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(f"{value!r} is not a valid email address") from None
        return value

    @model_validator(mode="after")
    def needs_an_identifier(self) -> AgentRef:
        if not self.email and not self.external_id:
            raise ValueError("an agent needs an email or an external_id")
        return self


class UtteranceIn(TypedDict):
    """One utterance as sent. A typed dict, not a model: a 40-utterance transcript validates ~7x
    faster without 40 model instances (docs/performance.md#ingest-throughput). ``end`` ≥ ``start`` is checked by
    ``InteractionIn``."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    speaker: Literal["agent", "customer", "system"]
    speaker_name: NotRequired[Annotated[str, Field(max_length=120), AfterValidator(single_line)]]
    start: Offset
    end: Offset
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(multi_line)]


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, Field(max_length=200), AfterValidator(single_line)] | None = None
    channel: Channel
    direction: Direction = Direction.INBOUND
    started_at: Moment
    ended_at: Moment | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=MAX_INTERACTION_SECONDS)
    agent: AgentRef | None = None
    other_agents: list[AgentRef] = Field(default_factory=list, max_length=20)
    queue: Text = Field(default="", max_length=120)
    disposition: Text = Field(default="", max_length=120)
    language: Text = Field(default="", max_length=16)
    customer_ref: Text = Field(default="", max_length=200)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    resolved: bool | None = None
    metadata: JsonObject = Field(default_factory=dict)
    holds: list[tuple[FiniteFloat, FiniteFloat]] = Field(default_factory=list, max_length=200)
    transcript: list[UtteranceIn] = Field(default_factory=list, max_length=MAX_UTTERANCES)
    notes: MultilineText = Field(default="", max_length=MAX_TEXT)
    # a recording the worker fetches after the write (docs/interactions.md#fetch-by-url); its host must be
    # on the operator's allow-list (CXQ_MEDIA_FETCH_HOSTS), checked before anything is written
    download_url: Annotated[str, Field(max_length=2000), AfterValidator(single_line)] | None = None

    @model_validator(mode="after")
    def consistent(self) -> InteractionIn:
        if self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if self.ended_at and self.ended_at - self.started_at > timedelta(seconds=MAX_INTERACTION_SECONDS):
            raise ValueError(
                f"ended_at: an interaction lasts at most {MAX_INTERACTION_SECONDS} seconds (7 days) after started_at"
            )
        previous_start = 0.0
        last_end_by_side: dict[str, float] = {}
        for i, u in enumerate(self.transcript):
            speaker, start, end = u["speaker"], u["start"], u["end"]
            u.setdefault("speaker_name", "")
            if end < start:
                raise ValueError(f"transcript.{i}: end ({end}) is before start ({start})")
            if start < previous_start:
                raise ValueError(f"transcript.{i}: utterances must be in time order ({start} < {previous_start})")
            if speaker != "system" and start < last_end_by_side.get(speaker, 0.0):
                raise ValueError(
                    f"transcript.{i}: overlaps the previous {speaker} utterance (starts at {start}, "
                    f"that one ends at {last_end_by_side[speaker]})"
                )
            previous_start = start
            last_end_by_side[speaker] = max(end, last_end_by_side.get(speaker, 0.0))
        for i, (start, end) in enumerate(self.holds):
            if start < 0 or end < start:
                raise ValueError(f"holds.{i}: a hold is [start, end] in seconds with end ≥ start")
        return self

    def resolved_duration(self) -> int:
        if self.duration_seconds is not None:
            return self.duration_seconds
        if self.ended_at:
            return int((self.ended_at - self.started_at).total_seconds())
        if self.transcript:
            return int(round(max(u["end"] for u in self.transcript)))
        return 0


def error_messages(exc) -> list[str]:
    """Pydantic errors as 'field.path: message' lines."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if loc else msg)
    return lines
