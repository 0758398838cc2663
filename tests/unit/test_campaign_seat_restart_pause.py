"""An agent whose campaign line was open when the app stopped is on it again after the
restart (the line adopted from the campaigns' book): paused ``outbound`` in the ACD, as
before the restart, so no inbound caller rings their phone meanwhile, and the board and
the occupancy count them on a call of their own."""

from __future__ import annotations

import asyncio
from pathlib import Path

from contactcenter.acd import Acd, parse_acd
from contactcenter.dialer.states import Campaign
from contactcenter.engine.agent_store import OUTBOUND_PAUSE, AgentStateStore
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from tests.unit.test_engine import ROOT, Wire

CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "ring_timeout": 5, "wrap_up": 30,
                            "announce_on_join": False}}},
    {"agents": {agent: {"skills": {"support": 5}, "queues": {"support": 1}}
                for agent in ("agent101", "agent102")}})


async def test_an_adopted_campaign_line_keeps_its_agent_paused_outbound(
        tmp_path: Path) -> None:
    store = AgentStateStore(tmp_path / "agents.jsonl")  # what the first run left
    store.save("agent101", "paused", OUTBOUND_PAUSE, 900.0)
    store.save("agent102", "available", "", 900.0)
    store.close()
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "state", state="stopped")
    book.write("c", "seat", agent="agent101", endpoint="agent101", leg="seat-old", at=900.0)

    journal = CallJournal(tmp_path / "calls.jsonl")  # the app starts again
    journal.open()
    engine = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={"5000": "main"},
                    directory=Directory([]), bus=EventBus(), journal=journal,
                    clock=lambda: 1000.0)
    engine.send = Wire().send
    distributor = engine.attach_acd(Acd(CONFIG, now=1000.0), store)
    distributor.restore_agents()
    engine.attach_campaigns()
    runner = engine.add_campaign(Campaign(name="c", caller_id="+15550009000"), book=book)
    runner.restore(book.log("c"))
    try:
        assert runner.seats.seat("agent101") is not None  # the line is theirs again
        view = distributor.acd.agent_state("agent101")
        assert (view.state.value, view.reason) == ("paused", OUTBOUND_PAUSE)
        assert distributor.acd.queue_stats(1000.0)["support"].staffed == 2
        runner.leg_ended("seat-old", "normal")  # the line is gone: free for the queue
        view = distributor.acd.agent_state("agent101")
        assert (view.state.value, view.reason) == ("available", "")
    finally:
        await engine.close()
        await asyncio.sleep(0)
        journal.close()
        book.close()
        store.close()
