"""The webhook signature both directions use (docs/webhooks.md#signature, docs/interactions.md#webhook).

``x-zm-signature`` = ``v0=`` + hex HMAC-SHA256(secret, ``v0:{timestamp}:{raw body}``), with the timestamp
sent as ``x-zm-request-timestamp``; the URL-validation handshake answers a ``plainToken`` with
``encryptedToken`` = hex HMAC-SHA256(secret, plainToken).
"""

from __future__ import annotations

import hashlib
import hmac


def signed_message(timestamp: str, body: bytes) -> bytes:
    return b"v0:" + timestamp.encode() + b":" + body


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "v0=" + hmac.new(secret.encode(), signed_message(timestamp, body), hashlib.sha256).hexdigest()


def validation_token(secret: str, plain_token: str) -> str:
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
