"""HTTPS settings: Secure cookies, HSTS and the proxy header follow CXQ_HTTPS (default: on when
CXQ_BASE_URL is https://); the local demo over plain http keeps cookies that work over http.

Settings are read once at start-up, so each case loads them in a fresh interpreter with its own
environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEYS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
)
PROGRAM = (
    "import json; from django.conf import settings; "
    f"print(json.dumps({{k: getattr(settings, k, None) for k in {KEYS!r}}}, default=str))"
)


def load_settings(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CXQ_") and k != "DJANGO_SETTINGS_MODULE"}
    base.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="cxq.settings", CXQ_VAR_DIR=str(var_dir), **env)
    return subprocess.run([sys.executable, "-c", PROGRAM], env=base, capture_output=True, text=True, cwd=ROOT)


@pytest.fixture
def settings_with(tmp_path):
    def load(**env: str) -> dict:
        done = load_settings(tmp_path, **env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return load


def test_the_local_demo_over_http_sends_no_secure_cookies_and_no_hsts(settings_with):
    s = settings_with()
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    # Headers that hold whatever the scheme.
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is False


def test_https_turns_on_secure_cookies_hsts_and_the_proxy_header(settings_with):
    s = settings_with(CXQ_HTTPS="true")
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False and s["SECURE_HSTS_PRELOAD"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True


def test_an_https_base_url_means_https_unless_turned_off(settings_with):
    on = settings_with(CXQ_BASE_URL="https://qa.example.com")
    assert on["SESSION_COOKIE_SECURE"] is True and on["SECURE_HSTS_SECONDS"] == 31_536_000
    off = settings_with(CXQ_BASE_URL="https://qa.example.com", CXQ_HTTPS="false")
    assert off["SESSION_COOKIE_SECURE"] is False and off["SECURE_HSTS_SECONDS"] == 0
    # The variable's former name still works.
    assert settings_with(CXQ_SECURE_COOKIES="true")["CSRF_COOKIE_SECURE"] is True


def test_hsts_and_the_proxy_header_can_be_tuned(settings_with):
    s = settings_with(
        CXQ_HTTPS="true",
        CXQ_HSTS_SECONDS="600",
        CXQ_HSTS_INCLUDE_SUBDOMAINS="true",
        CXQ_HSTS_PRELOAD="yes",
        CXQ_BEHIND_PROXY="false",
    )
    assert s["SECURE_HSTS_SECONDS"] == 600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] is None


def test_the_policy_can_be_sent_report_only(settings_with):
    s = settings_with(CXQ_CSP_REPORT_ONLY="true")
    assert s["CONTENT_SECURITY_POLICY"] is None
    assert s["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]["script-src"][0] == "'self'"


def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path):
    done = load_settings(tmp_path, CXQ_HTTPS="maybe")
    assert done.returncode != 0 and "CXQ_HTTPS must be a boolean" in done.stderr
