"""Call control through the engine: the core's commands reach the driver and the ACD,
the legs' news reaches the core, and a restart puts a connected call back under it.
The driver is the recording ``Wire`` (what Asterisk would be sent); real calls are in
tests/integration/test_call_control.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from contactcenter.acd import AgentId, AgentLoggedIn
from contactcenter.calls.control import events as ce
from contactcenter.engine.agent_store import restoring_events
from contactcenter.engine.control import ControlRefused
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from tests.support import until
from tests.unit.test_engine_restart import Life, _queue, _rings


class Controlled(Life):
    """A run of the app with call control attached and its timers running."""

    def __init__(self, folder: Path, clock: list[float]) -> None:
        super().__init__(folder, clock)
        self.outbound = self.engine.attach_click_to_talk()
        self.control = self.engine.attach_control()
        self.timers = [asyncio.ensure_future(part.run()) for part in (self.control,
                                                                       self.outbound)]

    async def stop(self) -> None:
        for timer in self.timers:
            timer.cancel()
        await asyncio.gather(*self.timers, return_exceptions=True)
        await super().stop()


@pytest.fixture
def clock() -> Iterator[list[float]]:
    yield [1000.0]


async def _talking(life: Controlled, call_id: str, agents: tuple[str, ...]) -> str:
    """The caller connected to the first of ``agents`` (all logged in): its leg."""
    for agent in agents:
        life.distributor.registration(agent, True)
        life.distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    await _queue(life, call_id)
    await until(lambda: _rings(life))
    ring = life.wire.of(c.RingAgent)[0]
    life.engine.on_driver_event(e.AgentAnswered(call_id=call_id, leg_id=ring.leg_id,
                                                endpoint=ring.endpoint))
    await until(lambda: life.control.has(call_id))
    return ring.leg_id


async def test_hold_and_resume_move_the_caller_out_of_the_bridge_and_back(
        tmp_path: Path, clock: list[float]) -> None:
    life = Controlled(tmp_path, clock)
    await _talking(life, "c1", ("agent101",))
    held = life.control.ask(ce.HoldAsked(call_id="c1"))
    assert held.state.value == "holding"
    await life.distributor.drained()
    assert [(r.bridge_id, r.channel) for r in life.wire.of(c.RemoveFromBridge)] == [
        ("bridge-c1", "c1")]
    holds = [h.call_id for h in life.wire.of(c.StartHold)]
    assert holds[-1] == "c1"  # the caller hears music again
    with pytest.raises(ControlRefused) as refused:
        life.control.ask(ce.HoldAsked(call_id="c1"))
    assert refused.value.status == 409
    clock[0] += 12
    assert life.control.ask(ce.ResumeAsked(call_id="c1")).held_total == 12.0
    await life.distributor.drained()
    assert life.wire.of(c.AddToBridge)[-1].channels == ("c1",)
    await life.stop()


async def test_an_agent_hanging_up_on_a_held_caller_sends_them_back_to_the_queue(
        tmp_path: Path, clock: list[float]) -> None:
    life = Controlled(tmp_path, clock)
    leg = await _talking(life, "c1", ("agent101", "agent102"))
    life.control.ask(ce.HoldAsked(call_id="c1"))
    life.engine.on_driver_event(e.CallEnded(call_id=leg, cause="normal"))
    await until(lambda: life.agent("agent101")[0] == "wrap_up")
    await until(lambda: len(_rings(life)) == 2)  # the caller rings the next agent
    assert _rings(life)[1] == ("c1", "agent102")
    assert not [h for h in life.wire.of(c.HangupCall) if h.call_id == "c1"]
    assert life.journal.records["c1"].state == "queued"
    await life.stop()


async def test_a_caller_hanging_up_mid_consultation_frees_everyone(
        tmp_path: Path, clock: list[float]) -> None:
    life = Controlled(tmp_path, clock)
    await _talking(life, "c1", ("agent101", "agent102"))
    life.control.ask(ce.ConsultAsked(call_id="c1", to=ce.Target(kind="agent", name="agent102",
                                                                  endpoint="agent102")))
    assert life.agent("agent102") == ("paused", "consult")
    await life.distributor.drained()
    consulted = next(r for r in life.wire.of(c.RingAgent) if r.purpose == "party")
    life.engine.on_driver_event(e.PartyAnswered(call_id="c1", leg_id=consulted.leg_id))
    await until(lambda: any(a.channels == (consulted.leg_id,)
                            for a in life.wire.of(c.AddToBridge)))
    life.engine.on_driver_event(e.CallEnded(call_id="c1", cause="normal"))
    await until(lambda: not life.control.has("c1"))
    await life.distributor.drained()
    hung = {h.call_id for h in life.wire.of(c.HangupCall)}
    assert consulted.leg_id in hung
    assert life.agent("agent101")[0] == "wrap_up"
    assert life.agent("agent102")[0] == "available"
    ended = [ev for ev in life.journal.records["c1"].all_events() if ev["type"] == "call.ended"]
    assert ended[0]["outcome"] == "answered"
    await life.stop()


async def test_a_connected_call_is_back_under_control_after_a_restart(
        tmp_path: Path, clock: list[float]) -> None:
    first = Controlled(tmp_path, clock)
    leg = await _talking(first, "c1", ("agent101",))
    first.control.ask(ce.HoldAsked(call_id="c1"))  # then the app stops
    await first.stop()
    second = Controlled(tmp_path, clock)
    second.distributor.registration("agent101", True)
    ring = e.AgentAnswered(call_id="c1", leg_id=leg, endpoint="agent101")
    second.engine.resync({"c1": e.CallArrived(call_id="c1", caller="", dialed="")},
                         {leg: ring})
    await until(lambda: second.control.has("c1"))
    await second.distributor.drained()
    assert "c1" in [s.call_id for s in second.wire.of(c.StopHold)]  # back with the agent
    assert second.wire.of(c.AddToBridge)[-1].channels == ("c1", leg)
    assert second.control.ask(ce.HoldAsked(call_id="c1")).state.value == "holding"
    await second.stop()


async def test_a_click_to_talk_customer_transferred_out_stays_when_the_agent_leaves(
        tmp_path: Path, clock: list[float]) -> None:
    life = Controlled(tmp_path, clock)
    life.distributor.dial_out = True
    life.distributor.registration("agent101", True)
    life.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    call_id = life.outbound.start("agent101", "+15557770100")
    agent_leg, customer_leg = f"{call_id}-agent", f"{call_id}-customer"
    life.engine.on_driver_event(e.AgentAnswered(call_id=call_id, leg_id=agent_leg))
    life.engine.on_driver_event(e.CustomerAnswered(call_id=call_id, leg_id=customer_leg))
    assert life.control.has(call_id)
    life.control.ask(ce.TransferAsked(call_id=call_id, to=ce.Target(kind="number",
                                                                      name="+15557770111")))
    assert life.agent("agent101") == ("available", "")  # their part is over
    life.engine.on_driver_event(e.CallEnded(call_id=agent_leg, cause="normal"))
    await until(lambda: any(isinstance(d, c.DialCustomer) and d.leg_id != customer_leg
                            for d in life.wire.sent))
    outside = next(d.leg_id for d in life.wire.of(c.DialCustomer) if d.leg_id != customer_leg)
    life.engine.on_driver_event(e.CustomerAnswered(call_id=call_id, leg_id=outside))
    await until(lambda: any(a.channels == (customer_leg,) for a in life.wire.of(c.AddToBridge)))
    assert customer_leg not in {h.call_id for h in life.wire.of(c.HangupCall)}
    assert life.journal.records[call_id].state != "ended"  # the customer talks on
    life.engine.on_driver_event(e.CallEnded(call_id=customer_leg, cause="normal"))
    await until(lambda: outside in {h.call_id for h in life.wire.of(c.HangupCall)})
    assert life.journal.records[call_id].outcome == "answered"
    await life.stop()


def test_an_agent_consulted_when_the_app_stopped_is_back_available() -> None:
    events = restoring_events({"agent101": ("paused", "consult"),
                               "agent102": ("paused", "lunch")}, {"agent101", "agent102"})
    assert [(type(event).__name__, event.agent) for event in events] == [
        ("AgentLoggedIn", "agent101"), ("AgentLoggedIn", "agent102"),
        ("AgentPaused", "agent102")]
