"""Every page, for every persona, carries the strict Content-Security-Policy with the page's nonce and no
inline code (docs/content-security-policy.md). It walks the permission matrix's world, which is built
once per module: that is why this test has a module of its own."""

from __future__ import annotations

import pytest

from tests.test_content_security_policy import CSP, SCRIPT_TAG, SHELL_SCRIPTS, assert_strict, inline_code
from tests.test_permission_matrix import WEB, WHO, client_as, matrix_world, web_request, world  # noqa: F401


@pytest.mark.django_db
def test_every_page_for_every_persona_has_a_strict_policy_with_the_pages_nonce(world):  # noqa: F811
    pages = sorted(name for name, method in WEB if method == "GET")
    html_pages = 0
    for who in WHO:
        client = client_as(who, world)
        for name in pages:
            url, _ = web_request(name, "GET", world)
            response = client.get(url)
            where = f"GET {url} as {who} ({response.status_code})"
            policy = assert_strict(response.headers.get(CSP), where)
            assert response.headers["X-Content-Type-Options"] == "nosniff", where
            assert response.headers["X-Frame-Options"] == "DENY", where
            assert response.headers["Referrer-Policy"] == "same-origin", where
            if not response.headers.get("Content-Type", "").startswith("text/html") or not hasattr(response, "content"):
                continue
            html = response.content.decode()
            assert not inline_code(html), f"{where}: inline code the policy blocks: {inline_code(html)}"
            if "<html" not in html:
                continue  # an htmx fragment runs under the policy of the page it lands in
            if name.startswith("moments:public"):
                # the external viewer of a moment is a page of its own, without the shell: no script at all
                assert "<script" not in html, f"{where}: the external viewer runs no script"
                continue
            html_pages += 1
            nonces = [v for v in policy["script-src"] if v.startswith("'nonce-")]
            assert len(nonces) == 1, f"{where}: script-src has no nonce: {policy['script-src']}"
            nonce = nonces[0][len("'nonce-") : -1]
            shell = [t for t in SCRIPT_TAG.findall(html) if SHELL_SCRIPTS.search(t)]
            assert len(shell) == 3 and all(f'nonce="{nonce}"' in tag for tag in shell), f"{where}: {shell}"
    # Full pages were seen for each persona, including the anonymous login page and refusals.
    assert html_pages > 100
