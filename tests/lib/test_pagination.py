"""The API's cursor pagination refuses crafted cursors with a 422 naming ``cursor``."""

from __future__ import annotations

import base64

import pytest


def cursor(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "raw",
    [b"p=abc", b"p=1%00", b"p=1.5", b"p=99999999999999999999999", b"o=999999999", b"o=-1", b"p=\xff"],
)
@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/audit", "/api/v1/evaluations", "/api/v1/notifications"])
def test_a_crafted_cursor_is_refused_naming_it(client_for, url, raw):
    response = client_for("admin").get(url, {"cursor": cursor(raw)})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0].get("loc") == ["query", "cursor"] or "cursor" in detail[0]


def test_the_cursors_it_makes_still_page_both_ways(client_for, personas):
    client = client_for("admin")
    first = client.get("/api/v1/users", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert len(first["results"]) == 3 and second["results"]
    assert {u["id"] for u in first["results"]}.isdisjoint({u["id"] for u in second["results"]})
    assert [u["id"] for u in back["results"]] == [u["id"] for u in first["results"]]


def test_a_keyset_lists_links_keep_its_parameters_and_replace_the_cursor():
    """One builder for keyset lists' next/previous links (docs/api.md#paging), used by the interactions API."""
    from cxq.interactions import api as interactions_api
    from cxq.lib.pagination import url_with_cursor

    url = "https://cxq.test/api/v1/interactions?q=refund&channel=voice&cursor=old&page_size=5"
    assert url_with_cursor(url, None) is None
    assert url_with_cursor(url, "abc=") == (
        "https://cxq.test/api/v1/interactions?q=refund&channel=voice&page_size=5&cursor=abc%3D"
    )
    assert url_with_cursor("https://cxq.test/x?empty=", "c") == "https://cxq.test/x?empty=&cursor=c"
    assert not hasattr(interactions_api, "_with_cursor")
