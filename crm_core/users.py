"""Users of the CRM: password hashes, the read-only view the web layer keeps in
memory, and the start-up upsert of the users listed in the config.

A password hash is one self-describing string, ``scrypt$n$r$p$salt$digest``
(salt and digest in unpadded URL-safe base64), so that the cost parameters can
be raised later without breaking the hashes already stored.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.audit import AuditLog, diff, utc
from crm_core.models import User

#: scrypt's cost: 16 MiB of memory and tens of milliseconds per check (RFC 7914, section 2)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: the most work a stored hash may ask for (256 MiB); a larger one is treated as corrupt
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**18, 16, 16
_DUMMY_HASH: str | None = None
#: the audit log's author of changes that come from the config file at start
CONFIG_AUTHOR = "config"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """The string to store for ``password``: parameters, salt and digest together.

    The salt is random unless given: only a hash that is never stored (the users of
    an app run without the database) takes one made from a secret, so that it comes
    out the same at every start.
    """
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; False for a hash that cannot be read."""
    try:
        scheme, n_text, r_text, p_text, salt, digest = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        if scheme != "scrypt" or not (1 < n <= MAX_SCRYPT_N and 0 < r <= MAX_SCRYPT_R
                                      and 0 < p <= MAX_SCRYPT_P):
            return False
        expected = _unb64(digest)
        actual = _scrypt(password, _unb64(salt), n, r, p)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def burn_password_check(password: str) -> None:
    """Spend what a real check costs, so an unknown username answers as slowly as a known one."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("no such user")
    verify_password(password, _DUMMY_HASH)


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as the web layer sees them between two reloads."""

    id: int | None
    username: str
    role: str
    agent: str | None
    password_hash: str
    active: bool = True
    full_name: str | None = None
    token_generation: int = 0  #: moves on with each change of password or active flag
    #: since when ``agent`` is theirs (None: unknown, so no call counts as theirs)
    agent_since: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ConfiguredUser:
    """A user listed in the config file, with the password in clear."""

    username: str
    password: str
    role: str
    agent: str | None = None


def _record(user: User) -> UserRecord:
    return UserRecord(id=user.id, username=user.username, role=user.role, agent=user.agent,
                      password_hash=user.password_hash, active=user.active,
                      full_name=user.full_name, token_generation=user.token_generation,
                      agent_since=None if user.agent_since is None else utc(user.agent_since))


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def records(self) -> list[UserRecord]:
        return [_record(user) for user in await self.session.scalars(select(User))]

    async def by_usernames(self, usernames: Iterable[str]) -> dict[str, User]:
        query = select(User).where(User.username.in_(list(usernames)))
        return {user.username: user for user in await self.session.scalars(query)}


async def load_users(sessions: async_sessionmaker[AsyncSession]) -> list[UserRecord]:
    """Every user, active or not, for the in-memory view."""
    async with sessions() as session:
        return await UserRepository(session).records()


def _new_hashes(users: Sequence[ConfiguredUser], stored: Mapping[str, str]) -> dict[str, str]:
    """A fresh hash for each user whose config password does not match the stored hash."""
    return {user.username: hash_password(user.password) for user in users
            if not verify_password(user.password, stored.get(user.username, ""))}


def _snapshot(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "agent": user.agent,
            "active": user.active, "password_hash": user.password_hash}


async def upsert_configured(sessions: async_sessionmaker[AsyncSession],
                            users: Sequence[ConfiguredUser]) -> int:
    """Make the config's users exist with its role, agent and password; return how many changed.

    Whether a user is active stays as the database says: a user an admin
    deactivated does not come back at the next start. A user holds their agent id
    from the start that made their row, or that changed their ``agent``
    (``agent_since``). The slow hashing runs in a worker thread; each change is
    audited as made by ``config``.
    """
    changed, now = 0, dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        existing = await UserRepository(session).by_usernames(u.username for u in users)
        stored = {name: row.password_hash for name, row in existing.items()}
        hashes = await asyncio.to_thread(_new_hashes, users, stored)
        audit = AuditLog(session)
        for user in users:
            row = existing.get(user.username)
            before = {} if row is None else _snapshot(row)
            if row is None:
                row = User(username=user.username, active=True, agent_since=now)
                session.add(row)
            if row.agent != user.agent:
                row.agent_since = now  # the id changed hands: calls count from now
            row.role, row.agent = user.role, user.agent
            row.password_hash = hashes.get(user.username, row.password_hash)
            await session.flush()
            changes = diff(before, _snapshot(row))
            if changes:
                await audit.record(username=CONFIG_AUTHOR, action="update" if before else "create",
                                   entity="users", entity_id=row.id, changes=changes)
                changed += 1
    return changed
