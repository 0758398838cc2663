"""The app restarts while calls are in Asterisk: waiting callers keep their place,
connected calls keep their agent, agents keep their states."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from contactcenter.acd import (
    Acd,
    AgentAvailable,
    AgentId,
    AgentLoggedIn,
    AgentPaused,
    parse_acd,
)
from contactcenter.calls import CallGate
from contactcenter.dialer.compliance import Callee, CallingWindow
from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from tests.support import until
from tests.unit.test_engine import ROOT, Wire

CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "ring_timeout": 5, "wrap_up": 30,
                            "announce_on_join": False}}},
    {"agents": {agent: {"skills": {"support": 5}, "queues": {"support": 1}}
                for agent in ("agent101", "agent102", "agent103")}})


class Life:
    """One run of the app: an engine with its ACD on the state folder's files."""

    def __init__(self, folder: Path, clock: list[float]) -> None:
        self.journal = CallJournal(folder / "calls.jsonl")
        self.journal.open()
        self.store = AgentStateStore(folder / "agents.jsonl")
        self.engine = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={"5000": "main"},
                             directory=Directory([]), bus=EventBus(), journal=self.journal,
                             clock=lambda: clock[0])
        self.wire = Wire()
        self.engine.send = self.wire.send
        self.distributor = self.engine.attach_acd(Acd(CONFIG, now=clock[0]), self.store)
        self.distributor.restore_agents()
        self.task = asyncio.ensure_future(self.distributor.run())

    def agent(self, agent: str) -> tuple[str, str]:
        view = self.distributor.acd.agent_state(agent)
        return view.state.value, view.reason

    async def stop(self) -> None:  # a crash: nothing is said to Asterisk
        self.task.cancel()
        await self.engine.close()
        self.journal.close()
        self.store.close()


@pytest.fixture
def clock() -> Iterator[list[float]]:
    yield [1000.0]


async def _queue(life: Life, call_id: str) -> None:
    """A caller walks the demo menu to support (2), and waits."""
    life.engine.on_driver_event(e.CallArrived(call_id=call_id, caller="+1555" + call_id,
                                              dialed="5000"))
    await until(lambda: any(p.call_id == call_id for p in life.wire.of(c.PlayMedia)))
    life.engine.on_driver_event(e.DigitReceived(call_id=call_id, digit="2"))
    await until(lambda: life.journal.records[call_id].state in ("queued", "connected"))


def _rings(life: Life) -> list[tuple[str, str]]:
    return [(ring.call_id, ring.endpoint) for ring in life.wire.of(c.RingAgent)]


async def test_a_restart_keeps_callers_places_connected_calls_and_agent_states(
        tmp_path: Path, clock: list[float]) -> None:
    first = Life(tmp_path, clock)
    for agent in ("agent101", "agent102", "agent103"):
        first.distributor.registration(agent, True)
        first.distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    first.distributor.agent_event(AgentPaused(agent=AgentId("agent103"), reason="lunch"))
    await _queue(first, "talking")
    await until(lambda: _rings(first))
    ring = first.wire.of(c.RingAgent)[0]
    first.engine.on_driver_event(e.AgentAnswered(call_id="talking", leg_id=ring.leg_id,
                                                 endpoint=ring.endpoint))
    await until(lambda: first.journal.records["talking"].state == "connected")
    first.distributor.agent_event(AgentPaused(agent=AgentId("agent102"), reason="meeting"))
    clock[0] = 1010.0
    await _queue(first, "early")
    clock[0] = 1020.0
    await _queue(first, "late")
    await first.stop()

    clock[0] = 1100.0
    second = Life(tmp_path, clock)
    assert second.agent("agent102") == ("paused", "meeting")
    assert second.agent("agent103") == ("paused", "lunch")
    live = {call_id: e.CallArrived(call_id=call_id, caller="", dialed="")
            for call_id in ("late", "talking", "early")}
    leg = e.AgentAnswered(call_id="talking", leg_id=ring.leg_id, endpoint=ring.endpoint)
    stray = e.AgentAnswered(call_id="gone-caller", leg_id="stray-leg", endpoint="agent102")
    second.engine.resync(live, {ring.leg_id: leg, "stray-leg": stray})
    await until(lambda: second.agent(ring.endpoint)[0] == "on_call")
    await until(lambda: any(h.call_id == "stray-leg" for h in second.wire.of(c.HangupCall)))
    # the agent on the restored call is busy; the earlier caller is first for the next one
    second.distributor.agent_event(AgentAvailable(agent=AgentId("agent102")))
    await until(lambda: _rings(second))
    assert _rings(second)[0] == ("early", "agent102")
    # the agent of the restored call hangs up: the caller goes too, the agent wraps up
    clock[0] = 1130.0
    second.engine.on_driver_event(e.CallEnded(call_id=ring.leg_id, cause="normal"))
    await until(lambda: any(h.call_id == "talking" for h in second.wire.of(c.HangupCall)))
    assert second.agent(ring.endpoint)[0] == "wrap_up"
    completed = [ev for ev in second.engine.journal.records["talking"].all_events()
                 if ev["type"] == "call.completed"]
    assert completed[0]["talk"] == 130.0  # from the answer before the restart
    await second.stop()


async def test_a_connected_caller_whose_agent_left_meanwhile_is_hung_up(
        tmp_path: Path, clock: list[float]) -> None:
    first = Life(tmp_path, clock)
    first.distributor.registration("agent101", True)
    first.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    await _queue(first, "alone")
    await until(lambda: _rings(first))
    ring = first.wire.of(c.RingAgent)[0]
    first.engine.on_driver_event(e.AgentAnswered(call_id="alone", leg_id=ring.leg_id))
    await until(lambda: first.journal.records["alone"].state == "connected")
    await first.stop()

    second = Life(tmp_path, clock)
    second.engine.resync({"alone": e.CallArrived(call_id="alone", caller="", dialed="")}, {})
    await until(lambda: any(h.call_id == "alone" for h in second.wire.of(c.HangupCall)))
    second.engine.on_driver_event(e.CallEnded(call_id="alone", cause="normal"))
    await until(lambda: second.journal.records["alone"].state == "ended")
    assert second.journal.records["alone"].outcome == "answered"
    await second.stop()


def test_the_store_keeps_the_last_state_of_each_agent(tmp_path: Path) -> None:
    store = AgentStateStore(tmp_path / "agents.jsonl")
    store.save("agent101", "available", "")
    store.save("agent101", "paused", "lunch")
    store.save("agent102", "on_call", "")
    store.close()
    with (tmp_path / "agents.jsonl").open("a") as torn:
        torn.write('{"agent": "agent10')  # a crash mid-line
    assert AgentStateStore(tmp_path / "agents.jsonl").load() == {
        "agent101": ("paused", "lunch"), "agent102": ("on_call", "")}
    assert len((tmp_path / "agents.jsonl").read_text().splitlines()) == 2  # compacted



async def test_callbacks_promised_before_a_restart_wait_again_in_their_place(
        tmp_path: Path, clock: list[float]) -> None:
    first = Life(tmp_path, clock)
    for call_id, number in (("first", "+15557770001"), ("second", "+15557770002"),
                            ("done", "+15557770003")):
        for event in ({"type": "call.arrived", "call_id": call_id, "caller": number,
                       "dialed": "5000"},
                      {"type": "callback.requested", "call_id": call_id, "number": number,
                       "queue": "support"},
                      {"type": "call.ended", "call_id": call_id, "outcome": "callback_requested"}):
            first.journal.append({**event, "time": clock[0]})
        clock[0] += 10
    # the third one was attempted already
    first.journal.append({"type": "call.dialed", "call_id": "done-callback", "time": clock[0],
                          "caller": "+15557770003", "direction": "outbound"})
    first.journal.append({"type": "call.ended", "call_id": "done-callback", "time": clock[0],
                          "outcome": "callback_busy"})
    await first.stop()

    clock[0] = 2000.0
    second = Life(tmp_path, clock)
    second.distributor.dial_out = True
    assert second.engine.restore_callbacks() == 2
    second.distributor.registration("agent101", True)
    second.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    await until(lambda: _rings(second))
    ring = second.wire.of(c.RingAgent)[0]
    assert (ring.call_id, ring.caller_id) == ("first", "+15557770001")
    view = second.distributor.acd.call_state("second")
    assert view is not None and view.entered == 1010.0  # its wait counts from the promise
    await second.stop()


async def test_a_callback_restored_after_a_restart_passes_the_rules_again(
        tmp_path: Path, clock: list[float]) -> None:
    first = Life(tmp_path, clock)
    for event in ({"type": "call.arrived", "call_id": "c1", "caller": "+12125550101",
                   "dialed": "5000"},
                  {"type": "callback.requested", "call_id": "c1", "number": "+12125550101",
                   "queue": "support"},
                  {"type": "call.ended", "call_id": "c1", "outcome": "callback_requested"}):
        first.journal.append({**event, "time": clock[0]})
    await first.stop()

    # meanwhile the customer asked to be put on the do-not-call list
    async def on_the_list(number: str) -> Callee:
        return Callee(number=number, do_not_call=True, time_zone="America/New_York")

    second = Life(tmp_path, clock)
    second.distributor.dial_out = True
    second.engine.attach_gate(CallGate(CallingWindow(start=dt.time(0), end=dt.time(23, 59))),
                              on_the_list)
    second.distributor.registration("agent101", True)
    second.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    assert second.engine.restore_callbacks() == 1
    await until(lambda: "callback.refused" in {
        event["type"] for event in second.journal.records["c1"].all_events()})
    assert not second.wire.of(c.RingAgent)
    assert second.distributor.acd.call_state("c1") is None
    await second.stop()
    third = Life(tmp_path, clock)  # refused once: not promised any more
    assert third.engine.restore_callbacks() == 0
    await third.stop()


async def test_an_ivr_caller_is_told_when_their_callback_is_refused(
        tmp_path: Path, clock: list[float]) -> None:
    async def on_the_list(number: str) -> Callee:
        return Callee(number=number, do_not_call=True, time_zone="America/New_York")

    life = Life(tmp_path, clock)
    life.engine.attach_gate(CallGate(CallingWindow()), on_the_list)
    life.engine.on_driver_event(e.CallArrived(call_id="c1", caller="+12125550101",
                                              dialed="5000"))
    for digit, prompts in (("9", 2), ("2", 3)):  # the menu's callback choice
        await until(lambda n=prompts - 1: len(life.wire.of(c.PlayMedia)) == n)
        life.engine.on_driver_event(e.DigitReceived(call_id="c1", digit=digit))
    await until(lambda: len(life.wire.of(c.PlayMedia)) == 3)  # "we will call you back"
    thanks = life.wire.of(c.PlayMedia)[-1]
    life.engine.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=thanks.playback_id))
    await until(lambda: len(life.wire.of(c.PlayMedia)) == 4)
    sorry = life.wire.of(c.PlayMedia)[-1]
    assert sorry.media == ("sound:im-sorry", "sound:cannot-complete-as-dialed")
    life.engine.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=sorry.playback_id))
    await until(lambda: bool(life.wire.of(c.HangupCall)))
    life.engine.on_driver_event(e.CallEnded(call_id="c1"))
    await until(lambda: life.journal.records["c1"].state == "ended")
    assert life.journal.records["c1"].outcome == "callback_refused"
    assert life.distributor.acd.call_state("c1") is None
    await life.stop()
