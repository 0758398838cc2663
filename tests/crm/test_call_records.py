"""Ended calls become interactions on the caller's CRM timeline, each exactly once,
even when the database was away while they ended."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox, summarise
from contactcenter.events.journal import CallJournal
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import make_engine, migrate, sessions
from crm_core.models import Contact, ContactPhone, Interaction
from tests.support import until

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


async def _ada(engine: AsyncEngine) -> int:
    async with sessions(engine)() as session, session.begin():
        ada = Contact(first_name="Ada", last_name="Lovelace",
                      phones=[ContactPhone(e164="+15550001001")])
        session.add(ada)
        await session.flush()
        return ada.id


def _call(call_id: str, caller: str) -> CallSummary:
    return CallSummary(call_id=call_id, caller=caller, dialed="5000", started=START,
                       ended=START + dt.timedelta(minutes=3), outcome="queued",
                       queue="support", ivr_path=["main_menu", "support"])


async def _interactions(engine: AsyncEngine) -> dict[str, int | None]:
    async with sessions(engine)() as session:
        rows = await session.execute(select(Interaction.call_id, Interaction.contact_id))
        return {call_id: contact_id for call_id, contact_id in rows}


async def test_a_call_lands_once_on_the_callers_timeline(engine: AsyncEngine) -> None:
    ada = await _ada(engine)
    calls = [_call("c1", "15550001001"), _call("c2", "anonymous"), _call("c3", "+15559990000")]
    assert await record_calls(sessions(engine), calls) == 3
    assert await record_calls(sessions(engine), calls) == 0
    assert await _interactions(engine) == {"c1": ada, "c2": None, "c3": None}
    async with sessions(engine)() as session:
        row = await session.scalar(select(Interaction).where(Interaction.call_id == "c1"))
    assert row is not None and (row.queue, row.ivr_path) == ("support", ["main_menu", "support"])


async def test_the_interaction_names_the_engine_its_record_began_on(
        engine: AsyncEngine, tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    now = time.time()
    for event in ({"type": "call.arrived", "call_id": "CA1", "time": now, "caller": "+1555",
                   "dialed": "+15550005000", "engine": "twilio"},
                  {"type": "call.ended", "call_id": "CA1", "time": now + 1,
                   "outcome": "hangup"}):
        journal.append(event)
    journal.close()
    (record,) = journal.ended()
    assert record.engine == "twilio"
    assert await record_calls(sessions(engine), [summarise(record)]) == 1
    async with sessions(engine)() as session:
        engines = await session.scalars(select(Interaction.engine))
        assert list(engines) == ["twilio"]


def _ended_call(journal: CallJournal, bus: EventBus, call_id: str, caller: str) -> None:
    """What the engine does: journal first, then the bus."""
    now = time.time()
    for event in ({"type": "call.arrived", "call_id": call_id, "time": now, "caller": caller,
                   "dialed": "5000"},
                  {"type": "ivr.exit", "call_id": call_id, "time": now, "kind": "queue",
                   "target": "sales"},
                  {"type": "call.ended", "call_id": call_id, "time": now + 1,
                   "outcome": "hangup"}):
        journal.append(event)
        bus.publish(event)


async def test_calls_that_ended_while_the_app_was_down_arrive_at_start(
        engine: AsyncEngine, tmp_path: Path) -> None:
    ada = await _ada(engine)
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    _ended_call(journal, EventBus(), "before-1", "+15550001001")
    _ended_call(journal, EventBus(), "before-2", "+15550002002")
    journal.close()
    reopened = CallJournal(tmp_path / "calls.jsonl")
    reopened.open()
    bus = EventBus()
    outbox = CrmOutbox(reopened, sessions(engine))
    task = asyncio.ensure_future(outbox.run(bus))
    try:
        await until(lambda: outbox.written == 2)
        _ended_call(reopened, bus, "live-1", "+15550001001")
        await until(lambda: outbox.written == 3)
    finally:
        task.cancel()
        reopened.close()
    interactions = await _interactions(engine)
    assert interactions == {"before-1": ada, "before-2": None, "live-1": ada}


async def test_calls_wait_for_an_unreachable_database_and_are_not_lost(
        tmp_path: Path) -> None:
    # a database without its tables refuses every write, as an outage would
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    outbox = CrmOutbox(journal, sessions(engine), first_pause=0.05)
    task = asyncio.ensure_future(outbox.run(bus))
    try:
        _ended_call(journal, bus, "during-outage", "+15550001001")
        await until(lambda: outbox.failures >= 2)  # it tried, failed, and tried again
        assert outbox.written == 0
        await migrate(engine)  # the database is back
        await until(lambda: outbox.written == 1)
        async with sessions(engine)() as session:
            assert await session.scalar(select(func.count()).select_from(Interaction)) == 1
    finally:
        task.cancel()
        journal.close()
        await engine.dispose()


async def _wrap_of(engine: AsyncEngine, call_id: str) -> float | None:
    async with sessions(engine)() as session:
        return await session.scalar(select(Interaction.wrap_seconds)
                                    .where(Interaction.call_id == call_id))


async def test_the_wrap_up_time_after_the_end_fills_in_the_interaction(
        engine: AsyncEngine, tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    outbox = CrmOutbox(journal, sessions(engine))
    task = asyncio.ensure_future(outbox.run(bus))
    try:
        _ended_call(journal, bus, "wrapped", "+15550001001")
        await until(lambda: outbox.written == 1)
        assert await _wrap_of(engine, "wrapped") is None  # the agent is still wrapping up
        wrapped = {"type": "call.wrapped", "call_id": "wrapped", "time": time.time(),
                   "queue": "sales", "agent": "agent101", "wrap": 12.5}
        journal.append(wrapped)
        bus.publish(wrapped)

        async def wrapped_in_crm() -> bool:
            return await _wrap_of(engine, "wrapped") is not None

        await until(wrapped_in_crm, seconds=10, what="the wrap-up time never reached the CRM")
        assert await _wrap_of(engine, "wrapped") == 12.5
        assert outbox.written == 1  # completed, not written twice
    finally:
        task.cancel()
        journal.close()


def test_a_wrap_up_for_a_forgotten_call_opens_no_record(tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    journal.append({"type": "call.wrapped", "call_id": "long-gone", "time": 1.0, "wrap": 3.0})
    journal.close()
    assert journal.live() == [] and "long-gone" not in journal.records
