"""Typed readers for environment variables.

Each helper returns a parsed value or raises ``ImproperlyConfigured`` naming the variable, so a bad
deployment fails at start-up with a clear message instead of misbehaving later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    return (environ if environ is not None else os.environ).get(name, default)


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    raw = (environ if environ is not None else os.environ).get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), got {raw!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    raw = (environ if environ is not None else os.environ).get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    raw = (environ if environ is not None else os.environ).get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] | None = None) -> str:
    """One of ``choices`` (case-insensitive); unset or empty gives ``default``."""
    raw = (environ if environ is not None else os.environ).get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


DEFAULT_BIND = "127.0.0.1:8000"


def base_url_from_bind(bind: str) -> str:
    """The public address implied by the address ``cxq serve`` binds to (``CXQ_BIND`` / ``--bind``), for
    when ``CXQ_BASE_URL`` is not set: ``127.0.0.1:9000`` → ``http://127.0.0.1:9000``. A wildcard host
    (``0.0.0.0``, ``::``, empty) becomes ``localhost`` (the port is kept); a Unix socket or a bind without a
    port gives plain ``http://localhost``. Behind a proxy or under another name, set ``CXQ_BASE_URL``."""
    bind = (bind or "").strip().split()[0] if (bind or "").strip() else ""
    if not bind or bind.startswith(("unix:", "fd://")):
        return "http://localhost"
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        return "http://localhost"
    if host.strip("[]") in ("", "0.0.0.0", "::"):  # noqa: S104 -- reading a bind address, not binding
        host = "localhost"
    return f"http://{host}" if port == "80" else f"http://{host}:{port}"
