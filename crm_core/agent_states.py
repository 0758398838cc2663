"""Agents' states into the CRM, one row per state, for occupancy from history.

Each ``agent.state`` the platform reports ends the agent's open state at its
``since`` and opens the new one (``crm_core.models.agent_time``). Writing is
idempotent, an agent's state being keyed by its start, so the same changes can be
offered again after a crash (the agents' state file, ``engine.agent_store``, is
the outbox) and each lands once; and a change that comes late (offered again from
the file after the state it fell in was ended, or after later ones) takes its place
between its neighbours, so that an agent is in one state at a time whatever the
order the changes arrive in. While the platform runs, the open states are
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

    def __post_init__(self) -> None:
        # held in UTC: SQLite keeps a timestamp's wall-clock text alone, and a state is
        # found again by its start (naive: taken as UTC, as the CRM stores it)
        object.__setattr__(self, "since", _utc(self.since))
        # the columns' length: PostgreSQL refuses more, and a refused batch would be
        # offered again forever, holding back every agent's time behind it
        object.__setattr__(self, "agent", self.agent[:64])
        object.__setattr__(self, "reason", self.reason[:64])


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives its UTC timestamps back naive."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def _neighbours(session: AsyncSession, change: StateChange,
                      ) -> tuple[AgentStateSpan | None, dt.datetime | None]:
    """The agent's state that began last before the change, and when the first one
    after it began."""
    span = AgentStateSpan
    before = await session.scalar(
        select(span).where(span.agent == change.agent, span.started_at < change.since)
        .order_by(span.started_at.desc()).limit(1))
    after = await session.scalar(
        select(span.started_at).where(span.agent == change.agent,
                                      span.started_at > change.since)
        .order_by(span.started_at).limit(1))
    return before, None if after is None else _utc(after)


async def _record(session: AsyncSession, change: StateChange) -> bool:
    """Put the change in its place among the agent's states; False when the CRM held it
    already. It may come late (the file offered again after a restart, a change the bus
    dropped): the state it fell in ends at it, and it takes the rest of that state's
    time (and its last sighting) up to the next change, if one is known."""
    span = AgentStateSpan
    same = await session.scalar(select(span).where(
        span.agent == change.agent, span.started_at == change.since))
    if same is not None:
        return _restate(same, change)
    before, after = await _neighbours(session, change)
    ends: list[dt.datetime] = [] if after is None else [after]
    seen = None
    if before is not None and (before.ended_at is None or _utc(before.ended_at) > change.since):
        if before.ended_at is not None:
            ends.append(_utc(before.ended_at))
        elif before.seen_at is not None and _utc(before.seen_at) >= change.since:
            seen = before.seen_at
        before.ended_at = change.since
    session.add(span(agent=change.agent, state=change.state, reason=change.reason,
                     queues=sorted(change.queues), started_at=change.since,
                     ended_at=min(ends) if ends else None, seen_at=seen))
    await session.flush()
    return True


def _restate(same: AgentStateSpan, change: StateChange) -> bool:
    """A change at the very instant of a recorded one: the ACD reports two at once (an
    agent becomes available and the waiting call rings them), and the later is the state
    that lasts; changes offered again come in their order, so the last word is right."""
    if (same.state, same.reason) == (change.state, change.reason):
        return False
    same.state, same.reason, same.queues = change.state, change.reason, sorted(change.queues)
    return True


async def _known(session: AsyncSession, changes: Sequence[StateChange],
                 ) -> dict[tuple[str, dt.datetime], tuple[str, str]]:
    """The states the CRM holds at the changes' instants, in one query: a restart offers
    again every change of the run before, nearly all of them written."""
    span = AgentStateSpan
    rows = await session.execute(select(span.agent, span.started_at, span.state,
                                        span.reason).where(
        span.agent.in_(sorted({change.agent for change in changes})),
        span.started_at >= min(change.since for change in changes),
        span.started_at <= max(change.since for change in changes)))
    return {(agent, _utc(started)): (state, reason) for agent, started, state, reason in rows}


async def record_states(sessions: async_sessionmaker[AsyncSession],
                        changes: Sequence[StateChange], chunk: int = 500) -> int:
    """Record ``changes`` in order, ``chunk`` to a transaction (a long file offered
    again keeps what it wrote if the database goes away midway); how many were new or
    changed a state."""
    written = 0
    for first in range(0, len(changes), chunk):
        part = changes[first:first + chunk]
        async with sessions.begin() as session:
            known = await _known(session, part)
            for change in part:
                key, what = (change.agent, change.since), (change.state, change.reason)
                if known.get(key) != what:
                    written += await _record(session, change)
                    known[key] = what
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
