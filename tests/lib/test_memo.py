"""cxq/lib/memo.py: a value computed once per reading request, every time elsewhere."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory

from cxq.lib.memo import RequestMemoMiddleware, request_memo


def _counting_view(calls: list):
    def view(request):
        for _ in range(3):
            request_memo(("k",), lambda: calls.append(1) or len(calls))
        return HttpResponse("ok")

    return view


def test_a_get_request_computes_a_memoised_value_once():
    calls: list = []
    RequestMemoMiddleware(_counting_view(calls))(RequestFactory().get("/"))
    assert len(calls) == 1


def test_a_post_request_and_code_outside_a_request_compute_every_time():
    calls: list = []
    RequestMemoMiddleware(_counting_view(calls))(RequestFactory().post("/"))
    assert len(calls) == 3
    request_memo(("k",), lambda: calls.append(1))
    request_memo(("k",), lambda: calls.append(1))
    assert len(calls) == 5


def test_each_request_has_its_own_memo():
    calls: list = []
    middleware = RequestMemoMiddleware(_counting_view(calls))
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert len(calls) == 2
