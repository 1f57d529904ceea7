"""The request's client address, made available to services that record audit events."""

from __future__ import annotations

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("cxq_audit_ip", default=None)
