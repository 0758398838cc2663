"""The contact center's history: what a manager reads per queue or agent and interval.

Every finished call is an interaction in the CRM (``crm_core.call_records``), so
this history covers the calls from before any restart, unlike the live boards.
The figures are one ``GROUP BY`` over the calls' start buckets (``buckets.py``),
computed in the database on SQLite and PostgreSQL alike.

The calls counted are inbound voice interactions that reached a queue (``queue``
is set); a call belongs to the bucket of its start (the caller's arrival), on the
local clock and calendar of the options' time zone (``local_buckets``: a day is local
midnight to midnight, 23 or 25 hours when the clocks change; UTC by default). The definitions, written once here and in ``docs/call-history.md``:

* offered: calls that reached the queue; answered: outcome ``answered``;
  abandoned: the caller hung up waiting (``abandoned_in_queue``, or ``abandoned``
  in imported histories); short abandoned: abandoned after waiting less than
  ``short_abandon_seconds``; other: the rest (voicemail, callback, IVR exits).
* service level: answered within ``sl_seconds`` of waiting, over offered calls
  less the short abandons (callers who hung up before anyone could answer are
  neither good nor bad service). ``short_abandon_seconds=0`` counts every call.
* ASA: mean wait of the answered calls. AHT: mean of talk + wrap-up of the
  answered calls; talk runs from answer to hang-up, so it already holds the hold
  time (``average_hold`` shows that part; adding it again would count it twice).
* abandon rate: abandoned over offered (short abandons included).
* handle share: handle seconds of the calls started in the bucket over the
  bucket's length: per agent the share of the interval spent on its calls, per
  queue the average number of agents busy with its calls (Erlangs handled).
* occupancy and the agents' busy, available, paused and staffed seconds: from
  the agents' states over time (``agent_time.py``, its definitions), cut at the
  bucket's edges. A bucket where agents were logged in without calls is a row too.
* first-contact resolution: answered calls whose caller (the same number) did
  not call in again (any inbound voice call) within ``fcr_days`` days, over
  answered calls. A call less
  than ``fcr_days`` days old may still turn out not resolved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics.agent_time import StateTime, agent_time
from crm_core.metrics.buckets import INTERVALS, bucket_of
from crm_core.metrics.local_buckets import Grid, zone_named
from crm_core.metrics.period import Period
from crm_core.metrics.queries import ratio, seconds_between
from crm_core.models import Interaction

#: outcomes of a caller who hung up while waiting for an agent
ABANDONED = ("abandoned_in_queue", "abandoned")
#: what a history can be grouped by
GROUPINGS = ("queue", "agent")


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """The parameters of the definitions above."""

    by: str = "queue"  #: ``queue`` or ``agent``
    interval: str = "30min"  #: a key of ``INTERVALS``
    sl_seconds: float = 20.0  #: the service level's answer time, seconds
    short_abandon_seconds: float = 5.0  #: shorter waits before hanging up are not counted
    fcr_days: float = 7.0  #: a call again within this many days is a repeat
    queue: str | None = None  #: only this queue's calls
    time_zone: str = "UTC"  #: the IANA zone whose days, weeks and clock the buckets follow

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise ValueError(f"by: one of {', '.join(GROUPINGS)}")
        if self.interval not in INTERVALS:
            raise ValueError(f"interval: one of {', '.join(INTERVALS)}")
        for name in ("sl_seconds", "short_abandon_seconds", "fcr_days"):
            value = getattr(self, name)
            if not 0 <= value <= 10_000_000:
                raise ValueError(f"{name}: a number of at least 0")
        try:
            zone_named(self.time_zone)
        except ValueError as exc:
            raise ValueError(f"time_zone: {exc}") from None

    @property
    def width(self) -> int:
        return INTERVALS[self.interval]

    def grid(self, period: Period) -> Grid:
        """The period's buckets in the options' zone."""
        return Grid(period, self.width, zone_named(self.time_zone))


@dataclass(frozen=True, slots=True)
class CallFigures:
    """One queue's (or agent's) figures over one interval."""

    key: str
    start: dt.datetime
    end: dt.datetime
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    other: int
    answered_within: int
    service_level: float | None
    asa: float | None
    aht: float | None
    average_hold: float | None
    abandon_rate: float | None
    handle_seconds: float
    handle_share: float
    first_contact_resolved: int
    fcr: float | None
    busy_seconds: float = 0.0
    available_seconds: float = 0.0
    paused_seconds: float = 0.0
    staffed_seconds: float = 0.0
    occupancy: float | None = None

    def as_dict(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in self.__slots__}
        return row | {"start": self.start.isoformat(), "end": self.end.isoformat()}


def counted_calls() -> ColumnElement[bool]:
    """The calls a history counts: inbound voice calls that reached a queue."""
    return and_(Interaction.channel == "voice", Interaction.direction == "inbound",
                Interaction.queue.is_not(None))


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_if(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _look_ahead(period: Period, days: float) -> dt.datetime:
    """How far after the period a repeat call is looked for."""
    try:
        return period.end + dt.timedelta(days=days)
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=dt.UTC)


def _calls_and_next(period: Period, options: HistoryOptions) -> Any:
    """Every inbound voice call from the period's start to ``fcr_days`` after its end, with
    its caller's next call (``LEAD`` over the caller's calls: one sort, not a probe of
    the table per call, as a correlated NOT EXISTS on the unindexed number would be)."""
    call = Interaction
    next_call = func.lead(call.started_at).over(partition_by=call.caller,
                                                order_by=(call.started_at, call.id))
    return (select(call.started_at, call.queue, call.agent, call.outcome, call.caller,
                   call.wait_seconds, call.talk_seconds, call.wrap_seconds,
                   call.hold_seconds, next_call.label("next_call"))
            .where(call.channel == "voice", call.direction == "inbound",
                   call.started_at >= period.start,
                   call.started_at < _look_ahead(period, options.fcr_days))
            .subquery("calls"))


def _columns(calls: Any, options: HistoryOptions) -> list[Any]:
    answered = calls.c.outcome == "answered"
    wait = func.coalesce(calls.c.wait_seconds, 0.0)
    abandoned = calls.c.outcome.in_(ABANDONED)
    handle = func.coalesce(calls.c.talk_seconds, 0.0) + func.coalesce(calls.c.wrap_seconds, 0.0)
    called_again = and_(calls.c.next_call.is_not(None), seconds_between(
        calls.c.started_at, calls.c.next_call) < options.fcr_days * 86_400)
    resolved = and_(answered, calls.c.caller.is_not(None), calls.c.caller != "",
                    ~called_again)
    return [func.count().label("offered"),
            _count_if(answered).label("answered"),
            _count_if(abandoned).label("abandoned"),
            _count_if(and_(abandoned, wait < options.short_abandon_seconds)).label("short"),
            _count_if(and_(answered, wait <= options.sl_seconds)).label("within"),
            _sum_if(answered, wait).label("wait"),
            _sum_if(answered, handle).label("handle"),
            _sum_if(answered, func.coalesce(calls.c.hold_seconds, 0.0)).label("hold"),
            _count_if(resolved).label("resolved")]


def history_query(period: Period, options: HistoryOptions, grid: Grid | None = None) -> Any:
    """The ``GROUP BY`` statement: one row per (bucket, queue or agent)."""
    calls = _calls_and_next(period, options)
    key = calls.c.queue if options.by == "queue" else calls.c.agent
    bucket = bucket_of(calls.c.started_at, options.width,
                       grid or options.grid(period)).label("bucket")
    conditions = [calls.c.queue.is_not(None), calls.c.started_at < period.end,
                  key.is_not(None)]
    if options.queue is not None:
        conditions.append(calls.c.queue == options.queue)
    return (select(bucket, key.label("key"), *_columns(calls, options))
            .where(*conditions).group_by(bucket, key).order_by(bucket, key))


def _figures(row: Any, grid: Grid) -> CallFigures:
    start = grid.start_of(row.bucket)
    end = grid.end_of(start)
    offered, answered, abandoned = int(row.offered), int(row.answered), int(row.abandoned)
    handle = float(row.handle)
    return CallFigures(
        key=str(row.key), start=grid.moment(start), end=grid.moment(end),
        offered=offered, answered=answered, abandoned=abandoned,
        short_abandoned=int(row.short), other=offered - answered - abandoned,
        answered_within=int(row.within),
        service_level=ratio(int(row.within), offered - int(row.short)),
        asa=ratio(row.wait, answered), aht=ratio(handle, answered),
        average_hold=ratio(row.hold, answered), abandon_rate=ratio(abandoned, offered),
        handle_seconds=handle, handle_share=handle / (end - start),
        first_contact_resolved=int(row.resolved), fcr=ratio(int(row.resolved), answered))


def _idle(key: str, start: dt.datetime, grid: Grid) -> CallFigures:
    """A bucket where agents were logged in and no call came."""
    end = grid.moment(grid.end_of(int(start.timestamp())))
    return CallFigures(key=key, start=start, end=end,
                       offered=0, answered=0, abandoned=0, short_abandoned=0, other=0,
                       answered_within=0, service_level=None, asa=None, aht=None,
                       average_hold=None, abandon_rate=None, handle_seconds=0.0,
                       handle_share=0.0, first_contact_resolved=0, fcr=None)


def _with_time(figures: CallFigures, time: StateTime | None) -> CallFigures:
    if time is None:
        return figures
    return dataclasses.replace(
        figures, busy_seconds=round(time.busy, 3), available_seconds=round(time.available, 3),
        paused_seconds=round(time.paused, 3), staffed_seconds=round(time.staffed, 3),
        occupancy=time.occupancy)


async def call_history(session: AsyncSession, period: Period, options: HistoryOptions,
                       now: dt.datetime | None = None) -> list[CallFigures]:
    """The figures of every queue (or agent) with calls or logged-in agents, bucket by
    bucket, in time order; buckets with neither are left out. ``now``: where the
    agents' states still open end (the present)."""
    grid = options.grid(period)
    rows = (await session.execute(history_query(period, options, grid))).all()
    times = await agent_time(session, period, options.width, options.by, options.queue, now,
                             grid)
    calls = {(f.start, f.key): f for f in (_figures(row, grid) for row in rows)}
    keys = sorted(calls.keys() | {key for key, t in times.items() if t.staffed or t.paused})
    return [_with_time(calls.get(key) or _idle(key[1], key[0], grid), times.get(key))
            for key in keys]

