"""Supervisors' sessions on calls: what reaches the driver for each mode, and their end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from contactcenter.engine.monitoring import MonitorRefused, Monitors
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.translate import ari_event, ari_request
from tests.unit.test_distribution import Caller, _settled, _setup


@pytest.fixture
async def talking() -> AsyncIterator[tuple[Any, list[dc.DriverCommand], Monitors,
                                           list[dict[str, Any]]]]:
    """agent101 talks with caller c1; supervisor1's phone is registered."""
    distributor, sent, task = await _setup("agent101")
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="+1555",
                     variables={})
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent)
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    distributor.registration("supervisor1", True)
    published: list[dict[str, Any]] = []
    monitors = Monitors(distributor, send=_append(sent), publish=published.append)
    runner = asyncio.ensure_future(monitors.run())
    yield distributor, sent, monitors, published
    runner.cancel()
    task.cancel()


def _append(sent: list[dc.DriverCommand]) -> Any:
    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)
    return send


@pytest.mark.parametrize(("mode", "whisper"), [("listen", "none"), ("whisper", "out")])
async def test_listening_and_whispering_snoop_on_the_agents_leg(
        talking: Any, mode: str, whisper: str) -> None:
    distributor, sent, monitors, _ = talking
    agent_leg = distributor.talking_leg("c1").leg_id
    monitor_id = monitors.start("c1", mode, "supervisor1", "sue")
    await asyncio.sleep(0.01)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.purpose == "monitor"
    assert ari_request(ring).params[2] == ("appArgs", f"monitor,{monitor_id}")
    monitors.answered(de.MonitorAnswered(monitor_id=monitor_id, leg_id=ring.leg_id))
    await asyncio.sleep(0.01)
    snoop = next(command for command in sent if isinstance(command, dc.SnoopChannel))
    assert (snoop.target, snoop.spy, snoop.whisper) == (agent_leg, "both", whisper)
    assert sent[-1] == dc.AddToBridge(call_id=monitor_id, bridge_id=f"bridge-{monitor_id}",
                                      channels=(ring.leg_id, snoop.snoop_id))
    # the supervisor hangs up: the snoop and its bridge go; the call is untouched
    assert monitors.channel_gone(ring.leg_id)
    await asyncio.sleep(0.01)
    assert dc.HangupCall(call_id=snoop.snoop_id) in sent
    assert dc.HangupCall(call_id=agent_leg) not in sent


async def test_barging_joins_the_calls_own_bridge_and_ends_with_the_call(talking: Any) -> None:
    distributor, sent, monitors, published = talking
    agent_leg = distributor.talking_leg("c1").leg_id
    monitor_id = monitors.start("c1", "barge", "supervisor1", "sue")
    await asyncio.sleep(0.01)
    phone = sent[-1].leg_id
    monitors.answered(de.MonitorAnswered(monitor_id=monitor_id, leg_id=phone))
    await asyncio.sleep(0.01)
    assert sent[-1] == dc.AddToBridge(call_id="c1", bridge_id="bridge-c1", channels=(phone,))
    assert not monitors.channel_gone(agent_leg)  # the agent's leg is still the call's news
    await asyncio.sleep(0.01)
    assert dc.HangupCall(call_id=phone) in sent
    assert [e["type"] for e in published] == ["call.monitor", "call.monitor.started",
                                              "call.monitor.ended"]


async def test_refusals_say_why(talking: Any) -> None:
    _, _, monitors, _ = talking
    with pytest.raises(MonitorRefused, match="not connected"):
        monitors.start("c2", "listen", "supervisor1", "sue")
    with pytest.raises(MonitorRefused, match="not registered"):
        monitors.start("c1", "listen", "supervisor2", "sue")
    with pytest.raises(MonitorRefused, match="own call"):
        monitors.start("c1", "listen", "agent101", "sue")
    with pytest.raises(MonitorRefused, match="mode"):
        monitors.start("c1", "shout", "supervisor1", "sue")


def test_a_supervisors_phone_answering_is_told_apart() -> None:
    event = ari_event({"type": "StasisStart", "args": ["monitor", "mon-1"],
                       "channel": {"id": "mon-1-phone"}})
    assert event == de.MonitorAnswered(monitor_id="mon-1", leg_id="mon-1-phone")
    assert ari_event({"type": "StasisStart", "args": ["snoop", "mon-1"],
                      "channel": {"id": "mon-1-snoop"}}) is None
