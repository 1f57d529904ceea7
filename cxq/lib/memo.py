"""Per-request memo (docs/performance.md#dashboards): a reading request (GET/HEAD) asks for the same few
rows many times — the organisation's settings, the teams the viewer leads — from the view, the context
processors and each panel. ``request_memo`` computes such a value once per request; outside a request
(commands, tasks, tests calling selectors) and in requests that may write (POST…), it computes every time,
so a value changed by the request itself is never served stale."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_store: ContextVar[dict | None] = ContextVar("cxq_request_memo", default=None)


def request_memo(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, computed once per reading request under ``key``."""
    store = _store.get()
    if store is None:
        return make()
    if key not in store:
        store[key] = make()
    return store[key]


class RequestMemoMiddleware:
    """Opens the memo for GET and HEAD requests, closes it when the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _store.set({})
        try:
            return self.get_response(request)
        finally:
            _store.reset(token)
