"""Outbound calls on real phones. Callbacks: a caller who waited too long leaves a virtual
caller in the queue; when its turn comes the agent's phone (baresip) rings first, then the
customer (sipp, behind the platform's outbound peer), and the two are bridged. Click-to-talk:
the same, for a number the agent clicks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.callee import Callee
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.integration.test_acd_calls import _api, _interaction, _registered, set_state
from tests.support import free_ports, require_tool

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": 2,
         "announce_on_join": False}
AGENT = "agent101"
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("callbacks")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        # two seconds of waiting, then we call you back, in turn
        "sales": {**QUEUE, "max_wait": 2, "overflow": {"kind": "callback"}},
        "support": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        AGENT: {"skills": {"sales": 5, "support": 5}, "queues": {"sales": 1, "support": 1}}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          asterisk={"outbound_host": "127.0.0.1",
                                    "outbound_port": OUTBOUND_PORT},
                          # the demo's 555 numbers could be anywhere in North America:
                          # a window for all its zones would hold only part of the day
                          sections={"dialer": {"calling_hours": ["00:00", "23:59"]}}
                          ) as running:
        yield running


@pytest.fixture
async def phone(platform: Platform, tmp_path: Path) -> AsyncIterator[AgentPhone]:
    agent = AgentPhone(tmp_path / AGENT, AGENT, "demo-sip-101-pass", platform.sip_port)
    await agent.start()
    try:
        await _registered(platform, AGENT)
        yield agent
    finally:
        try:
            await set_state(platform, AGENT, "logged_out")
        finally:
            await agent.stop()


async def _leave_for_a_callback(platform: Platform, watcher: EventWatcher,
                                number: str) -> dict[str, Any]:
    """A caller picks sales, waits past max_wait alone, and is promised a callback."""
    local, media = free_ports(2)
    result = await call(sip_port=platform.sip_port, number="5000", caller=number,
                        steps=[Step(1500, "1")], hold_ms=20000, workdir=platform.state_dir,
                        local_port=local, media_port=media)
    assert result.returncode == 0, result.output[-2000:]  # the platform hung up on them
    overflowed = await watcher.wait_for(lambda e: e["type"] == "call.overflowed")
    assert (overflowed["kind"], overflowed["target"]) == ("callback", number)
    return overflowed


async def test_a_callback_rings_the_agent_then_the_customer_and_bridges_them(
        platform: Platform, phone: AgentPhone, tmp_path: Path) -> None:
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA)
    await customer.start()
    number = "+15557770100"
    try:
        async with EventWatcher(platform) as watcher:
            overflowed = await _leave_for_a_callback(platform, watcher, number)
            await set_state(platform, AGENT, "available")  # the virtual caller's turn
            dialed = await watcher.wait_for(lambda e: e["type"] == "call.dialed")
            assert (dialed["caller"], dialed["origin"]) == (number, overflowed["call_id"])
            answered = await phone.wait_for("CALL_ESTABLISHED")
            assert number in answered["peeruri"]  # the agent sees whom they call back
            connected = await watcher.wait_for(lambda e: e["type"] == "callback.connected",
                                               timeout=15)
            assert connected["call_id"] == dialed["call_id"]
            await asyncio.sleep(1)  # a second of conversation
            await phone.command("/hangup")  # the agent ends the call: the customer's leg too
            code, output = await customer.finished()
            assert code == 0, output[-2000:]
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == dialed["call_id"])
            assert ended["outcome"] == "answered"
            await watcher.wait_for(lambda e: e["type"] == "agent.state"
                                   and e["agent"] == AGENT and e["state"] == "wrap_up")
    finally:
        await customer.stop()
    record = await asyncio.to_thread(_api, platform, "GET", f"/api/v1/calls/{dialed['call_id']}")
    assert (record["direction"], record["agent"], record["queue"]) == (
        "outbound", AGENT, "sales")
    interaction = await _interaction(platform, dialed["call_id"])
    assert (interaction["direction"], interaction["outcome"]) == ("outbound", "answered")
    assert interaction["talk_seconds"] >= 1


async def test_a_busy_customer_ends_the_attempt_and_frees_the_agent(
        platform: Platform, phone: AgentPhone, tmp_path: Path) -> None:
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA, busy=True)
    await customer.start()
    try:
        async with EventWatcher(platform) as watcher:
            await _leave_for_a_callback(platform, watcher, "+15557770101")
            await set_state(platform, AGENT, "available")
            dialed = await watcher.wait_for(lambda e: e["type"] == "call.dialed")
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == dialed["call_id"], timeout=20)
            assert ended["outcome"] == "callback_busy"
            await phone.wait_for("CALL_CLOSED")  # the agent's phone is hung up
            await watcher.wait_for(lambda e: e["type"] == "agent.state"
                                   and e["agent"] == AGENT and e["state"] == "available",
                                   timeout=10)
            code, output = await customer.finished()
            assert code == 0, output[-2000:]
    finally:
        await customer.stop()


async def test_a_callback_asked_for_in_the_ivr_is_called_back_in_turn(
        platform: Platform, phone: AgentPhone, tmp_path: Path) -> None:
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA)
    await customer.start()
    number = "+15557770102"
    try:
        async with EventWatcher(platform) as watcher:
            local, media = free_ports(2)
            result = await call(sip_port=platform.sip_port, number="5000", caller=number,
                                steps=[Step(1500, "9"), Step(1500, "2")], hold_ms=20000,
                                workdir=platform.state_dir, local_port=local,
                                media_port=media)  # 9: more options, 2: call me back
            assert result.returncode == 0, result.output[-2000:]
            requested = await watcher.wait_for(lambda e: e["type"] == "callback.requested")
            assert (requested["number"], requested["queue"]) == (number, "support")
            queued = await watcher.wait_for(lambda e: e["type"] == "call.queued")
            assert queued["callback"] == number
            await set_state(platform, AGENT, "available")
            dialed = await watcher.wait_for(lambda e: e["type"] == "call.dialed")
            assert (dialed["origin"], dialed["queue"]) == (requested["call_id"], "support")
            await watcher.wait_for(lambda e: e["type"] == "callback.connected", timeout=15)
            await phone.command("/hangup")
            assert (await customer.finished())[0] == 0
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == dialed["call_id"])
            assert ended["outcome"] == "answered"
    finally:
        await customer.stop()


async def test_click_to_talk_rings_the_agent_then_the_customer_and_bridges_them(
        platform: Platform, phone: AgentPhone, tmp_path: Path) -> None:
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA)
    await customer.start()
    token = await asyncio.to_thread(platform.login, AGENT, "demo-agent101-pass")
    try:
        async with EventWatcher(platform) as watcher:
            placed = await asyncio.to_thread(
                _api_as, platform, token, "POST", "/api/v1/click-to-talk",
                {"number": "+1 (555) 777-0199"})
            assert placed["number"] == "+15557770199"
            answered = await phone.wait_for("CALL_ESTABLISHED")
            assert "+15557770199" in answered["peeruri"]  # the agent sees whom they call
            connected = await watcher.wait_for(lambda e: e["type"] == "call.answered"
                                               and e["call_id"] == placed["call_id"],
                                               timeout=15)
            assert connected["agent"] == AGENT
            await asyncio.sleep(1)
            await phone.command("/hangup")
            assert (await customer.finished())[0] == 0  # the customer got the BYE
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == placed["call_id"])
            assert ended["outcome"] == "answered"
    finally:
        await customer.stop()
    interaction = await _interaction(platform, placed["call_id"])
    assert (interaction["direction"], interaction["agent"]) == ("outbound", AGENT)


def _api_as(platform: Platform, token: str, method: str, path: str, body: Any) -> Any:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())
