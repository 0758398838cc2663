"""A recorded call on real Asterisk: a sipp caller reaches a baresip agent in a queue
that records, and afterwards the agent who took it fetches the recording over the API (a
WAV with the call's audio in it) while another agent is refused it."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.recording_support import loudness
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": 1, "record": True,
         "announce_on_join": False, "service_level_target": {"percent": 80, "seconds": 20}}
AGENTS = {agent: {"name": agent, "skills": {"support": 5}, "queues": {"support": 1}}
          for agent in ("agent101", "agent102")}
CALLER = "+15550008101"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("recordings")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": QUEUE, "sales": {**QUEUE, "record": False}, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")}) as running:
        yield running


def _request(platform: Platform, path: str, token: str, method: str = "GET",
             body: Any = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), dict(refused.headers)


async def _get(platform: Platform, path: str, token: str) -> tuple[int, bytes, dict[str, str]]:
    return await asyncio.to_thread(_request, platform, path, token)


async def _interaction(platform: Platform, call_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def in_the_crm() -> bool:
        _, body, _ = await _get(platform, f"/api/v1/interactions?call_id={call_id}",
                                platform.token)
        found.extend(json.loads(body)["items"])
        return bool(found)

    await until(in_the_crm, seconds=15, what=f"{call_id} never reached the CRM", every=0.2)
    return found[0]


async def test_the_agent_plays_the_recording_and_another_agent_is_refused(
        platform: Platform, tmp_path: Path) -> None:
    phone = AgentPhone(tmp_path / "agent101", "agent101", "demo-sip-101-pass",
                       platform.sip_port, tone=440)
    await phone.start()
    try:
        await until(lambda: _registered(platform), seconds=10, what="agent101 unregistered")
        await asyncio.to_thread(_request, platform, "/api/v1/agents/agent101/state",
                                platform.token, "PUT", {"state": "available"})
        async with EventWatcher(platform) as watcher:
            local, media = free_ports(2)
            caller = asyncio.ensure_future(call(
                sip_port=platform.sip_port, number="5000", caller=CALLER,
                steps=[Step(1500, "2")], hold_ms=5000, workdir=platform.state_dir,
                local_port=local, media_port=media, rtp_echo=True))
            answered = await watcher.wait_for(lambda e: e["type"] == "call.answered")
            recording = await watcher.wait_for(lambda e: e["type"] == "call.recording")
            assert (answered["agent"], recording["queue"]) == ("agent101", "support")
            assert (await caller).returncode == 0
        interaction = await _interaction(platform, answered["call_id"])
        assert interaction["recording"] == recording["recording"]
    finally:
        await asyncio.to_thread(_request, platform, "/api/v1/agents/agent101/state",
                                platform.token, "PUT", {"state": "logged_out"})
        await phone.stop()

    took_it = await asyncio.to_thread(platform.login, "agent101", "demo-agent101-pass")
    other = await asyncio.to_thread(platform.login, "agent102", "demo-agent102-pass")
    status_path = f"/api/v1/interactions/{interaction['id']}/recording"
    status, body, _ = await _get(platform, status_path, took_it)
    assert status == 200, body
    play = json.loads(body)
    assert play["status"] == "available"
    status, wav, headers = await _get(platform, play["url"], took_it)
    assert status == 200
    assert headers["Content-Type"] == "audio/wav"
    assert headers["Cache-Control"] == "private, no-store"
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    seconds, rms = loudness(wav)
    assert seconds > 3, seconds  # the caller stayed five seconds after reaching the agent
    assert rms > 300, rms  # the agent's tone, not silence
    # another agent: refused the call's recording, and the link made for the first agent
    status, body, _ = await _get(platform, status_path, other)
    assert status == 403, body
    status, body, _ = await _get(platform, play["url"], other)
    assert status == 403, body


def _registered(platform: Platform) -> bool:
    _, body, _ = _request(platform, "/api/v1/agents", platform.token)
    return bool(json.loads(body)["agents"]["agent101"]["registered"])
