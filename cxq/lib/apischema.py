"""Shared pieces of the API's declarations: the error bodies every router documents, the
optional-UUID query parameter type and the output schemas' public ids.

The API answers every error with one shape, ``{"detail": …}`` (cxq/api.py's exception handlers):
``detail`` is a sentence for 400/401/403/404/409 (a 400 from a model or service validation also
carries ``errors``, every field's messages), and the list of problems for a 422 (a parameter or body
that does not match its declared type). ``errors(…)`` builds the ``response=`` entries for the codes an
operation can answer, so the OpenAPI document lists them.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from cxq.lib.inputs import Day


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in plain words; a field's name first when one is to blame")
    errors: dict[str, list[str]] | None = Field(
        None, description="On a 400 from validation: every field's messages, by field name"
    )


class ValidationIssue(Schema):
    type: str
    loc: list[str | int] = Field(description='Where: ["query", name], ["path", name] or ["body", field, …]')
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    detail: list[ValidationIssue]


_ERROR_SCHEMAS: dict[int, type[Schema]] = {
    400: ErrorOut,  # the request is well-formed but a value is refused (the field is named)
    401: ErrorOut,  # no valid token or session
    403: ErrorOut,  # may see, may not do
    404: ErrorOut,  # no such object, or outside the caller's scope
    409: ErrorOut,  # someone saved a newer version first
    422: ValidationErrorOut,  # a parameter or the body does not match its declared type
}


def errors(*codes: int) -> dict[int, type[Schema]]:
    """The error responses of an operation: 401 (every operation needs a token or session) and ``codes``."""
    unknown = set(codes) - set(_ERROR_SCHEMAS)
    if unknown:
        raise ValueError(f"No error body is declared for {sorted(unknown)}")
    return {code: _ERROR_SCHEMAS[code] for code in sorted({401, *codes})}


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# Query filters: a malformed id or date is a 422 naming the parameter, and an empty value (``?team=``,
# as an HTML form or a client building URLs sends it) means "no filter", as it always has.
OptionalUUID = Annotated[UUID | None, BeforeValidator(_blank_is_none)]
OptionalDate = Annotated[Day | None, BeforeValidator(_blank_is_none)]  # a day in 1900-2200


def id_text(value: UUID | None) -> str:
    """An optional id filter as the selectors take it: the id's text, or "" for no filter."""
    return str(value) if value else ""


# Public ids (docs/api.md#basics): an object is known outside by its ``uuid``, never its sequential key.


def uuid_of(path: str = "") -> staticmethod:
    """A resolver for an output field that shows a related object's public id: ``resolve_interaction =
    uuid_of("interaction")`` reads ``obj.interaction.uuid`` (a dotted path goes further,
    ``"evaluation.interaction"``); no related object (None) is None. ``uuid_of()`` is the object's own."""
    names = path.split(".") if path else []

    def resolve(obj):
        for name in names:
            if obj is None:
                return None
            obj = getattr(obj, name)
        return None if obj is None else obj.uuid

    return staticmethod(resolve)


class PublicIdOut(Schema):
    """The base of an output schema whose ``id`` is the object's public id (its ``uuid``). Subclasses
    declare their other fields after it, so ``id`` stays first in the document."""

    id: UUID

    resolve_id = uuid_of()
