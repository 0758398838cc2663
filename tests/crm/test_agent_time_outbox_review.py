"""The agents' time outbox under trouble, on SQLite and PostgreSQL: a restart with the
database still down, a bus that cut the outbox off, a stop with changes still waiting
on the bus, damaged or unreadable state files, a database down while events keep
coming. No change is lost, and the states a crash left open end where they were seen."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from contactcenter.engine.agent_store import AgentStateStore, read_entries
from contactcenter.events.agent_time_outbox import AgentTimeOutbox
from contactcenter.events.bus import EventBus
from crm_core.agent_states import mark_seen, record_states
from crm_core.db import sessions
from crm_core.models import AgentStateSpan
from tests.crm.test_agent_time_review import QUEUES, START, _aware, at, change, spans
from tests.support import until


def event(state: str, minutes: float, agent: str = "agent101") -> dict[str, Any]:
    return {"type": "agent.state", "agent": agent, "state": state, "reason": "",
            "since": START + minutes * 60, "call_id": None}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _unreachable(engine: AsyncEngine, tmp_path: Path) -> AsyncEngine:
    """The same kind of database, somewhere it cannot be reached."""
    if engine.dialect.name == "sqlite":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        return create_async_engine(f"sqlite+aiosqlite:///{blocker}/crm.db")
    return create_async_engine(engine.url.set(port=1))


@contextlib.asynccontextmanager
async def running(crm: async_sessionmaker[Any], clock: Clock, bus: EventBus,
                  **options: Any) -> AsyncIterator[AgentTimeOutbox]:
    outbox = AgentTimeOutbox(crm, QUEUES, clock, first_pause=0.01, **options)
    outbox.listen(bus)
    task = asyncio.create_task(outbox.run(bus))
    try:
        yield outbox
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await outbox.close()


async def test_a_restart_with_the_database_down_still_ends_the_crashs_states_where_seen(
        engine: AsyncEngine, tmp_path: Path) -> None:
    crm = sessions(engine)
    await record_states(crm, [change("available", 0), change("on_call", 10)])
    await mark_seen(crm, at(20))  # then the crash
    down = _unreachable(engine, tmp_path)
    crm.configure(bind=down)
    recovered = [event("available", 0), event("on_call", 10)]
    bus = EventBus()
    async with running(crm, Clock(START + 3600), bus, recovered=recovered) as outbox:
        bus.publish(event("available", 60))  # the agent restored at the restart, 11:00
        await until(lambda: outbox.failures >= 2, what="the restored state kept, unsent")
        crm.configure(bind=engine)  # the database is back
        await until(lambda: outbox.written >= 1, what="the restored state written")
    await down.dispose()
    assert (await spans(engine))[:3] == [("available", at(0), at(10)),
                                         ("on_call", at(10), at(20)),  # seen, then the crash
                                         ("available", at(60), at(60))]


async def test_a_bus_that_cut_the_outbox_off_loses_no_state(
        engine: AsyncEngine, tmp_path: Path) -> None:
    """Ten thousand events wait unread (a slow database); the bus drops the oldest and
    the newest. The ones waiting are written, the dropped ones read back from the file."""
    store = AgentStateStore(tmp_path / "agents.jsonl")
    bus = EventBus(checked=False)

    def publish(one: dict[str, Any]) -> None:
        bus.publish(one)
        store.save(one["agent"], one["state"], one["reason"], one["since"])

    outbox = AgentTimeOutbox(sessions(engine), QUEUES, Clock(START + 3600), first_pause=0.01,
                             reread=lambda: read_entries(store.path))
    outbox.listen(bus)
    publish(event("available", 0))  # dropped when the bus cuts the outbox off
    for _ in range(9_998):
        bus.publish({"type": "queue.stats", "queue": "sales"})
    publish(event("on_call", 10))  # waiting when the cut comes
    publish(event("wrap_up", 20))  # the one too many: never offered
    task = asyncio.create_task(outbox.run(bus))
    try:
        async def three() -> bool:
            return len(await spans(engine)) == 3
        await until(three, what="the three states in the CRM")
        publish(event("available", 30))  # after the cut: the outbox listens again

        async def four() -> bool:
            return len(await spans(engine)) == 4
        await until(four, what="the state after the cut in the CRM")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()
    assert [(state, start) for state, start, _ in await spans(engine)] == [
        ("available", at(0)), ("on_call", at(10)), ("wrap_up", at(20)), ("available", at(30))]


async def test_a_clean_stop_writes_the_changes_still_waiting_on_the_bus(
        engine: AsyncEngine) -> None:
    """Stopping the calls moves agents (a call ends, wrap-up starts) just before the
    outbox is stopped: those changes are written, then ended at the stop."""
    bus = EventBus()
    outbox = AgentTimeOutbox(sessions(engine), QUEUES, Clock(START + 1800))
    outbox.listen(bus)
    bus.publish(event("on_call", 0))
    bus.publish(event("wrap_up", 25))
    await outbox.close()
    assert await spans(engine) == [("on_call", at(0), at(25)), ("wrap_up", at(25), at(30))]


@pytest.mark.parametrize("since", [1e300, float("nan"), float("inf"), -1e300])
async def test_a_file_line_with_an_impossible_time_is_passed_over(
        engine: AsyncEngine, since: float) -> None:
    recovered: Iterable[dict[str, Any]] = [
        {"agent": "agent101", "state": "available", "since": since},
        event("available", 0)]
    outbox = AgentTimeOutbox(sessions(engine), QUEUES, Clock(START + 600),
                             recovered=recovered)
    await outbox.close()  # a state of before the start: ended where it was last seen
    assert await spans(engine) == [("available", at(0), at(0))]


async def test_an_unreadable_state_file_after_a_cut_does_not_stop_the_outbox(
        engine: AsyncEngine, tmp_path: Path) -> None:
    bus = EventBus(checked=False)
    outbox = AgentTimeOutbox(sessions(engine), QUEUES, Clock(START), first_pause=0.01,
                             reread=lambda: read_entries(tmp_path))  # a folder: unreadable
    outbox.listen(bus)
    for _ in range(10_001):
        bus.publish({"type": "queue.stats", "queue": "sales"})
    task = asyncio.create_task(outbox.run(bus))
    try:
        await until(lambda: outbox._events().overflowed is False, what="listening again")
        bus.publish(event("available", 0))

        async def written() -> bool:
            return len(await spans(engine)) == 1
        await until(written, what="the change after the cut in the CRM")
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_database_down_is_tried_again_after_the_pause_not_at_every_event(
        engine: AsyncEngine, tmp_path: Path) -> None:
    """Events keep coming while the CRM is down (the bus carries every queue's figures):
    each used to wake a new attempt at once, a connection and a warning per event."""
    down = _unreachable(engine, tmp_path)
    crm = sessions(engine)
    crm.configure(bind=down)
    bus = EventBus(checked=False)
    outbox = AgentTimeOutbox(crm, QUEUES, Clock(START), first_pause=30.0)
    outbox.listen(bus)
    task = asyncio.create_task(outbox.run(bus))
    try:
        await until(lambda: outbox.failures == 1, what="the first attempt failed")
        for minute in range(20):  # the calls go on: events arrive one by one
            bus.publish(event("available" if minute % 2 else "paused", minute))
            await asyncio.sleep(0.01)
        assert outbox.failures == 1  # the next attempt waits its 30 s
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await down.dispose()
    crm.configure(bind=engine)
    await outbox.close()  # the database is back: every change kept, in order
    assert [state for state, _, _ in await spans(engine)] == [
        "available" if minute % 2 else "paused" for minute in range(20)]



async def test_the_open_states_are_marked_seen_while_the_platform_runs(
        engine: AsyncEngine) -> None:
    clock = Clock(START + 600)
    bus = EventBus(checked=False)
    async with running(sessions(engine), clock, bus) as outbox:
        bus.publish(event("available", 10))
        await until(lambda: outbox.written == 1, what="the state written")
        clock.now += 61  # a minute on: the next event finds the mark due
        bus.publish({"type": "queue.stats", "queue": "sales"})

        async def seen() -> bool:
            async with sessions(engine)() as session:
                found = await session.scalar(select(AgentStateSpan.seen_at))
            return found is not None and _aware(found) == at(10) + dt.timedelta(seconds=61)
        await until(seen, what="the open state marked seen a minute on")
