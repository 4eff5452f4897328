"""Opaque, signed page cursors shaped like Gong's (the forum sample is an HS256 JWT).

The token hides the offset and is signed with a per-process key, so a client cannot forge
one or treat it as a page number; it carries its issue time so it can expire, and the
endpoint it belongs to so it cannot be replayed elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable

EXPIRED_MESSAGE = "Cursor has expired"
INVALID_MESSAGE = "Invalid cursor"

_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()


class CursorRejected(Exception):
    """A cursor the server will not honour; the message is the API error text."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes ``(endpoint, offset)`` into a cursor and back, enforcing an optional TTL."""

    def __init__(self, ttl: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl
        self._clock = clock

    def encode(self, endpoint: str, offset: int, total: int) -> str:
        claims = {
            "pageSize": 100,
            "total": total,
            "offset": offset,
            "iat": self._clock(),
            "aud": endpoint,
            "nonce": secrets.token_hex(4),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{_HEADER}.{payload}.{self._sign(payload)}"

    def decode(self, endpoint: str, token: str) -> int:
        """The offset inside ``token``; raises CursorRejected if forged, foreign or expired."""
        try:
            header, payload, signature = token.split(".")
            valid = header == _HEADER and hmac.compare_digest(signature, self._sign(payload))
            claims = json.loads(_unb64(payload)) if valid else None
        except (ValueError, TypeError):
            claims = None
        if not isinstance(claims, dict) or claims.get("aud") != endpoint:
            raise CursorRejected(INVALID_MESSAGE)
        if self._ttl is not None and self._clock() - claims["iat"] > self._ttl:
            raise CursorRejected(EXPIRED_MESSAGE)
        return int(claims["offset"])

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, f"{_HEADER}.{payload}".encode(), hashlib.sha256).digest()
        return _b64(digest)
