"""Calls that end close together reach the CRM in one transaction: a commit per call
cost serve more CPU than the IVR itself at 50 calls a second."""

from __future__ import annotations

import asyncio
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
