"""Users, passwords and bearer tokens.

Passwords from the config are kept only as scrypt hashes in memory. Tokens
are ``base64(payload).base64(hmac)``, signed with a secret key that is made
once per state folder and kept there (mode 0600), so they survive restarts
and cannot be forged without that file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from contactcenter.settings import UserSettings

TOKEN_LIFETIME = 12 * 3600


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling the API."""

    username: str
    role: str
    agent: str | None = None


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def load_secret(state_dir: Path) -> bytes:
    path = state_dir / "secret.key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    def __init__(self, users: list[UserSettings], secret: bytes) -> None:
        self._secret = secret
        self._users: dict[str, tuple[bytes, bytes, UserSettings]] = {}
        for user in users:
            salt = secrets.token_bytes(16)
            self._users[user.username] = (salt, _hash(user.password, salt), user)

    def check_password(self, username: str, password: str) -> Principal | None:
        entry = self._users.get(username)
        if entry is None:
            _hash(password, b"0" * 16)  # same cost whether or not the user exists
            return None
        salt, digest, user = entry
        if not hmac.compare_digest(digest, _hash(password, salt)):
            return None
        return Principal(user.username, user.role, user.agent)

    def issue(self, principal: Principal, now: float) -> str:
        payload = {"sub": principal.username, "role": principal.role,
                   "agent": principal.agent, "exp": int(now + TOKEN_LIFETIME)}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest())
        return f"{body}.{signature}"

    def verify(self, token: str, now: float) -> Principal | None:
        body, _, signature = token.partition(".")
        expected = _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest())
        # as bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 401)
        if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        entry = self._users.get(payload.get("sub"))
        if entry is None or payload.get("exp", 0) < now:
            return None
        user = entry[2]  # the role as configured now, not as it was when the token was made
        return Principal(user.username, user.role, user.agent)
