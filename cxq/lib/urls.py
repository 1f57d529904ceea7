from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """A link for emails and exports, built from the configured public base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.CXQ_BASE_URL.rstrip("/") + "/" + path.lstrip("/")
