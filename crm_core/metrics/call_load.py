"""What staffing needs from the call history: calls offered per slot, and how long
calls take and how long callers wait before they give up.

Both are aggregate queries over the same calls as ``calls_history`` (inbound voice
calls that reached a queue), so that the forecast, the staffing and the history
count the same calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics.buckets import bucket_of
from crm_core.metrics.calls_history import ABANDONED, counted_calls
from crm_core.metrics.period import Period
from crm_core.metrics.queries import ratio, within
from crm_core.models import Interaction

#: the forecast's slot: half an hour
SLOT_SECONDS = 1800


async def offered_series(session: AsyncSession, period: Period, queue: str | None = None,
                         width: int = SLOT_SECONDS) -> np.ndarray:
    """Calls offered in each ``width``-second slot of ``period`` (which starts on a slot
    edge), zeros included: the array the forecast reads."""
    slots = int((period.end - period.start).total_seconds() // width)
    if period.start.timestamp() % width or slots < 1:
        raise ValueError(f"the period must start on a slot edge and hold whole {width}-second "
                         "slots")
    bucket = bucket_of(Interaction.started_at, width).label("bucket")
    query = select(bucket, func.count()).where(
        counted_calls(), within(Interaction.started_at, period)).group_by(bucket)
    if queue is not None:
        query = query.where(Interaction.queue == queue)
    counts = np.zeros(slots, dtype=float)
    first = int(period.start.timestamp())
    for epoch, count in await session.execute(query):
        index = (int(epoch) - first) // width
        if 0 <= index < slots:
            counts[index] = count
    return counts


@dataclass(frozen=True, slots=True)
class Handling:
    """A queue's calls over a period, as Erlang's models take them."""

    offered: int
    answered: int
    abandoned: int
    #: mean talk + wrap-up of answered calls, seconds (None: none answered)
    aht: float | None
    #: callers' mean patience, seconds: all offered callers' waiting time over the number
    #: who gave up (the maximum-likelihood estimate of an exponential patience whose
    #: answered callers are censored); None when nobody gave up
    patience: float | None


async def handling(session: AsyncSession, period: Period, queue: str | None = None) -> Handling:
    """How the queue's (or every queue's) calls went over ``period``."""
    call = Interaction
    answered = call.outcome == "answered"
    handle = func.coalesce(call.talk_seconds, 0.0) + func.coalesce(call.wrap_seconds, 0.0)
    query = select(func.count(), func.count().filter(answered),
                   func.count().filter(call.outcome.in_(ABANDONED)),
                   func.sum(handle).filter(answered),
                   func.sum(func.coalesce(call.wait_seconds, 0.0))
                   ).where(counted_calls(), within(call.started_at, period))
    if queue is not None:
        query = query.where(call.queue == queue)
    offered, served, gave_up, handled, waited = (await session.execute(query)).one()
    return Handling(offered=int(offered), answered=int(served), abandoned=int(gave_up),
                    aht=ratio(handled, served), patience=ratio(waited, gave_up))


def day_period(day: dt.date, weeks: int) -> Period:
    """The ``weeks`` whole weeks before ``day`` (UTC midnights): the history of its forecast."""
    end = dt.datetime.combine(day, dt.time(0), dt.UTC)
    return Period(end - dt.timedelta(weeks=weeks), end)
