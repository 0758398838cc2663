"""A crash of the app mid-campaign: the person talking with an agent goes on talking, the
campaign runs on by itself, no attempt is lost and no one is dialed twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.dial_callees import (
    HUMAN,
    NO_ANSWER,
    DialedPeople,
    campaign_platform,
    number,
)
from tests.integration.platform import EventWatcher, Platform
from tests.integration.test_acd_calls import _api, _interaction, _registered
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

AGENT, PASSWORD = "agent101", "demo-sip-101-pass"
CAMPAIGN = "renew"
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)
FIRST, SECOND, UNANSWERED = number(HUMAN, 7), number(HUMAN, 8), number(NO_ANSWER, 7)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("dialer-restart")
    (tmp / "people.csv").write_text(f"phone\n{FIRST}\n{SECOND}\n{UNANSWERED}\n")
    once = {"delay": 3600, "max_attempts": 1}
    (tmp / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": {CAMPAIGN: {
        "mode": "progressive", "queue": "sales", "caller_id": "+15550009000",
        "max_lines": 2, "ring_seconds": 15,
        "retries": {kind: once for kind in ("busy", "no_answer", "machine", "failed",
                                            "abandoned")},
        "list": {"csv": "people.csv"}}}}))
    with campaign_platform(tmp, asterisk_install, [AGENT], tmp / "campaigns.yaml",
                           OUTBOUND_PORT) as running:
        yield running


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[DialedPeople]:
    dialed = DialedPeople(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA, talk_ms=10000)
    await dialed.start()
    try:
        yield dialed
    finally:
        await dialed.stop()


@pytest.fixture
async def phone(platform: Platform, tmp_path: Path) -> AsyncIterator[AgentPhone]:
    agent = AgentPhone(tmp_path / AGENT, AGENT, PASSWORD, platform.sip_port)
    await agent.start()
    try:
        await _registered(platform, AGENT)
        yield agent
    finally:
        await agent.stop()


async def _board(platform: Platform) -> dict[str, Any]:
    listed = await asyncio.to_thread(_api, platform, "GET", "/api/v1/dialer/campaigns")
    return next(c for c in listed["campaigns"] if c["campaign"] == CAMPAIGN)


def _dialed(events: list[dict[str, Any]]) -> list[str]:
    return [e["dialed"] for e in events if e["type"] == "call.dialed"]


async def test_a_campaign_goes_on_across_a_crash_of_the_app(
        platform: Platform, people: DialedPeople, phone: AgentPhone) -> None:
    base = f"/api/v1/dialer/campaigns/{CAMPAIGN}"
    async with EventWatcher(platform) as before:
        await asyncio.to_thread(_api, platform, "POST", f"{base}/seats", {"agent": AGENT})
        await before.wait_for(lambda e: e["type"] == "dialer.board"
                              and e["agents"]["each"].get(AGENT) == "ready")
        await asyncio.to_thread(_api, platform, "POST", f"{base}/start")
        talking = await before.wait_for(lambda e: e["type"] == "call.answered")
    platform.crash()  # the person and the agent are talking
    platform.start()  # Asterisk was left running: the new app adopts its calls
    async with EventWatcher(platform) as after:
        ended = await after.wait_for(lambda e: e["type"] == "call.ended"
                                     and e["call_id"] == talking["call_id"], timeout=30)
        assert ended["outcome"] == "human" and ended["agent"] == AGENT

        async def list_done() -> bool:
            return (await _board(platform))["records"]["left"] == 0 and \
                (await _board(platform))["records"]["dialing"] == 0

        await until(list_done, seconds=60, what="the campaign did not run on", every=0.3)
        calls = _dialed(before.events) + _dialed(after.events)
        assert sorted(calls) == sorted([FIRST, SECOND, UNANSWERED])  # each once
        board = await _board(platform)
        assert board["state"] == "running"
        assert board["records"]["reached"] == 2 and board["records"]["exhausted"] == 1
    interaction = await _interaction(platform, talking["call_id"])
    assert interaction["outcome"] == "human" and interaction["agent"] == AGENT
