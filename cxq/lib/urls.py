from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """A link for emails and exports, built from the configured public base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.CXQ_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def with_cursor(url: str, cursor: str | None) -> str | None:
    """A list's address with another page's cursor (the other parameters kept): the API's ``next`` and
    ``previous`` of keyset pages (cxq/lib/keyset.py)."""
    if cursor is None:
        return None
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("cursor", cursor)])))
