"""Migration 0016 gives each existing user the moment they were given their agent id:
the last time the audit log saw their ``agent`` change, or, with no such entry, when
their row was made (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.audit import utc
from crm_core.db import migrate, migrate_down, sessions
from crm_core.users import load_users

MADE = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.UTC)
RELINKED = dt.datetime(2026, 2, 3, 14, 30, tzinfo=dt.UTC)


async def test_existing_users_start_at_their_last_agent_change_or_their_creation(
        fresh_engine: AsyncEngine) -> None:
    await migrate_down(fresh_engine, "0015")
    async with fresh_engine.begin() as connection:
        for name, agent in (("ann", "agent107"), ("bo", "agent108"), ("root", None)):
            await connection.execute(text(
                "INSERT INTO users (username, role, agent, password_hash, active, "
                "token_generation, created_at) VALUES (:name, 'agent', :agent, 'x', true, 0, "
                ":made)"), {"name": name, "agent": agent, "made": MADE})
        ids = dict((await connection.execute(text("SELECT username, id FROM users"))).all())
        for at, changes in (
                (MADE, '{"agent": {"before": null, "after": "agent101"}}'),
                (RELINKED, '{"agent": {"before": "agent101", "after": "agent107"}}'),
                (RELINKED + dt.timedelta(days=1), '{"full_name": {"after": "Ann"}}')):
            await connection.execute(text(
                "INSERT INTO audit_log (at, username, action, entity, entity_id, changes) "
                "VALUES (:at, 'root', 'update', 'users', :id, :changes)"),
                {"at": at, "id": ids["ann"], "changes": changes})
    await migrate(fresh_engine)
    users = {user.username: user for user in await load_users(sessions(fresh_engine))}
    assert users["ann"].agent_since == RELINKED  # not the later change of her name
    assert users["bo"].agent_since is not None and utc(users["bo"].agent_since) == MADE
    assert users["root"].agent_since == MADE
