"""Endpoint secrets at rest (docs/webhooks.md#the-secret).

A secret must be read back to sign every delivery, so it is encrypted, not hashed: Fernet
(AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key derived from Django's ``SECRET_KEY``.
Keys in ``SECRET_KEY_FALLBACKS`` still open secrets sealed before a key rotation; a secret sealed
under a key that is gone cannot be opened, and the endpoint needs a new secret.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "whsec_"
_SHAPE = re.compile(r"whsec_[A-Za-z0-9_-]{40,100}")


class SecretUnreadable(Exception):
    """The secret was sealed under a key this server no longer has."""


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(b"cxq.webhooks.endpoint-secret:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(settings.SECRET_KEY), *(_fernet(k) for k in settings.SECRET_KEY_FALLBACKS)])


def generate() -> str:
    """A new secret: 32 random bytes, URL-safe, recognisable by its prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def well_formed(secret: str) -> bool:
    """A secret as ``generate`` makes them (receivers are configured with it before the endpoint exists)."""
    return bool(_SHAPE.fullmatch(secret))


def seal(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the secret cannot be read with this server's keys; give the endpoint a new one")
