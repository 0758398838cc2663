"""Signed, unguessable tokens: ``base64url(JSON payload).base64url(HMAC-SHA256)``.

Used by the recordings' play links (``contactcenter.recordings.tokens``) and the
customers' booking links: a key of its own per purpose, derived from the platform's secret (the one
kept in the state folder), so that a token made for one purpose (a booking's link)
never passes for another (a play link, a bearer token). Nothing in a token can be
changed without failing the MAC; what the payload means (whose it is, until when) is
for the caller to check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

#: the longest token taken: payloads are far shorter
MAX_TOKEN = 1024


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs payloads for one ``purpose`` under a key derived from ``secret``."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def sign(self, data: dict[str, Any]) -> str:
        payload = b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def open(self, token: str) -> dict[str, Any] | None:
        """The payload of a token this signer made, untouched; None for anything else."""
        # base64url and one dot: anything else (non-ASCII from a decoded path) is refused
        # before the comparison, which takes ASCII only
        if len(token) > MAX_TOKEN or token.count(".") != 1 or not token.isascii():
            return None
        payload, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data: Any = json.loads(unb64(payload))
        except (ValueError, binascii.Error, RecursionError):
            return None
        return data if isinstance(data, dict) else None
