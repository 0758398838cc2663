"""Occupancy from the agents' states over time, worked out by hand, on SQLite and
PostgreSQL: the states written by the platform's own writer, read by the call history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.agent_states import (
    StateChange,
    close_all,
    close_left_open,
    mark_seen,
    record_states,
)
from crm_core.db import sessions
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan
from tests.crm.call_history_support import TEN, WEEK_OF_TEN, history, monday_morning, plant, row_of

HALF_PAST = TEN + dt.timedelta(minutes=30)
ELEVEN = TEN + dt.timedelta(hours=1)


def at(minutes: float) -> dt.datetime:
    return TEN + dt.timedelta(minutes=minutes)


def change(agent: str, state: str, minutes: float, reason: str = "",
           queues: tuple[str, ...] = ("sales",)) -> StateChange:
    return StateChange(agent=agent, state=state, since=at(minutes), reason=reason,
                       queues=queues)


#: agent101 (sales): available 10:00, a call rings 10:05 and is answered 10:05:10, wrap-up
#: 10:20, available 10:21, a break 10:25-10:40, available, logged out at 10:50.
#: agent102 (sales and support): available 10:10, on a call 10:15, a call of their own
#: (paused "outbound") 10:30-10:35, then available until now (11:00).
MORNING = [
    change("agent101", "available", 0), change("agent101", "ringing", 5),
    change("agent101", "on_call", 5 + 10 / 60), change("agent101", "wrap_up", 20),
    change("agent101", "available", 21), change("agent101", "paused", 25, "break"),
    change("agent101", "available", 40), change("agent101", "logged_out", 50),
    change("agent102", "available", 10, queues=("sales", "support")),
    change("agent102", "on_call", 15, queues=("sales", "support")),
    change("agent102", "paused", 30, "outbound", queues=("sales", "support")),
    change("agent102", "available", 35, queues=("sales", "support")),
]


async def _morning(engine: AsyncEngine) -> None:
    assert await record_states(sessions(engine), MORNING) == len(MORNING)


async def test_occupancy_per_agent_worked_out_by_hand(engine: AsyncEngine) -> None:
    await _morning(engine)
    rows = await history(engine, by="agent", now=ELEVEN)
    first = row_of(rows, "agent101", TEN)
    # busy: on the call 890 s + wrap-up 60 s; available 300 + 240 s and ringing 10 s
    assert (first.busy_seconds, first.available_seconds, first.paused_seconds) == (
        pytest.approx(950), pytest.approx(550), pytest.approx(300))
    assert first.staffed_seconds == pytest.approx(1500)
    assert first.occupancy == pytest.approx(950 / 1500)
    later = row_of(rows, "agent101", HALF_PAST)  # the break goes on past the edge
    assert (later.paused_seconds, later.available_seconds, later.occupancy) == (
        pytest.approx(600), pytest.approx(600), 0.0)
    assert later.offered == 0  # logged in without a call: a row all the same
    second = row_of(rows, "agent102", HALF_PAST)
    # the call they placed is busy time; available from 10:35 until now
    assert second.busy_seconds == pytest.approx(300)
    assert second.occupancy == pytest.approx(300 / 1800)


async def test_a_queue_counts_the_time_of_the_agents_who_served_it(
        engine: AsyncEngine) -> None:
    await _morning(engine)
    rows = await history(engine, by="queue", now=ELEVEN)
    sales = row_of(rows, "sales", TEN)
    assert sales.busy_seconds == pytest.approx(950 + 900)
    assert sales.available_seconds == pytest.approx(550 + 300)
    assert sales.occupancy == pytest.approx(1850 / 2700)
    support = row_of(rows, "support", TEN)  # agent102 alone serves it
    assert support.occupancy == pytest.approx(900 / 1200)
    only_support = await history(engine, by="agent", queue="support", now=ELEVEN)
    assert {row.key for row in only_support} == {"agent102"}


async def test_occupancy_sits_beside_the_calls_of_the_same_bucket(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    await _morning(engine)
    sales = row_of(await history(engine, now=ELEVEN), "sales", TEN)
    assert (sales.offered, sales.answered) == (10, 8)  # the calls' figures unchanged
    assert sales.occupancy == pytest.approx(1850 / 2700)
    no_calls = row_of(await history(engine, now=ELEVEN), "support", HALF_PAST)
    assert no_calls.offered == 0  # no call, but agent102 served it: their call placed
    assert no_calls.occupancy == pytest.approx(300 / 1800)


async def test_a_state_still_open_counts_until_now_and_no_further(engine: AsyncEngine) -> None:
    await _morning(engine)
    quarter_to = TEN + dt.timedelta(minutes=45)
    second = row_of(await history(engine, by="agent", now=quarter_to), "agent102", HALF_PAST)
    assert second.available_seconds == pytest.approx(600)  # 10:35 to 10:45
    hour = await history(engine, Period(TEN, HALF_PAST), by="agent", interval="hour",
                         now=ELEVEN)
    assert row_of(hour, "agent101", TEN).staffed_seconds == pytest.approx(1500)  # cut at 10:30


async def test_changes_offered_again_land_once(engine: AsyncEngine) -> None:
    await _morning(engine)
    assert await record_states(sessions(engine), MORNING) == 0
    async with sessions(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(AgentStateSpan))
        still_open = await session.scalar(select(func.count()).select_from(AgentStateSpan)
                                          .where(AgentStateSpan.ended_at.is_(None)))
    assert (count, still_open) == (len(MORNING), 2)  # agent101 logged out, agent102 available


async def test_a_state_left_open_by_a_crash_ends_where_it_was_last_seen(
        engine: AsyncEngine) -> None:
    crm = sessions(engine)
    await record_states(crm, [change("agent101", "available", 0)])
    await mark_seen(crm, at(12))
    await record_states(crm, [change("agent102", "available", 13)])  # never seen after
    assert await close_left_open(crm, before=at(30)) == 2
    rows = await history(engine, by="agent", now=ELEVEN)
    assert row_of(rows, "agent101", TEN).available_seconds == pytest.approx(720)
    assert [row.key for row in rows] == ["agent101"]  # agent102's state ended where it began


async def test_a_clean_stop_ends_every_open_state(engine: AsyncEngine) -> None:
    await _morning(engine)
    await close_all(sessions(engine), at(40))
    second = row_of(await history(engine, by="agent", now=ELEVEN), "agent102", HALF_PAST)
    assert second.available_seconds == pytest.approx(300)  # 10:35 to the stop at 10:40


async def test_time_outside_the_period_is_left_out(engine: AsyncEngine) -> None:
    await _morning(engine)
    rows = await history(engine, Period(at(15), WEEK_OF_TEN.end), by="agent", now=ELEVEN)
    first = row_of(rows, "agent101", TEN)
    assert first.busy_seconds == pytest.approx(300 + 60)  # on the call from 10:15, wrap-up
