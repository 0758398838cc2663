"""Agents' time by state, per agent or queue and interval: what occupancy divides by.

The states come from ``agent_states`` (``crm_core.agent_states``): each is cut at
the interval edges and its seconds are added to the interval's figures of the
agent, or of every queue the agent served then. The definitions, written once
here and in ``docs/call-history.md``:

* busy: on a call, in wrap-up, or paused for a call of the agent's own (a call
  they placed, or a colleague's consultation): time given to calls, the handle
  time that AHT and the staffing plan's traffic count;
* available: logged in and ready: waiting for a call, or rung by one not answered
  yet (ringing is ready time, as on the live board, ``acd.views.agent_stats``, and
  in the common formula (talk + after-call work) / (staffed less aux));
* paused: the other pauses (a break, lunch, training): logged in, not taking calls;
* staffed: busy + available, the time the agent could take calls;
* occupancy: busy / staffed, the share of their call-taking time agents spent on
  calls. Per queue, over the time of the agents who were its members: an agent of
  two queues counts in both, as each queue's agents were that busy.

A state still open counts until ``now``. The cutting is done here rather than in
SQL: a state spans any number of intervals, whose edges (``local_buckets.Grid``) are
the same local clock's or calendar's as the calls'. The states are read as epoch seconds
(``epoch_seconds``) and cut as numbers, since parsing and cutting datetimes row
by row was most of the time: a month of a hundred agents, about 540,000 states,
takes under 3 s on SQLite and 2.5 s on PostgreSQL (``bench/bench_agent_time.py``),
against 15 s and 8 s before. (Adding up the states that lie within one interval in
SQL was tried: SQLite's GROUP BY of them alone takes as long as the whole read.)
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Text, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm_core.metrics.local_buckets import Grid
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan

#: pauses for a call of the agent's own (``engine.agent_store.CALL_PAUSES``): busy time
CALL_PAUSE_REASONS = frozenset({"outbound", "consult"})
#: states in which the agent's time is given to calls
BUSY_STATES = frozenset({"on_call", "wrap_up"})
#: states in which the agent is ready for a call: waiting, or rung and not answered yet
READY_STATES = frozenset({"available", "ringing"})


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
    if state in READY_STATES:
        return "available"
    return "paused" if state == "paused" else None


def _pieces(start: float, end: float, edges: list[int]) -> Iterator[tuple[int, float]]:
    """``[start, end)`` (epoch seconds) cut at the buckets' ``edges`` (which cover it): each
    piece's bucket start and seconds. No datetime is made per piece: a month of a
    hundred agents is half a million states."""
    index = max(bisect.bisect_right(edges, start) - 1, 0)
    while start < end:
        piece_end = min(edges[index + 1], end)
        yield edges[index], piece_end - start
        start = piece_end
        index += 1


class epoch_seconds(FunctionElement[float]):
    """A timestamp as seconds since 1970 (UTC), with its fraction: the states are read
    as numbers, not parsed into datetimes row by row (most of the time it took)."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # the whole seconds exactly (strftime would round a fraction), then the fraction
    column = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"
            f" + CAST('0' || substr({column}, 20) AS REAL))")


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT)"


@functools.lru_cache(maxsize=4096)
def _queues(text: str | None) -> tuple[str, ...]:
    """A state's queues from their JSON text: a few distinct lists among many rows."""
    found = json.loads(text) if text else []
    return tuple(str(queue) for queue in found) if isinstance(found, list) else ()


def _keys(agent: str, queues: tuple[str, ...], by: str, queue: str | None) -> list[str]:
    served = [q for q in queues if queue is None or q == queue]
    if by == "queue":
        return served
    return [agent] if queue is None or served else []


def _epoch(moment: dt.datetime) -> float:
    """Seconds since 1970; a naive moment is UTC, as the CRM keeps its times."""
    if moment.tzinfo is None:
        return (moment - dt.datetime(1970, 1, 1)).total_seconds()
    return moment.timestamp()


#: where each kind of time is summed
_KINDS = {"busy": 0, "available": 1, "paused": 2}


def add_up(spans: Iterable[Any], period: Period, width: int, by: str,
           queue: str | None, now: dt.datetime, grid: Grid | None = None,
           ) -> dict[tuple[dt.datetime, str], StateTime]:
    """The figures of every (interval start, agent or queue) the states cover; ``spans``
    are (agent, state, reason, queues as JSON text, start, end or None), the times in
    epoch seconds; the intervals are ``grid``'s (UTC when none)."""
    grid = grid or Grid(period, width)
    low, high = period.start.timestamp(), period.end.timestamp()
    until = min(_epoch(now), high)
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for agent, state, reason, queues, started, ended in spans:
        kind = kind_of(state, reason)
        keys = [] if kind is None else _keys(agent, _queues(queues), by, queue)
        if kind is None or not keys:
            continue
        index = _KINDS[kind]
        start = max(float(started), low)
        end = until if ended is None else min(float(ended), high)
        for bucket, seconds in _pieces(start, end, grid.edges):
            for key in keys:
                sums[(bucket, key)][index] += seconds
    return {(grid.moment(bucket), key): StateTime(*figures)
            for (bucket, key), figures in sums.items()}


async def agent_time(session: AsyncSession, period: Period, width: int, by: str,
                     queue: str | None = None, now: dt.datetime | None = None,
                     grid: Grid | None = None,
                     ) -> dict[tuple[dt.datetime, str], StateTime]:
    """The states that overlap ``period``, added up per interval and agent or queue."""
    span = AgentStateSpan
    moment = now or dt.datetime.now(dt.UTC)
    rows = await session.execute(
        select(span.agent, span.state, span.reason, cast(span.queues, Text),
               epoch_seconds(span.started_at), epoch_seconds(span.ended_at))
        .where(span.started_at < period.end, span.state != "logged_out",
               or_(span.ended_at.is_(None), span.ended_at > period.start)))
    return add_up(rows, period, width, by, queue, moment, grid)
