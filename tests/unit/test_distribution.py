"""The ACD's asyncio adapter: what reaches the telephony driver, and in which order,
when the real ACD core rings, connects and cancels."""

from __future__ import annotations

import asyncio
from typing import Any

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.engine.distribution import Distributor
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "ring_timeout": 5, "wrap_up": 1,
                            "announce_on_join": False}}},
    {"agents": {"agent101": {"skills": {"support": 5}, "queues": {"support": 1}},
                "agent102": {"skills": {"support": 5}, "queues": {"support": 1}}}})


class Caller:
    """The waiting caller's side, as a CallTask would take it."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, Any]] = []

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        self.notes.append(("connected", agent))

    def overflow(self, kind: str, target: str | None) -> None:
        self.notes.append(("overflow", kind))

    def hang_up(self, reason: str) -> None:
        self.notes.append(("hang_up", reason))


async def _setup(*agents: str, config: Any = CONFIG,
                 published: list[dict[str, Any]] | None = None,
                 ) -> tuple[Distributor, list[dc.DriverCommand], asyncio.Task[None]]:
    sent: list[dc.DriverCommand] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    events = published if published is not None else []
    distributor = Distributor(Acd(config), send=send, publish=events.append,
                              clock=asyncio.get_running_loop().time)
    for agent in agents:
        distributor.registration(agent, True)
        distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    return distributor, sent, asyncio.ensure_future(distributor.run())


async def _settled(distributor: Distributor) -> None:
    await asyncio.sleep(0)
    await distributor.drained()


async def test_an_answered_ring_takes_the_caller_off_hold_into_a_bridge() -> None:
    distributor, sent, task = await _setup("agent101")
    caller = Caller()
    distributor.join("c1", caller, queue="support", priority=0, skill=None, caller="+1555",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.endpoint == "agent101"
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)
    assert [type(command) for command in sent[1:]] == [dc.StopHold, dc.CreateBridge,
                                                       dc.AddToBridge]
    assert sent[-1] == dc.AddToBridge(call_id="c1", bridge_id="bridge-c1",
                                      channels=("c1", ring.leg_id))
    assert caller.notes == [("connected", "agent101")]
    # the agent hangs up: the call is over for the caller too
    assert distributor.leg_ended(ring.leg_id, "normal")
    await _settled(distributor)
    assert caller.notes[-1] == ("hang_up", "normal")
    assert isinstance(sent[-1], dc.DestroyBridge)
    task.cancel()


async def test_a_caller_who_leaves_while_the_phone_rings_stops_the_ring() -> None:
    distributor, sent, task = await _setup("agent101")
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.caller_gone("c1")
    await _settled(distributor)
    assert dc.HangupCall(call_id=ring.leg_id) in sent
    # the phone answering late finds nobody: it is hung up, not bridged
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)
    assert not any(isinstance(command, dc.AddToBridge) for command in sent)
    task.cancel()


async def test_a_phone_that_fails_passes_the_call_to_the_next_agent() -> None:
    distributor, sent, task = await _setup("agent101", "agent102")
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="",
                     variables={})
    await _settled(distributor)
    first = sent[-1]
    assert isinstance(first, dc.RingAgent)
    assert distributor.leg_ended(first.leg_id, "busy")  # the phone said busy
    await _settled(distributor)
    second = sent[-1]
    assert isinstance(second, dc.RingAgent) and second.endpoint != first.endpoint
    assert not distributor.leg_ended("not-a-leg", "normal")
    task.cancel()


async def test_an_unregistered_phone_logs_its_agent_out() -> None:
    distributor, _, task = await _setup("agent101")
    distributor.registration("agent101", False)
    assert distributor.acd.agent_state("agent101").state.value == "logged_out"
    task.cancel()


async def test_a_callback_reaching_an_agent_is_withdrawn_not_left_ringing() -> None:
    config = parse_acd(
        {"queues": {"sales": {"strategy": "longest_idle", "announce_on_join": False,
                              "wrap_up": 0, "max_waiting": 1,
                              "overflow": {"kind": "callback"}}}},
        {"agents": {"agent101": {"queues": {"sales": 1}}}})
    sent: list[dc.DriverCommand] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    distributor = Distributor(Acd(config), send=send, publish=lambda event: None,
                              clock=asyncio.get_running_loop().time)
    task = asyncio.ensure_future(distributor.run())
    first, second = Caller(), Caller()
    for call_id, side in (("c1", first), ("c2", second)):
        distributor.join(call_id, side, queue="sales", priority=0, skill=None, caller="",
                         variables={})
    assert second.notes == [("overflow", "callback")]  # the line was full
    distributor.caller_gone("c2")  # the caller hangs up after asking for the callback
    distributor.registration("agent101", True)
    distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.call_id == "c1"
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    distributor.leg_ended(ring.leg_id, "normal")  # c1's call is over; the callback is next
    for _ in range(20):  # the wrap-up timer (0 s) fires in the distributor's own loop
        await _settled(distributor)
        view = distributor.acd.call_state("c2")
        if view is not None and view.state.value == "abandoned":
            break
    # the callback was withdrawn, not rung at a phone nobody would connect
    assert view is not None and view.state.value == "abandoned"
    assert [command.call_id for command in sent if isinstance(command, dc.RingAgent)] == ["c1"]
    assert distributor.acd.agent_state("agent101").state.value == "available"
    task.cancel()


async def test_a_recorded_queue_records_the_bridge_and_names_the_file_on_the_call() -> None:
    config = parse_acd(
        {"queues": {"support": {"strategy": "longest_idle", "announce_on_join": False,
                                "record": True}}},
        {"agents": {"agent101": {"queues": {"support": 1}}}})
    published: list[dict[str, Any]] = []
    distributor, sent, task = await _setup("agent101", config=config, published=published)
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)
    assert sent[-2:] == [
        dc.AddToBridge(call_id="c1", bridge_id="bridge-c1", channels=("c1", ring.leg_id)),
        dc.RecordBridge(call_id="c1", bridge_id="bridge-c1", name="call-c1")]
    recording = [event for event in published if event["type"] == "call.recording"]
    assert [(event["call_id"], event["recording"]) for event in recording] == [
        ("c1", "call-c1")]
    task.cancel()


async def test_a_caller_gone_after_the_bridge_counts_as_answered() -> None:
    distributor, sent, task = await _setup("agent101")
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    # the caller hangs up before their task heard of the connection: still answered
    assert distributor.caller_gone("c1") is True
    await _settled(distributor)
    assert dc.HangupCall(call_id=ring.leg_id) in sent  # the agent's side ends too
    assert distributor.acd.agent_state("agent101").state.value == "wrap_up"
    task.cancel()


async def _callback_waiting(published: list[dict[str, Any]]
                            ) -> tuple[Distributor, list[dc.DriverCommand], asyncio.Task[None]]:
    """agent101 logs in to find a virtual caller (a callback to +15557770100) first in line."""
    config = parse_acd(
        {"queues": {"sales": {"strategy": "longest_idle", "announce_on_join": False,
                              "wrap_up": 0, "max_waiting": 1,
                              "overflow": {"kind": "callback"}}}},
        {"agents": {"agent101": {"queues": {"sales": 1}}}})
    distributor, sent, task = await _setup(config=config, published=published)
    distributor.dial_out = True
    distributor.join("c0", Caller(), queue="sales", priority=0, skill=None, caller="",
                     variables={})  # fills the line
    caller = Caller()
    distributor.join("c1", caller, queue="sales", priority=0, skill=None,
                     caller="+15557770100", variables={})
    assert caller.notes == [("overflow", "callback")]
    distributor.caller_gone("c1")  # the caller hangs up after asking for it
    distributor.caller_gone("c0")  # and the one ahead gives up
    distributor.registration("agent101", True)
    distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    await _settled(distributor)
    return distributor, sent, task


async def test_a_callback_rings_the_agent_first_then_dials_and_bridges_the_customer() -> None:
    published: list[dict[str, Any]] = []
    distributor, sent, task = await _callback_waiting(published)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.caller_id == "+15557770100"
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)
    dial = next(command for command in sent if isinstance(command, dc.DialCustomer))
    assert dial.number == "+15557770100"
    assert not any(isinstance(command, dc.AddToBridge) for command in sent)  # not yet
    distributor.customer_answered(de.CustomerAnswered(call_id="c1", leg_id=dial.leg_id))
    await _settled(distributor)
    assert sent[-1] == dc.AddToBridge(call_id="c1", bridge_id="bridge-c1",
                                      channels=(ring.leg_id, dial.leg_id))
    distributor.leg_ended(dial.leg_id, "Normal Clearing")  # the customer hangs up
    await _settled(distributor)
    assert dc.HangupCall(call_id=ring.leg_id) in sent
    record = [event for event in published if event.get("call_id") == "c1-callback"]
    kinds = [event["type"] for event in record]
    assert kinds[0] == "call.dialed" and "call.answered" in kinds
    assert record[kinds.index("call.ended")]["outcome"] == "answered"
    task.cancel()


async def test_a_busy_customer_ends_the_callback_and_hangs_up_the_agent() -> None:
    published: list[dict[str, Any]] = []
    distributor, sent, task = await _callback_waiting(published)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)
    dial = next(command for command in sent if isinstance(command, dc.DialCustomer))
    distributor.leg_ended(dial.leg_id, "User busy")
    await _settled(distributor)
    assert dc.HangupCall(call_id=ring.leg_id) in sent
    ended = [event for event in published if event["type"] == "call.ended"]
    assert [(event["call_id"], event["outcome"]) for event in ended] == [
        ("c1-callback", "callback_busy")]
    task.cancel()


async def test_the_phone_registered_last_rings_and_the_agent_stays_until_both_are_gone() -> None:
    published: list[dict[str, Any]] = []
    distributor, sent, task = await _setup("agent101", published=published)
    distributor.registration("agent101-web", True)  # the desktop's softphone, signed in now
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="+1555",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.endpoint == "agent101-web"
    distributor.registration("agent101-web", False)  # the browser closes: the desk phone stays
    assert "agent101" in distributor.registered
    assert distributor.acd.agent_state("agent101").state.value != "logged_out"
    distributor.registration("agent101", False)
    assert "agent101" not in distributor.registered
    assert distributor.acd.agent_state("agent101").state.value == "logged_out"
    task.cancel()


async def test_a_callback_ring_the_agent_lets_pass_is_no_attempt_on_record() -> None:
    published: list[dict[str, Any]] = []
    distributor, sent, task = await _callback_waiting(published)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.leg_ended(ring.leg_id, "busy")  # the agent's phone refused it
    await _settled(distributor)
    # no outbound record began: the customer was never dialed, the callback waits on
    assert not [event for event in published if event["type"] == "call.dialed"]
    assert not [event for event in published if event.get("call_id") == "c1-callback"]
    view = distributor.acd.call_state("c1")
    assert view is not None and view.state.value == "waiting"
    task.cancel()
