"""A real webhook receiver on loopback for the tests (docs/webhooks.md#receiving).

``Receiver`` is a ThreadingHTTPServer that checks every request the way a customer's receiver
would, with its own code (not CXQ's): the timestamp header, ``x-zm-signature`` recomputed from the
raw body, the ``endpoint.url_validation`` handshake, and deduplication by ``event_id``. It can be
told to answer the next requests with an error status or to hang past CXQ's timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from cxq.webhooks import services
from tests.notifications.conftest import Clock, clock  # noqa: F401 (re-exported fixture)


class _Handler(BaseHTTPRequestHandler):
    server: ReceiverServer

    def do_POST(self):  # noqa: N802 (http.server's hook name)
        recv = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with recv.lock:
            recv.raw.append((dict(self.headers), body))
            behaviour = recv.script.pop(0) if recv.script else "ok"
        if behaviour == "hang":
            time.sleep(recv.hang_seconds)
            return self._answer(200, {"status": "too late"})
        if behaviour == "redirect":  # to the cloud metadata address: must never be followed
            self.send_response(307)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if isinstance(behaviour, int):
            return self._answer(behaviour, {"error": "scripted failure"})
        if not recv.signature_ok(self.headers, body):
            with recv.lock:
                recv.bad_signatures += 1
            return self._answer(401, {"error": "bad signature"})
        event = json.loads(body)
        if event["event"] == "endpoint.url_validation":
            plain = event["payload"]["plainToken"]
            token = recv.handshake_token(plain)
            return self._answer(200, {"plainToken": plain, "encryptedToken": token})
        with recv.lock:
            duplicate = event["event_id"] in recv.events
            if not duplicate:
                recv.events[event["event_id"]] = event
                recv.order.append(event["event_id"])
        self._answer(200, {"status": "duplicate" if duplicate else "received"})

    def _answer(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class Receiver:
    def __init__(self) -> None:
        self.secret = ""
        self.lock = threading.Lock()
        self.raw: list[tuple[dict, bytes]] = []  # every request, as it arrived
        self.events: dict[str, dict] = {}  # by event_id: each event once
        self.order: list[str] = []
        self.script: list = []  # what to answer the next requests: "ok", a status, "hang", "redirect"
        self.hang_seconds = 1.0
        self.bad_signatures = 0
        self.wrong_handshake = False
        self.httpd = ReceiverServer(("127.0.0.1", 0), _Handler)
        self.httpd.receiver = self
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks/cxq"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def signature_ok(self, headers, body: bytes) -> bool:
        timestamp = headers.get("x-zm-request-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp) / 1000) > 300:
            return False
        message = f"v0:{timestamp}:".encode() + body
        expected = "v0=" + hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("x-zm-signature", ""))

    def handshake_token(self, plain: str) -> str:
        key = ("not-" + self.secret) if self.wrong_handshake else self.secret
        return hmac.new(key.encode(), plain.encode(), hashlib.sha256).hexdigest()

    def deliveries(self) -> list[dict]:
        """The events received, each once, in order of first arrival (handshakes left out)."""
        return [self.events[i] for i in self.order]

    def requests_for(self, event_id: str) -> int:
        return sum(1 for headers, _ in self.raw if headers.get("x-cxq-event-id") == event_id)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


FAST = override_settings(
    CXQ_WEBHOOK_ALLOW_HTTP=True,
    CXQ_WEBHOOK_PRIVATE_NETWORKS=["127.0.0.1/32"],
    CXQ_WEBHOOK_TIMEOUT=0.5,
    CXQ_WEBHOOK_BACKOFF_SECONDS=1,
    CXQ_WEBHOOK_MAX_ATTEMPTS=4,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The receiver, allow-listed (loopback, plain http) with short timeouts for the test."""
    recv = Receiver()
    try:
        with FAST:
            yield recv
    finally:
        recv.close()


@pytest.fixture
def endpoint_for(personas, receiver):
    """endpoint_for(events=[...]) → an endpoint at the receiver, created through the handshake."""

    def make(events=("evaluation.completed",), **kwargs):
        # one receiver, one secret: a second endpoint at the same receiver is configured alike
        receiver.secret = receiver.secret or services.secret_generate(by=personas.admin)
        return services.endpoint_create(
            by=personas.admin,
            name=kwargs.pop("name", "Data warehouse"),
            url=kwargs.pop("url", receiver.url),
            events=list(events),
            secret=receiver.secret,
            **kwargs,
        )

    return make
