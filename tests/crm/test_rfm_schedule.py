"""The RFM schedule: due one interval after the stored scores, retried after a failure.

The loop's waits are recorded, not slept: the fake ``wait`` ends the loop after a
given number of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.server.rfm_schedule import RfmSchedule, due_in
from crm_core import rfm
from crm_core.db import sessions
from crm_core.models import Contact, Order
from crm_core.rfm_read import summary

START = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
HOUR = 3600.0


class Waits:
    """The loop's waits: each moves the fake clock on; the ``stop_after``-th ends the loop."""

    def __init__(self, stop_after: int) -> None:
        self.now = START.timestamp()
        self.seen: list[float] = []
        self.stop_after = stop_after

    def clock(self) -> float:
        return self.now

    async def wait(self, seconds: float) -> None:
        self.seen.append(seconds)
        if len(self.seen) >= self.stop_after:
            raise asyncio.CancelledError
        self.now += seconds


@pytest.fixture
async def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    maker = sessions(engine)
    async with maker() as session, session.begin():
        contact = Contact(first_name="Ann", last_name="Example")
        session.add(contact)
        await session.flush()
        session.add(Order(contact_id=contact.id, total=Decimal(10),
                          ordered_at=START - dt.timedelta(days=3)))
    return maker


def test_due_at_once_without_scores_else_the_rest_of_the_interval() -> None:
    assert due_in(START, None, HOUR) == 0
    assert due_in(START, START - dt.timedelta(minutes=15), HOUR) == 45 * 60
    assert due_in(START, START - dt.timedelta(days=2), HOUR) == 0


async def test_runs_at_once_then_every_interval(maker: async_sessionmaker[AsyncSession]) -> None:
    waits = Waits(stop_after=3)
    schedule = RfmSchedule(maker, 6 * HOUR, clock=waits.clock, wait=waits.wait)
    with pytest.raises(asyncio.CancelledError):
        await schedule.run()
    assert waits.seen == [0, 6 * HOUR, 6 * HOUR] and schedule.runs == 2
    last = await summary(maker)
    assert last["customers"] == 1
    assert last["computed_at"] == (START + dt.timedelta(hours=6)).isoformat()
    assert last["as_of"] == "2026-11-20"


async def test_a_restart_waits_for_what_is_left_of_the_interval(
        maker: async_sessionmaker[AsyncSession]) -> None:
    await rfm.recompute(maker, as_of=START.date(), now=START - dt.timedelta(hours=2))
    waits = Waits(stop_after=1)
    with pytest.raises(asyncio.CancelledError):
        await RfmSchedule(maker, 6 * HOUR, clock=waits.clock, wait=waits.wait).run()
    assert waits.seen == [4 * HOUR]


async def test_a_failed_run_is_tried_again_and_the_loop_goes_on(
        maker: async_sessionmaker[AsyncSession]) -> None:
    outcomes: list[Exception | None] = [OSError("database gone"), None]

    async def flaky(sessions: Any, **when: Any) -> rfm.RfmRun:
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure
        return await rfm.recompute(sessions, **when)

    waits = Waits(stop_after=3)
    schedule = RfmSchedule(maker, HOUR, clock=waits.clock, wait=waits.wait, recompute=flaky)
    with pytest.raises(asyncio.CancelledError):
        await schedule.run()
    assert schedule.runs == 1 and schedule.last_error is None and not outcomes
    assert (await summary(maker))["customers"] == 1


async def test_the_error_is_kept_until_a_run_succeeds(
        maker: async_sessionmaker[AsyncSession]) -> None:
    async def broken(sessions: Any, **when: Any) -> rfm.RfmRun:
        raise OSError("database gone")

    schedule = RfmSchedule(maker, HOUR, recompute=broken)
    assert await schedule.run_once() is None
    assert schedule.last_error == "OSError: database gone"


def test_an_interval_must_be_positive(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="^interval:"):
        RfmSchedule(sessions(engine), 0)
