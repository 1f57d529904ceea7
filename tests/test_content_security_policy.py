"""Content-Security-Policy: every page, for every persona, is served with a policy that allows no
inline code and no eval, and the templates contain none (no style="", no on*="", no inline <script>).

The browser journeys (tests/e2e) are the proof that the pages still work under the policy: a
violation there fails the journey.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

CSP = "Content-Security-Policy"
TEMPLATE_ROOT = Path(settings.BASE_DIR) / "cxq"


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict(header: str | None, where: str) -> dict[str, list[str]]:
    assert header, f"{where}: no {CSP} header"
    policy = directives(header)
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, f"{where}: {header}"
    assert policy["default-src"] == ["'self'"], where
    assert policy["style-src"] == ["'self'"], where
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], where
    assert policy["script-src"][0] == "'self'", where
    return policy


# What the policy forbids in served HTML: style attributes, inline handlers, javascript: URLs,
# <style> blocks, and <script> elements that neither load a file nor carry the nonce (JSON data
# blocks, as json_script writes them, are not run and so are allowed).
STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
HANDLER_ATTR = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""=\s*["']\s*javascript:""", re.I)
STYLE_TAG = re.compile(r"<style[\s>]", re.I)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
SHELL_SCRIPTS = re.compile(r"vendor/htmx/|vendor/alpinejs-csp/|cxq/app\.js")  # every page's, from base.html


def inline_code(html: str) -> list[str]:
    found = [m.group(0).strip() for rx in (STYLE_ATTR, HANDLER_ATTR, JS_URL, STYLE_TAG) for m in rx.finditer(html)]
    for tag in SCRIPT_TAG.findall(html):
        if not re.search(r"\ssrc\s*=|\snonce\s*=|type\s*=\s*[\"']application/json", tag, re.I):
            found.append(tag)
    return found


@pytest.mark.django_db
def test_error_pages_and_the_api_docs_have_the_policy_too(client_for, client):
    response = client_for("agent_a1").get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response.headers.get(CSP), "404 page")
    assert not inline_code(response.content.decode())

    response = client_for("admin").get("/api/v1/docs")
    assert response.status_code == 200
    assert_strict(response.headers.get(CSP), "API docs")
    assert not inline_code(response.content.decode())

    from cxq.views import server_error

    response = server_error(client.get("/login/").wsgi_request)
    assert not inline_code(response.content.decode())


def served_templates() -> list[Path]:
    """Every HTML template of the project except e-mail bodies (mail clients never apply a CSP)."""
    paths = TEMPLATE_ROOT.glob("**/templates/**/*.html")
    return sorted(p for p in paths if "email" not in p.relative_to(TEMPLATE_ROOT).parts)


def test_no_served_template_has_inline_styles_handlers_or_scripts():
    templates = served_templates()
    assert len(templates) > 50
    offenders = {str(p.relative_to(TEMPLATE_ROOT)): inline_code(p.read_text()) for p in templates}
    assert not {path: found for path, found in offenders.items() if found}


# Alpine's CSP build parses expressions itself: no arrow functions, template literals, statements
# separated by ";", globals (window, document, JSON, String…) or inline object literals in x-data.
ALPINE_ATTR = re.compile(r"""\s(x-[a-z][\w.:-]*|@[\w.:-]+|:[a-z][\w.-]*)\s*=\s*("[^"]*"|'[^']*')""")
UNSUPPORTED = re.compile(r"=>|`|;|\b(window|document|location|JSON|String|Number|Math|setTimeout|console)\b")


def test_alpine_expressions_use_only_what_the_csp_build_evaluates():
    problems = []
    for path in served_templates():
        for attr, value in ALPINE_ATTR.findall(path.read_text()):
            expression = value[1:-1]
            if attr == "x-data" and expression and not re.fullmatch(r"[A-Za-z_]\w*", expression):
                problems.append(f"{path.name}: x-data must name a component registered with Alpine.data: {expression}")
            elif UNSUPPORTED.search(expression):
                problems.append(f"{path.name}: {attr}={value}")
    assert not problems, "\n".join(problems)
