"""The agents a queue's forecast inbound calls need, half hour by half hour: what the
slot rule takes off the roster before it gives spare time to booked callbacks.

The figures are the staffing plan's (docs/call-history.md, ``GET
/api/v1/analytics/staffing``): the queue's calls offered in the weeks before today,
forecast half hour by half hour (``crm_core.metrics.call_forecast``), and the agents
Erlang C asks for to meet the queue's service-level target with the history's handle
time (``crm_core.metrics.call_staffing``). A queue without enough history needs none
(every agent of its roster counts as spare) until it has some.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd.model import QueueConfig
from contactcenter.engine.bookings import HALF_HOUR, Bookings
from crm_core.metrics import call_forecast
from crm_core.metrics.call_load import day_period, handling, offered_series
from crm_core.metrics.call_staffing import Target, plan

log = logging.getLogger(__name__)

#: how often the needs are worked out again (seconds): the history grows by the hour
REFRESH = 3600.0


async def inbound_need(crm: async_sessionmaker[AsyncSession], queue: QueueConfig,
                       today: dt.date, days: int,
                       weeks: int = call_forecast.DEFAULT_WEEKS) -> dict[float, int]:
    """Half hour's start (Unix seconds) -> the agents its forecast calls need, for
    ``days`` days from ``today``'s midnight (UTC); empty without enough history."""
    period = day_period(today, weeks)
    async with crm() as session:
        history = await offered_series(session, period, queue.name)
        found = await handling(session, period, queue.name)
    if found.aht is None or not history.any():
        return {}
    level, within = queue.service_level_target
    target = Target(level=min(level, 0.99), within=within, aht=max(found.aht, 1.0))
    try:
        forecast = call_forecast.forecast_after(history, 0, days * 48, weeks=weeks)
        plans = plan(list(forecast), target)
    except ValueError as exc:  # too little history (TooLittleHistory), or no plan
        log.info("queue %s: no staffing plan for its booked callbacks: %s", queue.name, exc)
        return {}
    first = dt.datetime.combine(today, dt.time(0), dt.UTC).timestamp()
    return {first + index * HALF_HOUR: slot.erlang_c_agents for index, slot in enumerate(plans)}


async def refresh_needs(bookings: Bookings, crm: async_sessionmaker[AsyncSession]) -> None:
    """Work the needs of every queue that takes bookings out again each ``REFRESH``
    seconds, for as long as the app runs (a failed try keeps the last figures)."""
    while True:
        today = dt.datetime.fromtimestamp(bookings.now(), dt.UTC).date()
        for name in bookings.queues():
            config = bookings.config(name)
            assert config.callback_slots is not None
            days = config.callback_slots.days_ahead + 1
            try:
                bookings.inbound_need[name] = await inbound_need(crm, config, today, days)
            except Exception:  # the roster alone meanwhile
                log.exception("queue %s: the staffing of its booked callbacks failed", name)
        await asyncio.sleep(REFRESH)  # a schedule, not a wait for a condition
