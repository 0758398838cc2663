"""The agents' time outbox: ``agent.state`` events from the bus into the CRM, the changes
kept in the agents' state file offered again after a restart, the states a crash left
open ended where they were last seen; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.engine.agent_store import AgentStateStore, read_entries
from contactcenter.events.agent_time_outbox import AgentTimeOutbox
from contactcenter.events.bus import EventBus
from crm_core.agent_states import StateChange, mark_seen, record_states
from crm_core.db import sessions
from crm_core.models import AgentStateSpan
from tests.crm.call_history_support import TEN, history, row_of
from tests.support import until

START = TEN.timestamp()
QUEUES = {"agent101": ["sales"], "agent102": ["sales", "support"]}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def state(agent: str, name: str, minutes: float, reason: str = "") -> dict[str, Any]:
    return {"type": "agent.state", "agent": agent, "state": name, "reason": reason,
            "since": START + minutes * 60, "call_id": None}


async def _spans(engine: AsyncEngine) -> list[tuple[str, str, dt.datetime | None]]:
    async with sessions(engine)() as session:
        rows = await session.execute(select(AgentStateSpan.agent, AgentStateSpan.state,
                                            AgentStateSpan.ended_at)
                                     .order_by(AgentStateSpan.started_at))
    return [(agent, name, ended) for agent, name, ended in rows]


@contextlib.asynccontextmanager
async def running(engine: AsyncEngine, clock: Clock,
                  recovered: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ()) -> AsyncIterator[tuple[EventBus, AgentTimeOutbox]]:
    bus = EventBus()
    outbox = AgentTimeOutbox(sessions(engine), QUEUES, clock, recovered=recovered,
                             first_pause=0.01)
    outbox.listen(bus)
    task = asyncio.create_task(outbox.run(bus))
    try:
        yield bus, outbox
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await outbox.close()
        bus.close()


async def test_state_events_become_the_agents_time(engine: AsyncEngine) -> None:
    clock = Clock(START + 3600)
    async with running(engine, clock) as (bus, _):
        for event in (state("agent101", "available", 0), state("agent101", "on_call", 10),
                      state("agent101", "paused", 20, "lunch"),
                      state("agent102", "available", 5)):
            bus.publish(event)
        bus.publish({"type": "queue.stats", "queue": "sales"})  # not a state: ignored

        async def written() -> bool:
            return len(await _spans(engine)) == 4
        await until(written, what="the four states in the CRM")
    rows = await history(engine, by="queue", now=dt.datetime.fromtimestamp(clock.now, dt.UTC))
    support = row_of(rows, "support", TEN)  # agent102 from 10:05, to the stop at 11:00
    assert support.available_seconds == pytest.approx(1500)
    sales = row_of(rows, "sales", TEN)
    assert sales.busy_seconds == pytest.approx(600)
    assert sales.paused_seconds == pytest.approx(600)
    assert [ended is not None for *_, ended in await _spans(engine)] == [True] * 4  # stopped


async def test_a_restart_offers_the_file_again_and_ends_what_the_crash_left_open(
        engine: AsyncEngine, tmp_path: Path) -> None:
    store = AgentStateStore(tmp_path / "agents.jsonl")
    for event in (state("agent101", "available", 0), state("agent101", "on_call", 10)):
        store.save(event["agent"], event["state"], event["reason"], event["since"])
    store.close()
    crm = sessions(engine)
    # before the crash only the first change reached the CRM, and it was seen at 10:08
    await record_states(crm, [StateChange(agent="agent101", state="available", since=TEN,
                                          queues=("sales",))])
    await mark_seen(crm, TEN + dt.timedelta(minutes=8))
    clock = Clock(START + 3600)  # the restart, at 11:00
    async with running(engine, clock, recovered=read_entries(store.path)) as (bus, _):
        async def recovered() -> bool:
            return [name for _, name, ended in await _spans(engine) if ended] == [
                "available", "on_call"]
        await until(recovered, what="the file's changes written and the open one ended")
        bus.publish(state("agent101", "available", 60))  # restored at the restart
        await until(lambda: _count(engine, 3), what="the restored state written")
    ended = (await _spans(engine))[0][2]
    assert ended is not None
    assert ended.replace(tzinfo=dt.UTC) == TEN + dt.timedelta(minutes=10)  # the next change
    first = row_of(await history(engine, by="agent", now=TEN + dt.timedelta(hours=2)),
                   "agent101", TEN)
    # available 10:00-10:10; the call never seen: ended at its start, no time counted
    assert (first.available_seconds, first.busy_seconds) == (pytest.approx(600), 0.0)


async def _count(engine: AsyncEngine, count: int) -> bool:
    return len(await _spans(engine)) == count


async def test_the_file_keeps_the_times_of_the_states(tmp_path: Path) -> None:
    store = AgentStateStore(tmp_path / "agents.jsonl")
    store.save("agent101", "available", "", START)
    store.save("agent101", "paused", "lunch", START + 60)
    store.save("agent102", "available", "")  # a line from before times were kept
    store.close()
    assert [entry.get("since") for entry in read_entries(store.path)] == [
        START, START + 60, None]
    assert store.load() == {"agent101": ("paused", "lunch"), "agent102": ("available", "")}
    assert [entry.get("since") for entry in read_entries(store.path)] == [START + 60, None]
