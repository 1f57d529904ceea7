"""The API's cursor pagination: django-ninja's, with the cursor checked before it reaches a query.

Ninja's cursor is base64 of ``p=<position>&o=<offset>&r=<reverse>``; a crafted one with a position that
is not an id (``p=abc``) or an offset out of its range made a 500. Every paginated list here is ordered
by id, so a position is an integer that fits the column.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ninja import Schema
from ninja.errors import ValidationError
from ninja.pagination import CursorPagination as NinjaCursorPagination
from pydantic import ValidationError as SchemaError

from cxq.lib.inputs import Text

_ID = re.compile(r"-?[0-9]{1,19}")


class CursorPagination(NinjaCursorPagination):
    class Input(Schema):
        page_size: int | None = None
        cursor: Text | None = None

    def paginate_queryset(self, queryset, pagination: Any, request, **params: Any) -> Any:
        self._check_cursor(pagination.cursor)
        return super().paginate_queryset(queryset, pagination, request, **params)

    def _check_cursor(self, encoded: str | None) -> None:
        try:
            cursor = self.Cursor.from_encoded_param(encoded)
        except SchemaError:
            cursor = None
        if cursor is None or (cursor.p is not None and not _is_id(cursor.p)):
            raise ValidationError(
                [{"type": "value_error", "loc": ["query", "cursor"], "msg": "This cursor is not valid; start again."}]
            )


def _is_id(position: str) -> bool:
    return bool(_ID.fullmatch(position)) and -(2**63) <= int(position) < 2**63


def url_with_cursor(url: str, cursor: str | None) -> str | None:
    """``url`` with another page's cursor, its other parameters kept in their order: the ``next`` and
    ``previous`` links of a list paged by its own keyset (``{results, next, previous}`` like ninja's lists;
    docs/api.md#paging). Here rather than ninja's: its URL builder (``CursorPagination._add_cursor_to_URL``)
    is private, takes ninja's own cursor object rather than an encoded keyset, and re-sorts the parameters."""
    if cursor is None:
        return None
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("cursor", cursor)])))
