"""Agents' time by state, per agent or queue and interval: what occupancy divides by.

The states come from ``agent_states`` (``crm_core.agent_states``): each is cut at
the interval edges and its seconds are added to the interval's figures of the
agent, or of every queue the agent served then. The definitions, written once
here and in ``docs/call-history.md``:

* busy: ringing, on a call, in wrap-up, or paused for a call of the agent's own
  (a call they placed, or a colleague's consultation): time given to calls;
* available: logged in and waiting for a call;
* paused: the other pauses (a break, lunch, training): logged in, not taking calls;
* staffed: busy + available, the time the agent could take calls;
* occupancy: busy / staffed, the share of their call-taking time agents spent on
  calls. Per queue, over the time of the agents who were its members: an agent of
  two queues counts in both, as each queue's agents were that busy.

A state still open counts until ``now``. The cutting is done here rather than in
SQL: a state spans any number of intervals, and the rows of a month of a
hundred agents are a few hundred thousand at most.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics.buckets import floor_to
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan

#: pauses for a call of the agent's own (``engine.agent_store.CALL_PAUSES``): busy time
CALL_PAUSE_REASONS = frozenset({"outbound", "consult"})
#: states in which the agent's time is given to calls
BUSY_STATES = frozenset({"ringing", "on_call", "wrap_up"})


@dataclass(slots=True)
class StateTime:
    """One agent's (or queue's agents') seconds in one interval, by kind of state."""

    busy: float = 0.0
    available: float = 0.0
    paused: float = 0.0

    @property
    def staffed(self) -> float:
        return self.busy + self.available

    @property
    def occupancy(self) -> float | None:
        return self.busy / self.staffed if self.staffed > 0 else None

    def add(self, kind: str, seconds: float) -> None:
        setattr(self, kind, getattr(self, kind) + seconds)


def kind_of(state: str, reason: str) -> str | None:
    """Which figure a state's time goes to; None for time logged out."""
    if state in BUSY_STATES or (state == "paused" and reason in CALL_PAUSE_REASONS):
        return "busy"
    if state == "available":
        return "available"
    return "paused" if state == "paused" else None


def cut(start: dt.datetime, end: dt.datetime,
        width: int) -> Iterator[tuple[dt.datetime, float]]:
    """``[start, end)`` cut at the edges of ``width``-second intervals: each piece's
    interval start and seconds."""
    edge = floor_to(start, width)
    while start < end:
        edge += dt.timedelta(seconds=width)
        piece_end = min(edge, end)
        yield floor_to(start, width), (piece_end - start).total_seconds()
        start = piece_end


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives its UTC timestamps back naive."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _keys(span: Any, by: str, queue: str | None) -> list[str]:
    queues = [q for q in (span.queues or []) if queue is None or q == queue]
    if by == "queue":
        return queues
    return [span.agent] if queue is None or queues else []


def add_up(spans: Iterable[Any], period: Period, width: int, by: str,
           queue: str | None, now: dt.datetime) -> dict[tuple[dt.datetime, str], StateTime]:
    """The figures of every (interval start, agent or queue) the states cover; ``spans``
    are rows of ``agent_states`` (agent, state, reason, queues, started_at, ended_at)."""
    figures: dict[tuple[dt.datetime, str], StateTime] = defaultdict(StateTime)
    for span in spans:
        kind, keys = kind_of(span.state, span.reason), _keys(span, by, queue)
        if kind is None or not keys:
            continue
        start = max(_utc(span.started_at), period.start)
        end = min(_utc(span.ended_at) if span.ended_at is not None else now, period.end)
        for bucket, seconds in cut(start, end, width):
            for key in keys:
                figures[(bucket, key)].add(kind, seconds)
    return figures


async def agent_time(session: AsyncSession, period: Period, width: int, by: str,
                     queue: str | None = None, now: dt.datetime | None = None,
                     ) -> dict[tuple[dt.datetime, str], StateTime]:
    """The states that overlap ``period``, added up per interval and agent or queue."""
    span = AgentStateSpan
    moment = now or dt.datetime.now(dt.UTC)
    rows = await session.execute(
        select(span.agent, span.state, span.reason, span.queues, span.started_at,
               span.ended_at).where(span.started_at < period.end,
                           or_(span.ended_at.is_(None), span.ended_at > period.start))
        .order_by(span.started_at))
    return add_up(rows, period, width, by, queue, moment)
