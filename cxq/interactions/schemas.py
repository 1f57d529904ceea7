"""The ingest shape of an interaction (API single and bulk, webhook, file import), validated once.

Every error names the field path (``transcript.3.start``) so a client or a rejects file can say
exactly what was wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cxq.interactions.choices import Channel, Direction, Speaker

MAX_UTTERANCES = 5000
MAX_TEXT = 20_000


class AgentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    external_id: str | None = Field(default=None, max_length=128)
    name: str = Field(default="", max_length=150)

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


class UtteranceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker: Speaker
    speaker_name: str = Field(default="", max_length=120)
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def end_after_start(self) -> UtteranceIn:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, max_length=200)
    channel: Channel
    direction: Direction = Direction.INBOUND
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)
    agent: AgentRef | None = None
    other_agents: list[AgentRef] = Field(default_factory=list, max_length=20)
    queue: str = Field(default="", max_length=120)
    disposition: str = Field(default="", max_length=120)
    language: str = Field(default="", max_length=16)
    customer_ref: str = Field(default="", max_length=200)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    resolved: bool | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    holds: list[tuple[float, float]] = Field(default_factory=list, max_length=200)
    transcript: list[UtteranceIn] = Field(default_factory=list, max_length=MAX_UTTERANCES)
    notes: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("started_at", "ended_at")
    @classmethod
    def aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-11-02T09:30:00Z")
        return value

    @model_validator(mode="after")
    def consistent(self) -> InteractionIn:
        if self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        previous_start = 0.0
        last_end_by_side: dict[str, float] = {}
        for i, u in enumerate(self.transcript):
            if u.start < previous_start:
                raise ValueError(f"transcript.{i}: utterances must be in time order ({u.start} < {previous_start})")
            if u.speaker != Speaker.SYSTEM and u.start < last_end_by_side.get(u.speaker, 0.0):
                raise ValueError(
                    f"transcript.{i}: overlaps the previous {u.speaker} utterance (starts at {u.start}, "
                    f"that one ends at {last_end_by_side[u.speaker]})"
                )
            previous_start = u.start
            last_end_by_side[u.speaker] = max(u.end, last_end_by_side.get(u.speaker, 0.0))
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
            return int(round(max(u.end for u in self.transcript)))
        return 0

    def resolved_end(self) -> datetime:
        return self.ended_at or self.started_at + timedelta(seconds=self.resolved_duration())


def error_messages(exc) -> list[str]:
    """Pydantic errors as 'field.path: message' lines."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if loc else msg)
    return lines
