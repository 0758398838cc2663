"""Agents' states into the CRM, one row per state, for occupancy from history.

Each ``agent.state`` the platform reports ends the agent's open state at its
``since`` and opens the new one (``crm_core.models.agent_time``). Writing is
idempotent, an agent's state being keyed by its start, so the same changes can be
offered again after a crash (the agents' state file, ``engine.agent_store``, is
the outbox) and each lands once. While the platform runs, the open states are
marked seen every minute; at the next start, a state still open from before it
ends where it was last seen (a crash), not at the restart: nobody could take a
call while the platform was down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import AgentStateSpan

#: the states an ``agent.state`` event names
STATES = ("logged_out", "available", "ringing", "on_call", "wrap_up", "paused")


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    """An agent entered ``state`` (for ``reason``) at ``since``, serving ``queues``."""

    agent: str
    state: str
    since: dt.datetime
    reason: str = ""
    queues: tuple[str, ...] = field(default_factory=tuple)


async def _record(session: AsyncSession, change: StateChange) -> bool:
    """End the agent's open state at the change and open the new one; False when the
    change was recorded already."""
    span = AgentStateSpan
    await session.execute(
        update(span).where(span.agent == change.agent, span.ended_at.is_(None),
                           span.started_at < change.since)
        .values(ended_at=change.since))
    known = await session.scalar(select(span.id).where(
        span.agent == change.agent, span.started_at == change.since))
    if known is not None:
        return False
    session.add(span(agent=change.agent, state=change.state, reason=change.reason[:64],
                     queues=sorted(change.queues), started_at=change.since))
    await session.flush()
    return True


async def record_states(sessions: async_sessionmaker[AsyncSession],
                        changes: Sequence[StateChange]) -> int:
    """Record ``changes`` in order, in one transaction; how many were new."""
    written = 0
    async with sessions.begin() as session:
        for change in changes:
            written += await _record(session, change)
    return written


async def mark_seen(sessions: async_sessionmaker[AsyncSession], at: dt.datetime) -> None:
    """The open states still held at ``at``: where a crash would end them."""
    async with sessions.begin() as session:
        await session.execute(update(AgentStateSpan)
                              .where(AgentStateSpan.ended_at.is_(None),
                                     AgentStateSpan.started_at <= at)
                              .values(seen_at=at))


async def close_left_open(sessions: async_sessionmaker[AsyncSession],
                          before: dt.datetime) -> int:
    """End the states opened before ``before`` (this start) and still open: each where
    it was last seen, or at its start when it never was. How many there were."""
    span = AgentStateSpan
    async with sessions.begin() as session:
        result = await session.execute(
            update(span).where(span.ended_at.is_(None), span.started_at < before)
            .values(ended_at=func.coalesce(span.seen_at, span.started_at)))
    return int(getattr(result, "rowcount", 0) or 0)


async def close_all(sessions: async_sessionmaker[AsyncSession], at: dt.datetime) -> None:
    """The platform stops at ``at``: every open state ends there."""
    span = AgentStateSpan
    async with sessions.begin() as session:
        await session.execute(update(span).where(span.ended_at.is_(None),
                                                 span.started_at <= at)
                              .values(ended_at=at))
