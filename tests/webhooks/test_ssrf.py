"""The destination guard for endpoints (docs/webhooks.md#destinations): any public host; loopback,
private, shared, link-local, multicast, reserved and unspecified addresses — IPv4, IPv6 and
IPv4-mapped — only inside CXQ_WEBHOOK_PRIVATE_NETWORKS; the address checked is the one connected to;
redirects are never followed. Names are resolved by a stand-in for DNS; only loopback is contacted."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from cxq.lib import fetch
from cxq.webhooks import services
from cxq.webhooks.models import Endpoint
from tests.test_fetch import fake_dns, no_connections  # noqa: F401 (fixture)

NON_PUBLIC = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "10.0.0.5",  # private
    "172.16.3.4",
    "192.168.1.1",
    "100.64.0.1",  # shared (CGNAT)
    "169.254.169.254",  # link-local: cloud metadata
    "0.0.0.0",  # unspecified
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "192.0.2.7",  # documentation (reserved)
    "::1",  # IPv6 loopback
    "::",  # unspecified
    "fe80::1",  # link-local
    "fc00::1",  # unique local
    "fec0::1",  # site-local
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "::ffff:169.254.169.254",  # IPv4-mapped metadata
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
]

pytestmark = pytest.mark.django_db


def _create(personas, url: str) -> Endpoint:
    return services.endpoint_create(
        by=personas.admin,
        name="Hook",
        url=url,
        events=["evaluation.completed"],
        secret=services.secret_generate(by=personas.admin),
    )


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_a_host_resolving_to_a_non_public_address_is_refused(personas, monkeypatch, no_connections, address):  # noqa: F811
    fake_dns(monkeypatch, {"hooks.example.com": [address]})
    with pytest.raises(ValidationError, match="non-public address.*CXQ_WEBHOOK_PRIVATE_NETWORKS"):
        _create(personas, "https://hooks.example.com/cxq")
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "[::1]", "[::ffff:192.168.0.1]", "169.254.169.254"])
def test_a_literal_non_public_address_is_refused(personas, no_connections, address):  # noqa: F811
    with pytest.raises(ValidationError, match="non-public address"):
        _create(personas, f"https://{address}/cxq")


def test_one_internal_address_among_public_ones_is_refused(personas, monkeypatch, no_connections):  # noqa: F811
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(ValidationError, match="non-public"):
        _create(personas, "https://hooks.example.com/cxq")


def test_a_public_address_passes_the_guard(monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "2606:4700::1111"]})
    target = fetch.check_url("https://hooks.example.com/cxq", services.fetch_policy())
    assert [a.sockaddr[0] for a in fetch.resolve(target, services.fetch_policy())] == [
        "93.184.216.34",
        "2606:4700::1111",
    ]


def test_an_allow_listed_network_is_allowed_and_only_that_one(monkeypatch):
    fake_dns(monkeypatch, {"hooks.internal": ["10.20.0.7"], "other.internal": ["10.30.0.7"]})
    with override_settings(CXQ_WEBHOOK_PRIVATE_NETWORKS=["10.20.0.0/16"]):
        policy = services.fetch_policy()
        target = fetch.check_url("https://hooks.internal/cxq", policy)
        assert [a.sockaddr for a in fetch.resolve(target, policy)] == [("10.20.0.7", 443)]
        with pytest.raises(fetch.FetchRefused, match="non-public"):
            fetch.resolve(fetch.check_url("https://other.internal/cxq", policy), policy)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/cxq", "CXQ_WEBHOOK_ALLOW_HTTP"),
        ("ftp://hooks.example.com/cxq", "https URL"),
        ("file:///etc/passwd", "https URL"),
        ("https://user:pw@hooks.example.com/cxq", "user name or password"),
        ("https://hooks.example.com:99999/", "port"),
    ],
)
def test_urls_outside_the_policy_are_refused_before_any_lookup(personas, monkeypatch, no_connections, url, message):  # noqa: F811
    lookups = fake_dns(monkeypatch, {})
    with pytest.raises(ValidationError, match=message):
        _create(personas, url)
    assert lookups == []


def test_the_address_checked_is_the_address_connected_to(personas, receiver, monkeypatch):
    """DNS rebinding: the name answers loopback (allow-listed) once, then an address nobody listens on;
    CXQ resolves once and connects to what it checked, keeping the name in the Host header."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", rebinding)
    receiver.secret = services.secret_generate(by=personas.admin)
    endpoint = services.endpoint_create(
        by=personas.admin,
        name="Rebind",
        url=f"http://hooks.test:{receiver.port}/cxq",
        events=["evaluation.completed"],
        secret=receiver.secret,
    )
    assert endpoint.pk and lookups == ["hooks.test"]
    ((headers, _),) = receiver.raw
    assert headers["Host"] == f"hooks.test:{receiver.port}"


def test_a_redirect_is_never_followed_on_delivery(personas, receiver, endpoint_for, django_capture_on_commit_callbacks):
    endpoint = endpoint_for()
    receiver.script = ["redirect"]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_send_test(by=personas.admin, endpoint=endpoint)
    (attempt,) = delivery.log.all()
    assert (attempt.ok, attempt.response_code) == (False, 307)
    assert "redirects are not followed" in attempt.error
    assert len(receiver.raw) == 2  # the handshake and the one refused delivery: nothing at the Location


def test_an_allow_listed_private_receiver_still_needs_its_exact_network(personas, receiver):
    with (
        override_settings(CXQ_WEBHOOK_PRIVATE_NETWORKS=["127.0.0.2/32"]),
        pytest.raises(ValidationError, match="non-public"),
    ):
        _create(personas, receiver.url)
    assert receiver.raw == []


@pytest.mark.parametrize("value", ["10.0.0", "10.0.0.0/33", "hooks.internal"])
def test_settings_refuse_to_start_with_a_bad_private_network(tmp_path, value):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "CXQ_WEBHOOK_PRIVATE_NETWORKS": value, "CXQ_VAR_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", "import cxq.settings"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "CXQ_WEBHOOK_PRIVATE_NETWORKS" in result.stderr
