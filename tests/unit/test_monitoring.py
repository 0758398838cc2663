"""Supervisors' sessions on calls: what reaches the driver for each mode, and their end;
only the supervisor's own phone rings; the journal keeps each session with its call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contactcenter.acd import Acd, AgentId, AgentLoggedIn
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.engine.monitoring import MonitorRefused, Monitors, checked_mode, phone_to_ring
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.translate import ari_event, ari_request
from tests.support import until
from tests.unit.test_distribution import CONFIG, Caller, _settled, _setup
from tests.unit.test_engine import Wire


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
    monitor_id = monitors.start("c1", mode, supervisor="sue", own_phone="supervisor1")
    await monitors.drained()
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.purpose == "monitor"
    assert ari_request(ring).params[2] == ("appArgs", f"monitor,{monitor_id}")
    monitors.answered(de.MonitorAnswered(monitor_id=monitor_id, leg_id=ring.leg_id))
    await monitors.drained()
    snoop = next(command for command in sent if isinstance(command, dc.SnoopChannel))
    assert (snoop.target, snoop.spy, snoop.whisper) == (agent_leg, "both", whisper)
    assert sent[-1] == dc.AddToBridge(call_id=monitor_id, bridge_id=f"bridge-{monitor_id}",
                                      channels=(ring.leg_id, snoop.snoop_id))
    # the supervisor hangs up: the snoop and its bridge go; the call is untouched
    assert monitors.channel_gone(ring.leg_id)
    await monitors.drained()
    assert dc.HangupCall(call_id=snoop.snoop_id) in sent
    assert dc.HangupCall(call_id=agent_leg) not in sent


async def test_barging_joins_the_calls_own_bridge_and_ends_with_the_call(talking: Any) -> None:
    distributor, sent, monitors, published = talking
    agent_leg = distributor.talking_leg("c1").leg_id
    monitor_id = monitors.start("c1", "barge", supervisor="sue", own_phone="supervisor1")
    await monitors.drained()
    phone = sent[-1].leg_id
    monitors.answered(de.MonitorAnswered(monitor_id=monitor_id, leg_id=phone))
    await monitors.drained()
    assert sent[-1] == dc.AddToBridge(call_id="c1", bridge_id="bridge-c1", channels=(phone,))
    assert not monitors.channel_gone(agent_leg)  # the agent's leg is still the call's news
    await monitors.drained()
    assert dc.HangupCall(call_id=phone) in sent
    assert [e["type"] for e in published] == ["call.monitor", "call.monitor.started",
                                              "call.monitor.ended"]


async def test_refusals_say_why(talking: Any) -> None:
    _, _, monitors, _ = talking
    with pytest.raises(MonitorRefused, match="not connected"):
        monitors.start("c2", "listen", supervisor="sue", own_phone="supervisor1")
    with pytest.raises(MonitorRefused, match="not registered"):
        monitors.start("c1", "listen", supervisor="sam", own_phone="supervisor2")
    with pytest.raises(MonitorRefused, match="own call"):
        monitors.start("c1", "listen", supervisor="agent101", own_phone="agent101")
    with pytest.raises(MonitorRefused, match="mode"):
        monitors.start("c1", "shout", supervisor="sue", own_phone="supervisor1")


async def test_another_persons_phone_never_rings(talking: Any) -> None:
    distributor, sent, monitors, published = talking
    distributor.registration("agent102", True)  # an agent's phone: it answers by itself
    before = list(sent)
    with pytest.raises(MonitorRefused, match="agent102 is not your phone") as refused:
        monitors.start("c1", "listen", supervisor="sue", own_phone="supervisor1",
                       endpoint="agent102")
    assert refused.value.status == 403
    await monitors.drained()
    assert (sent, published, monitors.sessions) == (before, [], {})


async def test_the_browser_phone_of_the_supervisor_is_theirs_too(talking: Any) -> None:
    distributor, sent, monitors, published = talking
    distributor.registration("supervisor1-web", True)
    monitors.start("c1", "listen", supervisor="sue", own_phone="supervisor1",
                   endpoint="supervisor1")  # their id: the phone registered last
    monitors.start("c1", "listen", supervisor="sue", own_phone="supervisor1",
                   endpoint="supervisor1-web")
    distributor.registration("supervisor1-web", False)
    monitors.start("c1", "listen", supervisor="sue", own_phone="supervisor1",
                   endpoint="supervisor1")
    await monitors.drained()
    assert [c.endpoint for c in sent if isinstance(c, dc.RingAgent) and c.purpose == "monitor"
            ] == ["supervisor1-web", "supervisor1-web", "supervisor1"]
    assert [e["phone"] for e in published] == ["supervisor1-web", "supervisor1-web",
                                               "supervisor1"]


@pytest.mark.parametrize(("own", "asked", "status"), [
    (None, None, 409), (None, "supervisor1", 409), ("", None, 409),
    ("supervisor1", "agent101", 403), ("supervisor1", "supervisor1-web-web", 403),
    ("supervisor1", "supervisor", 403), ("supervisor1", {"a": 1}, 422),
    ("supervisor1", "", 422), ("supervisor1", 101, 422)])
def test_only_the_users_own_phone_may_ring(own: str | None, asked: object,
                                            status: int) -> None:
    with pytest.raises(MonitorRefused) as refused:
        phone_to_ring(own, asked)
    assert refused.value.status == status


def test_the_users_own_phone_is_the_default() -> None:
    assert phone_to_ring("supervisor1") == "supervisor1"
    assert phone_to_ring("supervisor1", "supervisor1-web") == "supervisor1-web"


@pytest.mark.parametrize("mode", [{"a": 1}, ["listen"], 1, None, "Listen"])
def test_a_mode_that_is_none_of_the_three_is_refused_not_a_crash(mode: object) -> None:
    with pytest.raises(MonitorRefused) as refused:
        checked_mode(mode)
    assert (refused.value.status, refused.value.field) == (422, "mode")


async def test_the_journal_keeps_each_session_with_the_call(tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    engine = Engine(flows={}, numbers={}, directory=Directory([]), bus=EventBus(),
                    journal=journal)
    wire = Wire()
    engine.send = wire.send
    distributor = engine.attach_acd(Acd(CONFIG, now=engine.clock()))
    monitors = engine.attach_monitors()
    tasks = [asyncio.ensure_future(distributor.run()), asyncio.ensure_future(monitors.run())]
    try:
        for phone in ("agent101", "supervisor1"):
            distributor.registration(phone, True)
        distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
        distributor.join("c1", Caller(), queue="support", priority=0, skill=None,
                         caller="+1555", variables={})
        await until(lambda: wire.of(dc.RingAgent))
        distributor.agent_answered(de.AgentAnswered(call_id="c1",
                                                    leg_id=wire.of(dc.RingAgent)[0].leg_id))
        await until(lambda: distributor.talking_leg("c1") is not None)
        monitor_id = monitors.start("c1", "barge", supervisor="sue", own_phone="supervisor1")
        engine.on_driver_event(de.MonitorAnswered(monitor_id=monitor_id,
                                                  leg_id=f"{monitor_id}-phone"))
        engine.on_driver_event(de.CallEnded(call_id=f"{monitor_id}-phone"))
    finally:
        for task in tasks:
            task.cancel()
    journal.close()
    replayed = CallJournal(journal.path)
    replayed.open()  # read back from the file, as after a restart
    kept = [e for e in replayed.records["c1"].all_events() if e["type"].startswith("call.mon")]
    replayed.close()
    assert [(e["type"], e["supervisor"], e["mode"], e["phone"]) for e in kept] == [
        ("call.monitor", "sue", "barge", "supervisor1"),
        ("call.monitor.started", "sue", "barge", "supervisor1"),
        ("call.monitor.ended", "sue", "barge", "supervisor1")]
    assert kept[2]["started"] == kept[1]["time"] <= kept[2]["time"]


def test_a_session_ending_after_the_calls_record_is_gone_opens_no_record(
        tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    journal.append({"type": "call.monitor.ended", "call_id": "forgotten", "time": 5.0})
    journal.close()
    assert "forgotten" not in journal.records
    assert journal.live() == []


def test_a_supervisors_phone_answering_is_told_apart() -> None:
    event = ari_event({"type": "StasisStart", "args": ["monitor", "mon-1"],
                       "channel": {"id": "mon-1-phone"}})
    assert event == de.MonitorAnswered(monitor_id="mon-1", leg_id="mon-1-phone")
    assert ari_event({"type": "StasisStart", "args": ["snoop", "mon-1"],
                      "channel": {"id": "mon-1-snoop"}}) is None
