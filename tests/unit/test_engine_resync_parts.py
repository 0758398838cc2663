"""ARI reconnects and restarts with calls the platform places: what is still in Asterisk
goes on, what vanished ends once, what nobody drives any more is hung up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.engine.agent_store import restoring_events
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from tests.support import elapse, until
from tests.unit.test_engine import ROOT, Wire

#: the engine on a virtual clock: its timers run as live, "nothing more" is checked at once
pytestmark = pytest.mark.virtual_time

CONFIG = parse_acd({"queues": {"support": {"strategy": "longest_idle", "wrap_up": 0}}},
                   {"agents": {"agent101": {"queues": {"support": 1}}}})


def _engine(tmp_path: Path) -> tuple[Engine, Wire]:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    engine = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={"5000": "main"},
                    directory=Directory([]), bus=EventBus(), journal=journal,
                    clock=asyncio.get_running_loop().time)
    wire = Wire()
    engine.send = wire.send
    engine.attach_acd(Acd(CONFIG, now=engine.clock()))
    engine.attach_click_to_talk()
    engine.attach_monitors()
    return engine, wire


async def _talking(engine: Engine, wire: Wire) -> tuple[str, str, str]:
    """agent101 clicked a number; both legs answered."""
    assert engine.distributor is not None and engine.outbound is not None
    engine.distributor.registration("agent101", True)
    engine.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    runner = asyncio.ensure_future(engine.outbound.run())
    call_id = engine.outbound.start("agent101", "+15557770199")
    await until(lambda: wire.of(c.RingAgent))
    agent_leg = wire.of(c.RingAgent)[0].leg_id
    engine.on_driver_event(e.AgentAnswered(call_id=call_id, leg_id=agent_leg))
    await until(lambda: wire.of(c.DialCustomer))
    customer_leg = wire.of(c.DialCustomer)[0].leg_id
    engine.on_driver_event(e.CustomerAnswered(call_id=call_id, leg_id=customer_leg))
    await until(lambda: engine.journal.records[call_id].state == "connected")
    runner.cancel()
    return call_id, agent_leg, customer_leg


async def test_a_reconnect_leaves_a_call_placed_by_an_agent_alone(tmp_path: Path) -> None:
    engine, wire = _engine(tmp_path)
    call_id, agent_leg, customer_leg = await _talking(engine, wire)
    hangups_before = len(wire.of(c.HangupCall))
    engine.resync({}, {agent_leg: e.AgentAnswered(call_id=call_id, leg_id=agent_leg)},
                  {agent_leg, customer_leg})
    await elapse(5)  # nothing more in 5 s of call time
    assert len(wire.of(c.HangupCall)) == hangups_before  # nothing hung up
    assert engine.journal.records[call_id].state == "connected"  # not "lost while down"
    await engine.close()


async def test_legs_that_vanished_meanwhile_end_the_call_once(tmp_path: Path) -> None:
    engine, wire = _engine(tmp_path)
    call_id, _, _ = await _talking(engine, wire)
    engine.resync({}, {}, set())  # Asterisk restarted: both legs are gone
    await elapse(5)  # nothing more in 5 s of call time
    ended = [ev for ev in engine.journal.records[call_id].all_events()
             if ev["type"] == "call.ended"]
    assert [ev["outcome"] for ev in ended] == ["answered"]
    assert engine.outbound is not None and not engine.outbound.busy("agent101")
    view = engine.distributor.acd.agent_state("agent101")  # type: ignore[union-attr]
    assert view.state.value == "available"  # not stuck paused "outbound"
    await engine.close()


async def test_after_a_restart_channels_nobody_drives_are_hung_up(tmp_path: Path) -> None:
    engine, wire = _engine(tmp_path)  # a new app: it knows none of these
    engine.resync({}, {"old-agent-leg": e.AgentAnswered(call_id="gone", leg_id="old-agent-leg")},
                  {"old-agent-leg", "out-1-1-customer", "mon-1-1-phone"})
    await until(lambda: len(wire.of(c.HangupCall)) == 3)
    assert {h.call_id for h in wire.of(c.HangupCall)} == {
        "old-agent-leg", "out-1-1-customer", "mon-1-1-phone"}
    assert [d.bridge_id for d in wire.of(c.DestroyBridge)] == ["bridge-gone"]
    await engine.close()


def test_an_agent_paused_for_a_call_they_placed_comes_back_available() -> None:
    events = restoring_events({"agent101": ("paused", "outbound"),
                               "agent102": ("paused", "lunch")}, {"agent101", "agent102"})
    kinds = [(type(event).__name__, event.agent) for event in events]
    assert kinds == [("AgentLoggedIn", "agent101"), ("AgentLoggedIn", "agent102"),
                     ("AgentPaused", "agent102")]
