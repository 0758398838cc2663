"""Passwords, bearer tokens, session tokens and WebSocket tickets, checked against
users held in memory.

The users come from the database (``crm_core.users``) and stay in memory, so
that checking a token costs no query; the app replaces the whole view after
every change to a user. Tokens are ``base64(payload).base64(hmac)``, signed
with a secret key that is made once per state folder and kept there (mode
0600): they survive restarts and cannot be forged without that file. A token
names its kind, so a bearer token is not a session cookie nor a ticket, and
the other way round.

A token ends before it expires when:

- its user's password changes: it carries a *generation* derived from the
  user's password hash (a fresh salt each time), and one that no longer
  matches is refused. The hash is in the database, so this holds across
  restarts and however the password was changed;
- its user is deactivated (refused while they are);
- it is signed out: its id is refused from then on (kept in memory until it
  would have expired, so not across a restart of the process).

A ticket is a 30-second token for opening the events WebSocket from a page
(``?ticket=``): it is spent by its first use and ends with the token or
session it was asked for with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.config.settings import UserSettings
from contactcenter.signing import b64, unb64
from contactcenter.web.signouts import load_signouts, save_signouts
from contactcenter.web.throttle import LoginThrottle
from crm_core.users import UserRecord, burn_password_check, hash_password, verify_password

TOKEN_LIFETIME = 12 * 3600
SESSION_LIFETIME = 8 * 3600
TICKET_LIFETIME = 30
BEARER, SESSION, TICKET = "bearer", "session", "ticket"
LIFETIMES = {BEARER: TOKEN_LIFETIME, SESSION: SESSION_LIFETIME, TICKET: TICKET_LIFETIME}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling the API."""

    username: str
    role: str
    agent: str | None = None
    #: since when ``agent`` is theirs (``crm_core.users.UserRecord.agent_since``)
    agent_since: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class _Known:
    """A user with the generation their tokens must carry."""

    record: UserRecord
    generation: str


def load_secret(state_dir: Path) -> bytes:
    path = state_dir / "secret.key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
    return path.read_bytes()


def configured_users(users: Sequence[UserSettings],
                     secret: bytes | None = None) -> list[UserRecord]:
    """Users straight from the config, for an app that runs without the CRM database.

    Their hashes are never stored; given the secret, each one's salt comes from it and
    the username: the same password gives the same hash, hence the same token
    generation, at every start (tokens survive a restart; a changed password ends them).
    """
    def salt(username: str) -> bytes | None:
        if secret is None:
            return None
        return hmac.new(secret, f"salt:{username}".encode(), hashlib.sha256).digest()[:16]

    return [UserRecord(id=None, username=user.username, role=user.role, agent=user.agent,
                       password_hash=hash_password(user.password, salt(user.username)))
            for user in users]


#: the claims every token carries, with the types they must have
_CLAIM_TYPES: dict[str, type | tuple[type, ...]] = {
    "sub": str, "typ": str, "sid": str, "gen": str, "exp": (int, float)}


def _well_formed(payload: Any) -> bool:
    """Whether a signed payload has every claim, each of its type (a finite expiry)."""
    if not isinstance(payload, dict):
        return False
    for name, kind in _CLAIM_TYPES.items():
        value = payload.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return False
    via, until = payload.get("via"), payload.get("until", 0)
    return (math.isfinite(payload["exp"]) and (via is None or isinstance(via, str))
            and isinstance(until, int) and not isinstance(until, bool))


class Authenticator:
    def __init__(self, users: Iterable[UserRecord], secret: bytes,
                 throttle: LoginThrottle | None = None, *,
                 signouts: Path | None = None) -> None:
        """``signouts``: the file that keeps signed-out ids across restarts (serve's is
        in the state folder); without it they are kept in memory only."""
        self._secret = secret
        self._users: dict[str, _Known] = {}
        self._signouts = signouts
        #: the tokens and sessions signed out, as kept in ``signouts``
        self._signed_out: dict[str, float] = (
            {} if signouts is None else load_signouts(signouts, time.time()))
        #: token, session or ticket id -> expiry, for those ended before they expired
        self._ended: dict[str, float] = dict(self._signed_out)
        self._sweep_at = 64  # the size of ``_ended`` at which the expired are swept
        #: failed sign-ins per user and per address (``contactcenter.web.throttle``)
        self.throttle = throttle or LoginThrottle()
        #: called after each change that may end a credential or change a role: an open
        #: WebSocket checks its own at once (``watch``)
        self._watchers: set[Callable[[], None]] = set()
        self.replace(users)

    @classmethod
    def from_config(cls, users: Sequence[UserSettings], secret: bytes) -> Authenticator:
        return cls(configured_users(users, secret), secret)

    def replace(self, users: Iterable[UserRecord]) -> None:
        """Swap in a fresh view of the users (one assignment: readers never see half)."""
        self._users = {user.username: _Known(user, self._generation(user)) for user in users}
        self._changed()

    def check_password(self, username: str, password: str) -> Principal | None:
        known = self._users.get(username)
        if known is None or not known.record.active:
            burn_password_check(password)  # same cost whether or not the user may sign in
            return None
        user = known.record
        if not verify_password(password, user.password_hash):
            return None
        return Principal(user.username, user.role, user.agent, user.agent_since)

    def issue(self, principal: Principal, now: float, *, kind: str = BEARER,
              session_id: str | None = None, via: str | None = None,
              until: float | None = None) -> str:
        """A token of this kind for the user as they are now (their generation); a ticket
        names the credential it was asked with (``via``) and when that one ends (``until``)."""
        known = self._users.get(principal.username)
        payload = {"sub": principal.username, "role": principal.role, "agent": principal.agent,
                   "exp": int(now + LIFETIMES[kind]), "typ": kind,
                   "sid": session_id or secrets.token_urlsafe(16),
                   "gen": "" if known is None else known.generation}
        if via is not None:
            payload["via"] = via
        if until is not None:
            payload["until"] = int(until)
        body = b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, now: float, *, kind: str = BEARER) -> Principal | None:
        """The principal a valid, unexpired token of this kind names, as the user is now."""
        payload = self.claims(token, now, kind=kind)
        return None if payload is None else self.principal(payload)

    def principal(self, claims: dict[str, Any]) -> Principal:
        """The user that checked claims name, with the role as it is now, not as it was."""
        user = self._users[claims["sub"]].record
        return Principal(user.username, user.role, user.agent, user.agent_since)

    def claims(self, token: str, now: float, *, kind: str) -> dict[str, Any] | None:
        """The payload of a token of this kind that is signed, well formed, unexpired,
        not ended and of the user's current generation; None for any other."""
        payload = self._signed(token)
        if payload is None or payload["typ"] != kind or payload["exp"] < now \
                or self.ends(payload) < now:  # a ticket whose token expired meanwhile
            return None
        if payload["sid"] in self._ended or not self.lasts(payload):
            return None
        return payload

    def lasts(self, claims: dict[str, Any]) -> bool:
        """Whether checked claims still stand: the user active with the same password,
        and the credential (for a ticket, the one it was asked for with) not signed out."""
        known = self._users.get(claims["sub"])
        source = claims.get("via") or claims["sid"]
        return (known is not None and known.record.active
                and claims["gen"] == known.generation and source not in self._ended)

    @staticmethod
    def ends(claims: dict[str, Any]) -> float:
        """When what checked claims open (an event stream) must end: the credential's
        expiry, or for a ticket that of the credential it was asked with."""
        return claims.get("until") or claims["exp"]

    def issue_ticket(self, claims: dict[str, Any], now: float) -> tuple[str, int]:
        """A ticket for the holder of these checked claims, and when it expires."""
        ticket = self.issue(self.principal(claims), now, kind=TICKET, via=claims["sid"],
                            until=claims["exp"])
        return ticket, int(now + TICKET_LIFETIME)

    def redeem_ticket(self, ticket: str, now: float) -> dict[str, Any] | None:
        """A ticket's claims, once: the ticket is spent by this call."""
        claims = self.claims(ticket, now, kind=TICKET)
        if claims is not None:
            self._remember_ended(claims["sid"], claims["exp"], now)  # no socket rests on it
        return claims

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of a session: derived from its id, so nothing is stored."""
        return self._sign(f"csrf:{session_id}")

    def end(self, credential_id: str, expires: float, now: float) -> None:
        """Refuse this token, session or ticket from now on (kept until it expires)."""
        self._remember_ended(credential_id, expires, now)
        self._signed_out[credential_id] = expires
        try:
            if self._signouts is not None:  # tokens and sessions; tickets die in 30 s
                self._signed_out = {sid: exp for sid, exp in self._signed_out.items()
                                    if exp >= now}
                save_signouts(self._signouts, self._signed_out)
        finally:
            self._changed()

    def _remember_ended(self, credential_id: str, expires: float, now: float) -> None:
        """Kept until it expires; the expired are swept when the table has doubled since
        the last sweep, so that spending a ticket does not walk every one remembered."""
        if len(self._ended) >= self._sweep_at:
            self._ended = {sid: exp for sid, exp in self._ended.items() if exp >= now}
            self._sweep_at = 2 * len(self._ended) + 64
        self._ended[credential_id] = expires

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change to the users or the ended credentials
        (to check ``lasts`` again); returns what stops it."""
        self._watchers.add(callback)
        return lambda: self._watchers.discard(callback)

    def _changed(self) -> None:
        for callback in list(self._watchers):
            callback()

    def _signed(self, token: str) -> dict[str, Any] | None:
        """The payload of a token signed with our key, if it is well formed."""
        body, _, signature = token.partition(".")
        # as bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 401)
        if not signature or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        try:
            payload = json.loads(unb64(body))
        except (ValueError, RecursionError):
            return None
        return payload if _well_formed(payload) else None

    def _generation(self, user: UserRecord) -> str:
        """Changes with the password hash, which gets a fresh salt at every change, and
        with the user's token generation, which moves on when they are (de)activated."""
        return self._sign(f"generation:{user.password_hash}:{user.token_generation}")[:22]

    def _sign(self, text: str) -> str:
        return b64(hmac.new(self._secret, text.encode(), hashlib.sha256).digest())
