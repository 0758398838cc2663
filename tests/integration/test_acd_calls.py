"""The ACD on real calls: sipp callers through the IVR, baresip agents that auto-answer.

Each test starts from agents logged out; the assertions read the event stream and
the API, as a supervisor's board would.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import read_pointer
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": 2,
         "announce_on_join": False, "service_level_target": {"percent": 80, "seconds": 20}}
AGENTS = {f"agent10{n}": {"name": f"Agent 10{n}", "skills": {"support": 5, "sales": 5},
                          "queues": {"support": 1, "sales": 1}} for n in (1, 2, 3)}
ANNOUNCE_EVERY = 5  # the operator queue tells its callers their place this often
PASSWORDS = {agent: f"demo-sip-{agent[-3:]}-pass" for agent in AGENTS}
_callers = count(1)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("acd")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": {**QUEUE, "record": True}, "sales": QUEUE,
        "operator": {**QUEUE, "announce_on_join": True, "announce_every": ANNOUNCE_EVERY}}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")}) as running:
        yield running


def _api(platform: Platform, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {platform.token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


async def set_state(platform: Platform, agent: str, state: str) -> dict[str, Any]:
    body = {"state": state} if state != "paused" else {"state": state, "reason": "break"}
    return dict(await asyncio.to_thread(_api, platform, "PUT", f"/api/v1/agents/{agent}/state",
                                        body))


async def _registered(platform: Platform, agent: str, timeout: float = 10) -> None:
    async def is_registered() -> bool:
        agents = (await asyncio.to_thread(_api, platform, "GET", "/api/v1/agents"))["agents"]
        return bool(agents[agent]["registered"])

    await until(is_registered, seconds=timeout, what=f"{agent} never registered", every=0.1)


@pytest.fixture
async def phones(platform: Platform, tmp_path: Path) -> AsyncIterator[dict[str, AgentPhone]]:
    """agent101 and agent103 answer by themselves; agent102's phone only rings."""
    started = {agent: AgentPhone(tmp_path / agent, agent, PASSWORDS[agent], platform.sip_port,
                                 auto_answer=agent != "agent102") for agent in AGENTS}
    for phone in started.values():
        await phone.start()
    try:
        for agent in started:
            await _registered(platform, agent)
        yield started
    finally:
        for agent, phone in started.items():
            try:
                await set_state(platform, agent, "logged_out")
            finally:  # whatever the platform says, no phone outlives its test
                await phone.stop()


def _spool(platform: Platform) -> Path:
    settings = load_settings(platform.config, environ=platform.environment())
    pointer = read_pointer(settings)
    assert pointer is not None and pointer["base_dir"]
    return Path(pointer["base_dir"]) / "spool"


async def _interaction(platform: Platform, call_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def in_the_crm() -> bool:
        found.extend((await asyncio.to_thread(
            _api, platform, "GET", f"/api/v1/interactions?call_id={call_id}"))["items"])
        return bool(found)

    await until(in_the_crm, seconds=10, what=f"{call_id} never reached the CRM", every=0.1)
    return dict(found[0])


async def _caller(platform: Platform, digits: str, hold_ms: int) -> asyncio.Task[Any]:
    local, media = free_ports(2)
    return asyncio.ensure_future(call(
        sip_port=platform.sip_port, number="5000", caller=f"+1555888{next(_callers):04d}",
        steps=[Step(1500, digits)], hold_ms=hold_ms, workdir=platform.state_dir,
        local_port=local, media_port=media))


async def test_a_caller_reaches_the_longest_idle_agent_and_they_are_bridged(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    await set_state(platform, "agent101", "available")  # idle for less time than 103
    async with EventWatcher(platform) as watcher:
        caller = await _caller(platform, "2", hold_ms=4000)
        offered = await watcher.wait_for(lambda e: e["type"] == "call.offered")
        assert offered["agent"] == "agent103"
        answered = await watcher.wait_for(lambda e: e["type"] == "call.answered")
        assert answered["agent"] == "agent103"
        # the agent's phone is in a real call, with media, until the caller hangs up
        await phones["agent103"].wait_for("CALL_ESTABLISHED")
        result = await caller
        assert result.returncode == 0, result.output[-2000:]
        ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                       and e["call_id"] == answered["call_id"])
        assert ended["outcome"] == "answered"
        await phones["agent103"].wait_for("CALL_CLOSED")
        # wrap-up, then available again by the queue's timer
        await watcher.wait_for(lambda e: e["type"] == "agent.state"
                               and e["agent"] == "agent103" and e["state"] == "wrap_up")
        await watcher.wait_for(lambda e: e["type"] == "agent.state"
                               and e["agent"] == "agent103" and e["state"] == "available")
    stats = (await asyncio.to_thread(_api, platform, "GET", "/api/v1/queues"))["queues"]
    assert stats["support"]["answered"] >= 1
    # the support queue records its calls; the CRM's interaction has the agent, the
    # wait, the talk and the recording
    recording = next(e for e in watcher.events if e["type"] == "call.recording")
    assert recording["recording"] == f"call-{answered['call_id']}"
    interaction = await _interaction(platform, answered["call_id"])
    assert (interaction["agent"], interaction["outcome"]) == ("agent103", "answered")
    assert interaction["recording"] == recording["recording"]
    assert interaction["talk_seconds"] > 1 and interaction["wait_seconds"] is not None
    # and the file is there, with both sides of the call in it
    wav = _spool(platform) / "recording" / f"{recording['recording']}.wav"
    assert wav.exists() and wav.stat().st_size > 8000, wav


async def test_an_unanswered_ring_goes_to_the_next_agent(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent102", "available")  # longest idle; never answers
    await set_state(platform, "agent101", "available")
    async with EventWatcher(platform) as watcher:
        caller = await _caller(platform, "1", hold_ms=9000)
        first = await watcher.wait_for(lambda e: e["type"] == "call.offered")
        assert first["agent"] == "agent102"
        await phones["agent102"].wait_for("CALL_INCOMING")
        answered = await watcher.wait_for(lambda e: e["type"] == "call.answered", timeout=15)
        assert answered["agent"] == "agent101"
        # the agent who let it ring is set not ready, with the reason on the board
        paused = await watcher.wait_for(lambda e: e["type"] == "agent.state"
                                        and e["agent"] == "agent102" and e["state"] != "ringing")
        assert (paused["state"], paused.get("reason")) == ("paused", "ring_timeout")
        assert answered["time"] - first["time"] >= QUEUE["ring_timeout"]
        assert (await caller).returncode == 0


async def test_a_caller_who_hangs_up_while_waiting_is_counted_as_abandoned(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    before = (await asyncio.to_thread(_api, platform, "GET", "/api/v1/queues"))["queues"]
    async with EventWatcher(platform) as watcher:
        caller = await _caller(platform, "2", hold_ms=2000)  # nobody is available
        await watcher.wait_for(lambda e: e["type"] == "call.queued")
        assert (await caller).returncode == 0
        abandoned = await watcher.wait_for(lambda e: e["type"] == "call.abandoned")
        ended = await watcher.wait_for(lambda e: e["type"] == "call.ended")
        assert abandoned["call_id"] == ended["call_id"]
        assert ended["outcome"] == "abandoned_in_queue"
    after = (await asyncio.to_thread(_api, platform, "GET", "/api/v1/queues"))["queues"]
    assert after["support"]["abandoned"] == before["support"]["abandoned"] + 1


async def test_an_agent_without_a_registered_phone_cannot_go_available(
        platform: Platform) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        await set_state(platform, "agent101", "available")
    assert refused.value.code == 409


async def test_a_vip_jumps_ahead_and_a_paused_agent_gets_nothing(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "paused")
    async with EventWatcher(platform) as watcher:
        ordinary = await _caller(platform, "1", hold_ms=12000)
        await watcher.wait_for(lambda e: e["type"] == "call.queued")
        # Ada Lovelace is a VIP in the CRM: the IVR gives her call priority 10
        local, media = free_ports(2)
        vip = asyncio.ensure_future(call(
            sip_port=platform.sip_port, number="5000", caller="+15550001001",
            steps=[Step(1500, "1")], hold_ms=10000, workdir=platform.state_dir,
            local_port=local, media_port=media))
        queued = await watcher.wait_for(lambda e: e["type"] == "call.queued"
                                        and e["priority"] == 10)
        await set_state(platform, "agent101", "available")
        offered = await watcher.wait_for(lambda e: e["type"] == "call.offered")
        assert (offered["call_id"], offered["agent"]) == (queued["call_id"], "agent101")
        await watcher.wait_for(lambda e: e["type"] == "call.answered")
        assert (await vip).returncode == 0
        assert (await ordinary).returncode == 0
        # agent103 was paused all along: not one offer
        assert not [e for e in watcher.events
                    if e["type"] == "call.offered" and e["agent"] == "agent103"]


async def test_waiting_callers_hear_their_place_at_once_and_then_every_so_often(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    async with EventWatcher(platform) as watcher:
        first = await _caller(platform, "0", hold_ms=12000)  # the operator: nobody staffs it
        heard = await watcher.wait_for(lambda e: e["type"] == "call.announced")
        second = await _caller(platform, "0", hold_ms=6000)
        behind = await watcher.wait_for(lambda e: e["type"] == "call.announced"
                                        and e["call_id"] != heard["call_id"])
        again = await watcher.wait_for(lambda e: e["type"] == "call.announced"
                                       and e["call_id"] == heard["call_id"]
                                       and e["time"] > heard["time"], timeout=15)
        assert (await second).returncode == 0 and (await first).returncode == 0
    # "you are next", then "there is 1 call waiting ahead of you" for the second caller
    assert (heard["kind"], heard["position"]) == ("position", 1)
    assert (behind["kind"], behind["position"]) == ("position", 2)
    assert again["position"] == 1
    queued = next(e for e in watcher.events if e["type"] == "call.queued"
                  and e["call_id"] == heard["call_id"])
    # at join, then on the queue's beat (counted from the join), not before it
    assert heard["started"] - queued["time"] < 1
    assert again["started"] - queued["time"] >= ANNOUNCE_EVERY
    assert heard["time"] > heard["started"]  # heard to the end: published when it finished


async def _agents(platform: Platform) -> dict[str, Any]:
    return dict((await asyncio.to_thread(_api, platform, "GET", "/api/v1/agents"))["agents"])


async def test_a_crash_of_the_app_keeps_calls_places_and_agents(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as before:
        talking = await _caller(platform, "2", hold_ms=16000)
        answered = await before.wait_for(lambda e: e["type"] == "call.answered")
        await phones["agent103"].wait_for("CALL_ESTABLISHED")
        early = await _caller(platform, "2", hold_ms=22000)
        first = await before.wait_for(lambda e: e["type"] == "call.queued"
                                      and e["call_id"] != answered["call_id"])
        late = await _caller(platform, "2", hold_ms=22000)
        await before.wait_for(lambda e: e["type"] == "call.queued"
                              and e["call_id"] not in (answered["call_id"], first["call_id"]))
    platform.crash()
    platform.start()  # Asterisk kept the calls; the new app picks them up
    async with EventWatcher(platform) as after:
        await asyncio.sleep(0)
        assert (await _agents(platform))["agent103"]["state"] == "on_call"
        await set_state(platform, "agent101", "available")
        offered = await after.wait_for(lambda e: e["type"] == "call.offered")
        assert (offered["agent"], offered["call_id"]) == ("agent101", first["call_id"])
        # the caller talking to agent103 hangs up: the agent's phone is hung up too,
        # the agent wraps up and takes the next caller in line
        assert (await talking).returncode == 0
        await phones["agent103"].wait_for("CALL_CLOSED")
        ended = await after.wait_for(lambda e: e["type"] == "call.ended"
                                     and e["call_id"] == answered["call_id"])
        assert ended["outcome"] == "answered"
        await after.wait_for(lambda e: e["type"] == "agent.state" and e["agent"] == "agent103"
                             and e["state"] == "wrap_up")
        next_offer = await after.wait_for(lambda e: e["type"] == "call.offered"
                                          and e["agent"] == "agent103", timeout=15)
        assert next_offer["call_id"] not in (first["call_id"], answered["call_id"])
        for caller in (early, late):
            assert (await caller).returncode == 0
    interaction = await _interaction(platform, answered["call_id"])
    assert interaction["agent"] == "agent103" and interaction["talk_seconds"] > 10

    async def wrapped_up() -> bool:  # the wrap-up time follows the call's end
        nonlocal interaction
        if interaction["wrap_seconds"] is None:
            interaction = await _interaction(platform, answered["call_id"])
        return interaction["wrap_seconds"] is not None

    await until(wrapped_up, seconds=10, what="the wrap-up never reached the CRM", every=0.2)
    assert interaction["wrap_seconds"] >= QUEUE["wrap_up"] - 0.5
