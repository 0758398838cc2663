"""Passwords, bearer tokens and session tokens, checked against users held in memory.

The users come from the database (``crm_core.users``) and stay in memory, so
that checking a token costs no query; the app replaces the whole view after
every change to a user, so a deactivated user's tokens stop working at once.
Tokens are ``base64(payload).base64(hmac)``, signed with a secret key that is
made once per state folder and kept there (mode 0600): they survive restarts
and cannot be forged without that file. A token names its kind, so a bearer
token is not a session cookie and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.settings import UserSettings
from crm_core.users import UserRecord, burn_password_check, hash_password, verify_password

TOKEN_LIFETIME = 12 * 3600
SESSION_LIFETIME = 8 * 3600
BEARER, SESSION = "bearer", "session"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling the API."""

    username: str
    role: str
    agent: str | None = None


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


def configured_users(users: Sequence[UserSettings]) -> list[UserRecord]:
    """Users straight from the config, for an app that runs without the CRM database."""
    return [UserRecord(id=None, username=user.username, role=user.role, agent=user.agent,
                       password_hash=hash_password(user.password)) for user in users]


class Authenticator:
    def __init__(self, users: Iterable[UserRecord], secret: bytes) -> None:
        self._secret = secret
        self._users: dict[str, UserRecord] = {}
        #: session id -> expiry, for sessions logged out before they expired
        self._ended: dict[str, float] = {}
        self.replace(users)

    @classmethod
    def from_config(cls, users: Sequence[UserSettings], secret: bytes) -> Authenticator:
        return cls(configured_users(users), secret)

    def replace(self, users: Iterable[UserRecord]) -> None:
        """Swap in a fresh view of the users (one assignment: readers never see half)."""
        self._users = {user.username: user for user in users}

    def check_password(self, username: str, password: str) -> Principal | None:
        user = self._users.get(username)
        if user is None or not user.active:
            burn_password_check(password)  # same cost whether or not the user may sign in
            return None
        if not verify_password(password, user.password_hash):
            return None
        return Principal(user.username, user.role, user.agent)

    def issue(self, principal: Principal, now: float, *, kind: str = BEARER,
              session_id: str | None = None) -> str:
        lifetime = SESSION_LIFETIME if kind == SESSION else TOKEN_LIFETIME
        payload = {"sub": principal.username, "role": principal.role, "agent": principal.agent,
                   "exp": int(now + lifetime), "typ": kind, "sid": session_id}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, now: float, *, kind: str = BEARER) -> Principal | None:
        """The principal a valid, unexpired token of this kind names, as the user is now."""
        payload = self.claims(token, now, kind=kind)
        return None if payload is None else self.principal(payload)

    def principal(self, claims: dict[str, Any]) -> Principal:
        """The user that checked claims name, with the role as it is now, not as it was."""
        user = self._users[claims["sub"]]
        return Principal(user.username, user.role, user.agent)

    def claims(self, token: str, now: float, *, kind: str) -> dict[str, Any] | None:
        body, _, signature = token.partition(".")
        # as bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 401)
        if not signature or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        user = self._users.get(payload.get("sub"))
        if user is None or not user.active or payload.get("exp", 0) < now:
            return None
        if payload.get("typ", BEARER) != kind:
            return None
        if kind == SESSION and payload.get("sid") in self._ended:
            return None
        return dict(payload)

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of a session: derived from its id, so nothing is stored."""
        return self._sign(f"csrf:{session_id}")

    def end_session(self, session_id: str, expires: float, now: float) -> None:
        """Refuse this session's token from now on (kept in memory until it expires)."""
        self._ended = {sid: exp for sid, exp in self._ended.items() if exp >= now}
        self._ended[session_id] = expires

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._secret, text.encode(), hashlib.sha256).digest())
