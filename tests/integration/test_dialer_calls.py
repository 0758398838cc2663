"""A campaign on real calls: the platform dials people (sipp behind its outbound peer),
Asterisk's machine detection tells people from machines, and the people are bridged
to agents (baresip) waiting on their open line; busy, unanswered and machine-answered
dials end as such; every dial is a call record that reaches the CRM."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.dial_callees import (
    BUSY,
    HUMAN,
    MACHINE,
    NO_ANSWER,
    DialedPeople,
    campaign_platform,
    number,
)
from tests.integration.platform import EventWatcher, Platform
from tests.integration.test_acd_calls import _api, _interaction, _registered
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

AGENTS = {"agent101": "demo-sip-101-pass", "agent102": "demo-sip-102-pass"}
CAMPAIGN = "spring"
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)
#: who is called, and what each turns out to be
PEOPLE = {number(HUMAN, 1): "human", number(HUMAN, 2): "human", number(BUSY, 1): "busy",
          number(NO_ANSWER, 1): "no_answer", number(MACHINE, 1): "machine"}


def _campaigns(tmp: Path) -> Path:
    (tmp / "people.csv").write_text("phone\n" + "\n".join(PEOPLE) + "\n")
    once = {"delay": 3600, "max_attempts": 1}
    path = tmp / "campaigns.yaml"
    path.write_text(yaml.safe_dump({"campaigns": {CAMPAIGN: {
        "mode": "progressive", "queue": "sales", "caller_id": "+15550009000",
        "max_lines": 4, "ring_seconds": 15, "machine": {"action": "drop"},
        "retries": {**{kind: once for kind in ("busy", "no_answer", "machine", "failed")},
                    "abandoned": {"delay": 72 * 3600, "max_attempts": 2}},
        "list": {"csv": "people.csv"}}}}))
    return path


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("dialer")
    with campaign_platform(tmp, asterisk_install, AGENTS, _campaigns(tmp),
                           OUTBOUND_PORT) as running:
        yield running


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[DialedPeople]:
    dialed = DialedPeople(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA)
    await dialed.start()
    try:
        yield dialed
    finally:
        await dialed.stop()


@pytest.fixture
async def agents(platform: Platform, tmp_path: Path) -> AsyncIterator[list[AgentPhone]]:
    phones = [AgentPhone(tmp_path / agent, agent, password, platform.sip_port)
              for agent, password in AGENTS.items()]
    try:
        for phone in phones:
            await phone.start()
            await _registered(platform, phone.agent)
        yield phones
    finally:
        for phone in phones:
            await phone.stop()


async def _campaign(platform: Platform) -> dict[str, Any]:
    listed = await asyncio.to_thread(_api, platform, "GET", "/api/v1/dialer/campaigns")
    return next(c for c in listed["campaigns"] if c["campaign"] == CAMPAIGN)


async def test_a_progressive_campaign_reaches_people_and_records_every_dial(
        platform: Platform, people: DialedPeople, agents: list[AgentPhone]) -> None:
    base = f"/api/v1/dialer/campaigns/{CAMPAIGN}"
    async with EventWatcher(platform) as watcher:
        for phone in agents:  # each agent's phone rings once and stays open
            await asyncio.to_thread(_api, platform, "POST", f"{base}/seats",
                                    {"agent": phone.agent})

        async def seated() -> bool:
            seats = (await _campaign(platform))["agents"]["each"]
            return all(seats.get(phone.agent) == "ready" for phone in agents)

        await until(seated, seconds=15, what="the agents' lines never opened", every=0.2)
        await asyncio.to_thread(_api, platform, "POST", f"{base}/start")

        def ended() -> list[dict[str, Any]]:
            return [e for e in watcher.events if e["type"] == "dialer.ended"]

        async def all_dialed() -> bool:
            return len(ended()) >= len(PEOPLE)

        await until(all_dialed, seconds=90, what="the list was never dialed through",
                    every=0.2)
        dialed = {e["call_id"]: e for e in watcher.events if e["type"] == "call.dialed"}
        outcomes = {dialed[e["dial_id"]]["dialed"]: e["outcome"] for e in ended()}
        assert outcomes == PEOPLE
        for call_id, event in dialed.items():
            assert event["campaign"] == CAMPAIGN and event["attempt"] == 1
            interaction = await _interaction(platform, call_id)
            assert interaction["outcome"] == PEOPLE[event["dialed"]]
            assert interaction["direction"] == "outbound"
        talked = [e for e in watcher.events if e["type"] == "call.answered"
                  and e["call_id"] in dialed]
        assert {e["agent"] for e in talked} <= set(AGENTS) and len(talked) == 2
        pops = [e for e in watcher.events if e["type"] == "screen.pop"]
        for answered in talked:  # the agent's desktop shows whom they talk to, and why
            pop = next(p for p in pops if p["call_id"] == answered["call_id"])
            assert (pop["agent"], pop["campaign"], pop["attempt"], pop["direction"]) == (
                answered["agent"], CAMPAIGN, 1, "outbound")
            assert pop["caller"] == dialed[answered["call_id"]]["dialed"]
        verdicts = {dialed[e["call_id"]]["dialed"]: e["human"] for e in watcher.events
                    if e["type"] == "dialer.detected"}
        assert verdicts == {n: kind == "human" for n, kind in PEOPLE.items()
                            if kind in ("human", "machine")}
        board = await _campaign(platform)  # the campaign manager's figures
        assert board["abandoned"] == 0 and board["connected"] == 2
        assert board["abandon_rate"]["today"] == 0.0
        assert board["records"]["reached"] == 2 and board["records"]["exhausted"] == 3
        assert board["records"]["left"] == 0
        assert board["agents"]["talk_minutes_per_hour"] > 0
        await _a_callback_agreed_is_dialed_at_its_time(platform, watcher, talked[0])
        for phone in agents:
            await asyncio.to_thread(_api, platform, "DELETE", f"{base}/seats/{phone.agent}")


async def _a_callback_agreed_is_dialed_at_its_time(
        platform: Platform, watcher: EventWatcher, answered: dict[str, Any]) -> None:
    """The agent codes the call "call back" at a time the customer agreed to: then the
    record is shown to that agent (reserved to them, not to whoever is free), and once
    dialed the person is called again, as the record's next attempt, on the record."""
    pop = await asyncio.to_thread(_api, platform, "GET",
                                  f"/api/v1/calls/{answered['call_id']}/screen")
    assert "call_back" in [code["code"] for code in pop["dispositions"]]
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=6)
    disposed = await asyncio.to_thread(
        _api, platform, "POST", f"/api/v1/calls/{answered['call_id']}/disposition",
        {"code": "call_back", "notes": "after the meeting", "callback_at": at.isoformat()})
    assert disposed["code"] == "call_back"
    number = next(e["dialed"] for e in watcher.events if e["type"] == "call.dialed"
                  and e["call_id"] == answered["call_id"])
    shown = await watcher.wait_for(lambda e: e["type"] == "dialer.preview"
                                   and e["number"] == number, timeout=30)
    assert (shown["agent"], shown["reserved"]) == (answered["agent"], "callback")
    assert shown["time"] >= at.timestamp() and shown["deadline"] > shown["time"]
    await asyncio.to_thread(
        _api, platform, "POST",
        f"/api/v1/dialer/campaigns/{CAMPAIGN}/previews/{shown['dial_id']}/dial")
    again = await watcher.wait_for(lambda e: e["type"] == "call.dialed"
                                   and e["dialed"] == number and e["attempt"] == 2, timeout=30)
    assert again["time"] >= at.timestamp()
    ended = await watcher.wait_for(lambda e: e["type"] == "dialer.ended"
                                   and e["dial_id"] == again["call_id"], timeout=30)
    assert ended["outcome"] == "human"
