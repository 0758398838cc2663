"""A screen-pop made the way a call makes it, for the tests of what the pop carries
beside the customer 360 (RFM, value and churn scores)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from contactcenter.desk.screenpop import ScreenPops
from contactcenter.events.journal import CallJournal


async def popped_customer(pops: ScreenPops, journal: CallJournal, call_id: str,
                          caller: str) -> dict[str, Any]:
    """Offer a call from ``caller`` and return its screen-pop's customer once made."""
    for event in ({"type": "call.arrived", "caller": caller, "dialed": "5000"},
                  {"type": "call.queued", "queue": "sales"},
                  {"type": "call.offered", "queue": "sales", "agent": "agent101"}):
        event = {**event, "call_id": call_id, "time": time.time()}
        journal.append(event)
        pops.on_event(event)
    await asyncio.wait_for(pops.calls[call_id].ready.wait(), 10)
    pop = pops.calls[call_id].pop
    assert pop is not None and pop["lookup"] == "found"
    return dict(pop["customer"])
