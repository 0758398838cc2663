"""Calls that end close together reach the CRM in one transaction: a commit per call
cost serve more CPU than the IVR itself at 50 calls a second."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from crm_core.db import sessions
from tests.support import until


def _end_call(journal: CallJournal, bus: EventBus, call_id: str) -> None:
    """What the engine does: journal first, then the bus."""
    now = time.time()
    for event in ({"type": "call.arrived", "call_id": call_id, "time": now,
                   "caller": "+15550001001", "dialed": "5000"},
                  {"type": "call.ended", "call_id": call_id, "time": now + 3,
                   "outcome": "hangup"}):
        journal.append(event)
        bus.publish(event)


async def test_calls_ending_within_the_linger_share_one_transaction(
        engine: AsyncEngine, tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    outbox = CrmOutbox(journal, sessions(engine), linger=2.0)
    task = asyncio.ensure_future(outbox.run(bus))
    try:
        _end_call(journal, bus, "first")
        await until(lambda: outbox.written == 1)
        assert outbox.transactions == 1
        for number in range(10):  # one call ending every 20 ms, as at 50 calls a second
            _end_call(journal, bus, f"call-{number}")
            await asyncio.sleep(0.02)
        await until(lambda: outbox.written == 11)
        assert outbox.transactions == 2
    finally:
        task.cancel()
        journal.close()


async def test_a_database_down_is_tried_again_after_the_pause_not_at_every_event(
        engine: AsyncEngine, tmp_path: Path) -> None:
    """The bus carries every queue's figures: while the CRM is down each event used to
    wake another attempt at once, a connection and a warning per event."""
    from tests.crm.test_agent_time_outbox_review import _unreachable
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    down = _unreachable(engine, tmp_path)
    crm = sessions(engine)
    crm.configure(bind=down)
    bus = EventBus(checked=False)
    outbox = CrmOutbox(journal, crm, first_pause=30.0, linger=0)
    task = asyncio.ensure_future(outbox.run(bus))
    try:
        _end_call(journal, bus, "first")
        await until(lambda: outbox.failures == 1, what="the first attempt failed")
        for number in range(20):  # the calls go on: events arrive one by one
            _end_call(journal, bus, f"call-{number}")
            bus.publish({"type": "queue.stats", "queue": "sales"})
            await asyncio.sleep(0.01)
        assert outbox.failures == 1  # the next attempt waits its 30 s
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await down.dispose()
    crm.configure(bind=engine)
    await outbox.flush()  # the database is back: every call kept
    assert outbox.written == 21
    journal.close()
