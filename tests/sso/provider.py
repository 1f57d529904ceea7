"""Start the real OpenID provider of the tests (tests/sso/op.mjs: npm's certified `oidc-provider`) and
act as a person's browser in front of it where no real browser is needed (service tests)."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("op.mjs")
START_SECONDS = 30

ACCOUNTS = {
    # login name (the subject) → claims. Any password is accepted at the provider's login page.
    "ana": {
        "email": "ana.sso@example.com",
        "email_verified": True,
        "name": "Ana Sso",
        "groups": ["cxq-leads", "north"],
    },
    "bo": {"email": "bo.sso@example.com", "email_verified": True, "name": "Bo Sso", "groups": ["south"]},
    "unverified": {"email": "agent.a1@example.com", "email_verified": False, "name": "Not Andy", "groups": []},
    "andy": {"email": "agent.a1@example.com", "email_verified": True, "name": "Andy", "groups": ["north"]},
}


@dataclass(frozen=True)
class LocalProvider:
    issuer: str
    client_id: str
    client_secret: str

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"


@contextmanager
def run_provider(*cxq_base_urls: str, accounts: dict | None = None) -> Iterator[LocalProvider]:
    """The provider on a free port of 127.0.0.1, with one confidential client whose redirect and
    post-logout URIs are those of each CXQ base URL given."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the SSO tests need Node.js and `npm install` (scripts/setup) for oidc-provider")
    client = {
        "client_id": "cxq-test",
        "client_secret": secrets.token_urlsafe(24),
        "redirect_uris": [f"{base}/sso/callback/" for base in cxq_base_urls],
        "post_logout_redirect_uris": [f"{base}/login/" for base in cxq_base_urls],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    setup = {"clients": [client], "accounts": accounts or ACCOUNTS}
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdin.write(json.dumps(setup))
        process.stdin.close()
        issuer = _read_issuer(process)
        yield LocalProvider(issuer=issuer, client_id=client["client_id"], client_secret=client["client_secret"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_issuer(process: subprocess.Popen) -> str:
    """The first stdout line, within START_SECONDS; the provider's stderr if it died instead."""
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_SECONDS)
    if not found or not found[0].strip():
        process.kill()
        raise RuntimeError(f"the test OpenID provider did not start: {process.stderr.read()[-2000:]}")
    threading.Thread(target=process.stderr.read, daemon=True).start()  # keep its pipe drained
    return json.loads(found[0])["issuer"]


class ProviderBrowser:
    """Follows the provider's pages as a person would (login form, consent) with a cookie jar, and stops
    at the redirect back to CXQ, returning its query parameters."""

    def __init__(self):
        self.session = requests.Session()

    def authorize(self, url: str, *, login: str, password: str = "any-password") -> dict[str, str]:
        response = self._follow(url)
        for _ in range(4):
            if isinstance(response, dict):
                return response
            action, fields = _form(response)
            if fields.get("prompt") == "login":
                fields |= {"login": login, "password": password}
            response = self._follow(urljoin(response.url, action), data=fields)
        raise AssertionError("the provider never redirected back")

    def _follow(self, url: str, *, data: dict | None = None):
        response = self.session.post(url, data=data, allow_redirects=False) if data is not None else None
        if response is None:
            response = self.session.get(url, allow_redirects=False)
        for _ in range(10):
            if response.status_code not in (302, 303):
                response.raise_for_status()
                return response
            location = urljoin(response.url, response.headers["Location"])
            if "/sso/callback/" in location:
                return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            response = self.session.get(location, allow_redirects=False)
        raise AssertionError("too many redirects at the provider")


def _form(response) -> tuple[str, dict[str, str]]:
    html = response.text
    action = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert action, f"no form on the provider's page: {html[:500]}"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return unescape(action.group(1)), {k: unescape(v) for k, v in hidden.items()}
