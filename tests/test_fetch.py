"""cxq.lib.fetch: allow-list by scheme, host and port on every redirect hop, public addresses only,
and a connection to the address that was checked. Only loopback servers are ever contacted; other
names and addresses are resolved by a stand-in for DNS."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cxq.lib import fetch
from cxq.lib.fetch import FetchPolicy, FetchRefused, open_url

LOOPBACK = ["127.0.0.1/32"]
ROOT = Path(__file__).resolve().parent.parent


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.seen.append((self.path, self.headers.get("Host")))
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect/").replace("|", "/"))
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.end_headers()
            self.wfile.write(b"media")

    def log_message(self, *args):
        pass


class Server:
    def __init__(self, tls: ssl.SSLContext | None = None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.seen = []
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def seen(self) -> list[tuple[str, str]]:
        return self.httpd.seen

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def other_server():
    s = Server()
    yield s
    s.close()


def get(url: str, policy: FetchPolicy) -> tuple[int, bytes, str]:
    with open_url(url, policy=policy, timeout=5) as (response, final_url):
        return response.status, response.read(), final_url


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Resolve the names in ``answers`` to the given addresses; record each lookup."""
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[6 if ":" in a else 4], socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)) for a in answers[host]
        ]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture
def no_connections(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(fetch, "_connect", refuse)


def test_a_loopback_server_allowed_by_host_port_and_network_is_fetched(server):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    assert get(f"http://127.0.0.1:{server.port}/call.mp3", policy)[:2] == (200, b"media")


def test_the_port_is_part_of_the_allow_list(server, other_server):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    with pytest.raises(FetchRefused, match=f"127.0.0.1:{other_server.port} is not allowed"):
        get(f"http://127.0.0.1:{other_server.port}/call.mp3", policy)
    bare_host = FetchPolicy.build(hosts=["127.0.0.1"], allow_http=True, private_networks=LOOPBACK)
    with pytest.raises(FetchRefused, match="not allowed"):  # a bare host allows only port 80 for http
        get(f"http://127.0.0.1:{server.port}/call.mp3", bare_host)
    assert other_server.seen == [] and server.seen == []


def test_a_redirect_within_the_allow_list_is_followed(server):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    status, content, final = get(f"http://127.0.0.1:{server.port}/redirect/|media|call.mp3", policy)
    assert (status, content, final) == (200, b"media", f"http://127.0.0.1:{server.port}/media/call.mp3")


def test_a_redirect_to_a_port_or_host_outside_the_allow_list_is_refused(server, other_server):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    elsewhere = f"http:||127.0.0.1:{other_server.port}|call.mp3"
    with pytest.raises(FetchRefused, match=f"redirected to http://127.0.0.1:{other_server.port}/call.mp3"):
        get(f"http://127.0.0.1:{server.port}/redirect/{elsewhere}", policy)
    with pytest.raises(FetchRefused, match="redirected to http://metadata.internal/.*not allowed"):
        get(f"http://127.0.0.1:{server.port}/redirect/http:||metadata.internal|latest", policy)
    assert other_server.seen == []


def test_redirects_are_followed_a_bounded_number_of_times(server):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    with pytest.raises(FetchRefused, match="redirected more than 5 times"):
        get(f"http://127.0.0.1:{server.port}/loop", policy)
    assert len(server.seen) == fetch.MAX_REDIRECTS + 1


def test_plain_http_is_refused_unless_allowed_and_other_schemes_always(server, no_connections):
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], private_networks=LOOPBACK)
    with pytest.raises(FetchRefused, match="CXQ_MEDIA_FETCH_ALLOW_HTTP"):
        get(f"http://127.0.0.1:{server.port}/call.mp3", policy)
    for url in ("ftp://127.0.0.1/call.mp3", "file:///etc/passwd", "gopher://127.0.0.1:70/"):
        with pytest.raises(FetchRefused, match="https URL"):
            get(url, policy)


def test_https_keeps_path_and_query_and_http_is_refused_before_any_lookup(monkeypatch, no_connections):
    fake_dns(monkeypatch, {})
    policy = FetchPolicy.build(hosts=["media.example.com"])
    with pytest.raises(FetchRefused, match="plain http is off"):
        fetch.check_url("http://media.example.com/call.mp3", policy)
    assert fetch.check_url("https://media.example.com/call.mp3?x=1", policy).path == "/call.mp3?x=1"


def test_credentials_in_the_url_are_refused(no_connections):
    policy = FetchPolicy.build(hosts=["media.example.com"])
    with pytest.raises(FetchRefused, match="user name or password"):
        get("https://user:pw@media.example.com/call.mp3", policy)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",
    ],
)
def test_a_host_resolving_to_a_non_public_address_is_refused(monkeypatch, no_connections, address):
    fake_dns(monkeypatch, {"media.example.com": [address]})
    policy = FetchPolicy.build(hosts=["media.example.com"])
    with pytest.raises(FetchRefused, match="non-public address.*CXQ_MEDIA_FETCH_PRIVATE_NETWORKS"):
        get("https://media.example.com/call.mp3", policy)


def test_a_host_resolving_to_a_public_and_a_private_address_is_refused(monkeypatch, no_connections):
    fake_dns(monkeypatch, {"media.example.com": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(FetchRefused, match="non-public"):
        get("https://media.example.com/call.mp3", FetchPolicy.build(hosts=["media.example.com"]))


def test_public_addresses_pass_and_listed_private_networks_are_allowed(monkeypatch):
    assert all(fetch.is_public(fetch.ipaddress.ip_address(a)) for a in ("93.184.216.34", "2606:4700::1111"))
    fake_dns(monkeypatch, {"media.example.com": ["10.20.0.7"]})
    target = fetch.check_url("https://media.example.com/a.mp3", FetchPolicy.build(hosts=["media.example.com"]))
    allowed = FetchPolicy.build(hosts=["media.example.com"], private_networks=["10.20.0.0/16"])
    assert [a.sockaddr for a in fetch.resolve(target, allowed)] == [("10.20.0.7", 443)]


def test_the_name_is_resolved_once_and_the_checked_address_is_connected_to(monkeypatch, server):
    """A rebinding DNS answers 127.0.0.1 (allowed here) first and 127.0.0.2 (not listed, nothing
    listening) after that: the fetch must neither look the name up again nor lose the name in the
    Host header."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", rebinding)
    policy = FetchPolicy.build(hosts=[f"media.test:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    assert get(f"http://media.test:{server.port}/call.mp3", policy)[:2] == (200, b"media")
    assert lookups == ["media.test"]
    assert server.seen == [("/call.mp3", f"media.test:{server.port}")]


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command to make a test certificate")
def test_https_to_the_checked_address_uses_the_name_for_sni_and_the_certificate(monkeypatch, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=media.test"]
        + ["-addext", "subjectAltName=DNS:media.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    names = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    tls.sni_callback = lambda sock, name, ctx: names.append(name)
    server = Server(tls)
    try:
        trusting = ssl.create_default_context
        monkeypatch.setattr(fetch.ssl, "create_default_context", lambda: trusting(cafile=cert))
        fake_dns(monkeypatch, {"media.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
        hosts = [f"media.test:{server.port}", f"other.test:{server.port}"]
        policy = FetchPolicy.build(hosts=hosts, private_networks=LOOPBACK)
        assert get(f"https://media.test:{server.port}/call.mp3", policy)[:2] == (200, b"media")
        assert names == ["media.test"] and server.seen == [("/call.mp3", f"media.test:{server.port}")]
        with pytest.raises(ssl.SSLCertVerificationError):  # the certificate is checked against the name
            get(f"https://other.test:{server.port}/call.mp3", policy)
    finally:
        server.close()


@pytest.mark.parametrize("entry", ["", "http://host", "host/path", "host:notaport", "host:99999", "u@host"])
def test_a_bad_allow_list_entry_is_a_configuration_error(entry):
    with pytest.raises(ValueError, match="host name or host:port"):
        FetchPolicy.build(hosts=[entry])
    with pytest.raises(ValueError, match="not an IP network"):
        FetchPolicy.build(hosts=[], private_networks=["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CXQ_MEDIA_FETCH_HOSTS", "media.example.com/x"), ("CXQ_MEDIA_FETCH_PRIVATE_NETWORKS", "10.0.0")],
)
def test_settings_refuse_to_start_with_a_bad_fetch_entry(tmp_path, variable, value):
    env = {**os.environ, variable: value, "CXQ_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", "import cxq.settings"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and repr(value) in result.stderr


def test_every_request_is_sent_by_send_once_and_only_a_get_follows_redirects(server, monkeypatch):
    """One path sends requests (docs/webhooks.md, docs/sso.md use it too): ``open_url`` is a GET that
    follows redirects, each hop one ``send_once``; it takes no method or body."""
    policy = FetchPolicy.build(hosts=[f"127.0.0.1:{server.port}"], allow_http=True, private_networks=LOOPBACK)
    sent = []
    real = fetch.send_once

    def recording(method, url, **kwargs):
        sent.append((method, url))
        return real(method, url, **kwargs)

    monkeypatch.setattr(fetch, "send_once", recording)
    assert get(f"http://127.0.0.1:{server.port}/redirect/|call.mp3", policy)[:2] == (200, b"media")
    base = f"http://127.0.0.1:{server.port}"
    assert sent == [("GET", f"{base}/redirect/|call.mp3"), ("GET", f"{base}/call.mp3")]
    with pytest.raises(TypeError):
        open_url(f"{base}/call.mp3", policy=policy, timeout=5, method="POST", body=b"x").__enter__()
