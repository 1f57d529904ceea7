"""Fetching a user-supplied URL without turning the server into a proxy into its own network (SSRF).

Every request, and every redirect hop, passes the same checks before anything is sent:

1. the scheme is https, or http when the operator allowed it;
2. the URL carries no ``user:password@``;
3. host AND port are on the allow-list: an entry ``host`` allows only the scheme's default port
   (443/80), ``host:port`` exactly that port;
4. the host name is resolved once, and every address it resolves to must be public: loopback,
   private, shared (CGNAT), link-local, site-local, reserved, unspecified and multicast addresses
   are refused unless they fall in a network the operator listed;
5. the connection goes to an address checked in step 4, while the Host header and TLS (SNI and the
   certificate check) still use the name, so a DNS answer that changes between the check and the
   connection (rebinding) cannot send the request elsewhere.

Every request is sent by ``send_once``: one request (a POST, say), never following a redirect. ``open_url``
GETs and follows redirects by hand, at most ``MAX_REDIRECTS`` of them, each hop a ``send_once`` to a target
checked as above.
Proxies from the environment are not used: a proxy would resolve the name itself and undo step 5.

A policy with ``any_host`` skips step 3 (outbound webhooks go to any public host an admin names);
``setting`` is the prefix of the settings its refusals point the operator to.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"https": 443, "http": 80}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchRefused(ValueError):
    """The URL (or a redirect) is outside what the policy allows; the message says why in plain words."""


def parse_host_entry(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port`` or ``[v6]:port`` as (lower-case host, port or None)."""
    try:
        parts = urlsplit("//" + entry.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or parts.path or parts.query or parts.username:
        raise ValueError(f"{entry!r} is not a host name or host:port")
    return host.lower(), port


def parse_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP network (e.g. 10.20.0.0/16 or 192.0.2.7)") from None
    return tuple(networks)


@dataclass(frozen=True)
class FetchPolicy:
    hosts: frozenset[tuple[str, int | None]] = frozenset()
    allow_http: bool = False
    private_networks: tuple[IPNetwork, ...] = field(default=())
    any_host: bool = False  # step 3 off: any host whose addresses pass step 4
    setting: str = "CXQ_MEDIA_FETCH"  # the settings' prefix, named in refusals

    @classmethod
    def build(
        cls,
        *,
        hosts: Iterable[str] = (),
        allow_http: bool = False,
        private_networks: Iterable[str] = (),
        any_host: bool = False,
        setting: str = "CXQ_MEDIA_FETCH",
    ):
        """From the settings' strings; a bad entry raises ValueError naming it."""
        return cls(
            hosts=frozenset(parse_host_entry(h) for h in hosts),
            allow_http=allow_http,
            private_networks=parse_networks(private_networks),
            any_host=any_host,
            setting=setting,
        )


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}"


def check_url(url: str, policy: FetchPolicy) -> Target:
    """Steps 1–3 (no DNS): the target the URL names, or FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused("the URL is not valid (check the port).") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise FetchRefused("give an https URL.")
    if scheme == "http" and not policy.allow_http:
        raise FetchRefused(f"give an https URL; plain http is off ({policy.setting}_ALLOW_HTTP).")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("the URL must not contain a user name or password.")
    host = parts.hostname.lower()
    port = port or DEFAULT_PORTS[scheme]
    allowed = (host, port) in policy.hosts or (port == DEFAULT_PORTS[scheme] and (host, None) in policy.hosts)
    if not allowed and not policy.any_host:
        where = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
        raise FetchRefused(
            f"fetching from {where} is not allowed; the operator lists allowed hosts (and ports) in "
            f"{policy.setting}_HOSTS."
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path)


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return is_public(address.ipv4_mapped)
        if address.sixtofour and not is_public(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class Address:
    family: int
    sockaddr: tuple  # as getaddrinfo gives it, connected to without another lookup


def resolve(target: Target, policy: FetchPolicy) -> list[Address]:
    """Step 4: the addresses to connect to, all of them checked; FetchRefused if any is not allowed
    (a name that answers with one public and one internal address is not trusted either)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchRefused(f"{target.host} could not be resolved ({exc.strerror}).") from None
    addresses = list(dict.fromkeys(Address(family, sockaddr) for family, _, _, _, sockaddr in infos))
    for candidate in addresses:
        address = ipaddress.ip_address(candidate.sockaddr[0].split("%", 1)[0])  # drop a zone ("fe80::1%eth0")
        if is_public(address) or any(address in network for network in policy.private_networks):
            continue
        logger.warning("Refused to fetch from %s: it resolves to %s, not a public address", target.host, address)
        raise FetchRefused(
            f"{target.host} resolves to a non-public address (loopback, private, link-local, reserved or "
            f"multicast); the operator allows such networks in {policy.setting}_PRIVATE_NETWORKS."
        )
    if not addresses:
        raise FetchRefused(f"{target.host} could not be resolved.")
    return addresses


def _connect(addresses: list[Address], timeout: float | None) -> socket.socket:
    """A TCP connection to the first of the checked ``addresses`` that answers. Built by hand rather
    than with ``socket.create_connection``, which would look the address up again."""
    error: OSError | None = None
    for address in addresses:
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(address.sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client does
        return sock
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, addresses: list[Address], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[Address], timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.timeout)
        # SNI and the certificate check use the name, though the socket went to a checked address.
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _connection(url: str, policy: FetchPolicy, timeout: float) -> tuple[http.client.HTTPConnection, Target]:
    """Steps 1–4 for ``url`` and a connection pinned to the checked addresses (not yet opened)."""
    target = check_url(url, policy)
    addresses = resolve(target, policy)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    return kind(target.host, target.port, addresses=addresses, timeout=timeout), target


@contextmanager
def send_once(
    method: str,
    url: str,
    *,
    policy: FetchPolicy,
    timeout: float,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Iterator[http.client.HTTPResponse]:
    """One request to ``url``; yields the response whatever its status. A redirect is not followed
    (the caller sees the 3xx). Raises FetchRefused, OSError or HTTPException like ``open_url``."""
    connection, target = _connection(url, policy, timeout)
    try:
        connection.request(method, target.path, body=body, headers=headers or {})
        yield connection.getresponse()
    finally:
        connection.close()


@contextmanager
def open_url(
    url: str,
    *,
    policy: FetchPolicy,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> Iterator[tuple[http.client.HTTPResponse, str]]:
    """GET ``url`` following allowed redirects; yields the final response (any status but a redirect)
    and its URL. Each hop is one ``send_once``, checked afresh. Anything else than a GET (a POST with a
    body) is ``send_once`` itself: a request with a body is never replayed elsewhere. Raises FetchRefused
    for anything the policy forbids, OSError/HTTPException for network failures."""
    for hop in range(MAX_REDIRECTS + 1):
        with ExitStack() as stack:
            try:
                response = stack.enter_context(send_once("GET", url, policy=policy, timeout=timeout, headers=headers))
            except FetchRefused as exc:
                if hop == 0:
                    raise
                raise FetchRefused(f"the server redirected to {url}: {exc}") from None
            location = response.getheader("Location")
            if response.status in REDIRECT_STATUSES and location:
                url = urljoin(url, location.strip())
                continue
            yield response, url
            return
    raise FetchRefused(f"the server redirected more than {MAX_REDIRECTS} times.")
