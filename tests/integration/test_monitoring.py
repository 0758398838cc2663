"""Supervisors on live calls: the supervisor's phone (baresip) rings, and once answered it
hears the agent's call (listen), or talks into it (barge); hanging up leaves the call as
it was. A sipp caller reaches a baresip agent through the IVR first. Only the supervisor's
own phone rings; each session is kept with the call and in the audit log."""

from __future__ import annotations

import asyncio
import json
import urllib.error
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.test_acd_calls import _api, _caller, _registered, set_state
from tests.support import require_tool, until

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 6, "wrap_up": 1,
         "announce_on_join": False}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("monitoring")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": QUEUE, "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        "agent101": {"skills": {"support": 5}, "queues": {"support": 1}}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")}) as running:
        yield running


@pytest.fixture
async def phones(platform: Platform, tmp_path: Path) -> AsyncIterator[dict[str, AgentPhone]]:
    started = {
        "agent101": AgentPhone(tmp_path / "agent", "agent101", "demo-sip-101-pass",
                               platform.sip_port),
        "supervisor1": AgentPhone(tmp_path / "supervisor", "supervisor1", "demo-sip-sup-pass",
                                  platform.sip_port),
    }
    async with EventWatcher(platform) as watcher:  # a supervisor's phone is no ACD agent
        for phone in started.values():
            await phone.start()
        await watcher.wait_for(lambda e: e["type"] == "endpoint.state"
                               and e["endpoint"] == "supervisor1" and e["registered"])
    try:
        await _registered(platform, "agent101")
        yield started
    finally:
        try:
            await set_state(platform, "agent101", "logged_out")
        finally:
            for phone in started.values():
                await phone.stop()


async def _monitor(platform: Platform, call_id: str, mode: str,
                   **more: str) -> dict[str, Any]:
    token = await asyncio.to_thread(platform.login, "supervisor", "demo-supervisor-pass")
    return dict(await asyncio.to_thread(_as, platform, token, call_id, {"mode": mode, **more}))


def _as(platform: Platform, token: str, call_id: str, body: dict[str, str]) -> Any:
    import urllib.request

    request = urllib.request.Request(
        f"{platform.base_url}/api/v1/calls/{call_id}/monitor", method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


async def _connected_call(platform: Platform, phones: dict[str, AgentPhone],
                          watcher: EventWatcher, hold_ms: int) -> tuple[Any, str]:
    await set_state(platform, "agent101", "available")
    caller = await _caller(platform, "2", hold_ms=hold_ms)
    answered = await watcher.wait_for(lambda e: e["type"] == "call.answered")
    await phones["agent101"].wait_for("CALL_ESTABLISHED")
    return caller, answered["call_id"]


async def test_a_supervisor_listens_to_a_live_call_and_leaves_it_as_it_was(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    supervisor = phones["supervisor1"]
    async with EventWatcher(platform) as watcher:
        caller, call_id = await _connected_call(platform, phones, watcher, hold_ms=14000)
        with pytest.raises(urllib.error.HTTPError) as refused:  # the agent's phone: never
            await _monitor(platform, call_id, "listen", endpoint="agent101")
        assert refused.value.code == 403
        assert "not your phone" in json.loads(refused.value.read())["error"]
        placed = await _monitor(platform, call_id, "listen")
        assert placed["endpoint"] == "supervisor1"  # the supervisor user's own phone
        await supervisor.wait_for("CALL_ESTABLISHED")
        started = await watcher.wait_for(lambda e: e["type"] == "call.monitor.started")
        assert (started["monitored_call"], started["monitored_agent"]) == (call_id, "agent101")
        await supervisor.wait_for("CALL_RTPESTAB", timeout=5)  # the call's sound arrives
        await supervisor.command("/hangup")
        await watcher.wait_for(lambda e: e["type"] == "call.monitor.ended")
        calls = (await asyncio.to_thread(_api, platform, "GET", "/api/v1/calls"))["calls"]
        assert call_id in [call["call_id"] for call in calls]  # the call goes on
        # the session is kept with the call's record, and in the audit log
        record = await asyncio.to_thread(_api, platform, "GET", f"/api/v1/calls/{call_id}")
        assert [(e["type"], e["supervisor"], e["mode"], e["endpoint"])
                for e in record["events"] if e["type"].startswith("call.monitor")] == [
            (kind, "supervisor", "listen", "supervisor1")
            for kind in ("call.monitor", "call.monitor.started", "call.monitor.ended")]
        await until(lambda: [(e["username"], e["action"])
                             for e in _audit(platform, placed["monitor_id"])] == [
            ("supervisor", "create"), ("supervisor", "update")], seconds=5)
        assert not [e for e in phones["agent101"].events if e.get("type") == "CALL_CLOSED"]
        assert (await caller).returncode == 0
        ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                       and e["call_id"] == call_id)
        assert ended["outcome"] == "answered"


async def test_a_barging_supervisor_is_hung_up_when_the_call_ends(
        platform: Platform, phones: dict[str, AgentPhone]) -> None:
    supervisor = phones["supervisor1"]
    async with EventWatcher(platform) as watcher:
        caller, call_id = await _connected_call(platform, phones, watcher, hold_ms=8000)
        await _monitor(platform, call_id, "barge")
        await supervisor.wait_for("CALL_ESTABLISHED")
        await watcher.wait_for(lambda e: e["type"] == "call.monitor.started")
        await supervisor.wait_for("CALL_RTPESTAB", timeout=5)
        assert (await caller).returncode == 0  # the caller hangs up
        await supervisor.wait_for("CALL_CLOSED", timeout=10)
        ended = await watcher.wait_for(lambda e: e["type"] == "call.monitor.ended")
        assert ended["monitored_call"] == call_id


def _audit(platform: Platform, monitor_id: str) -> list[dict[str, Any]]:
    """The audit log's entries of one monitoring session, oldest first."""
    page = _api(platform, "GET", "/api/v1/audit?entity=monitoring&sort=id")
    return [entry for entry in page["items"]
            if entry["changes"]["monitor_id"]["after"] == monitor_id]


async def test_only_a_connected_call_can_be_monitored(platform: Platform) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        await _monitor(platform, "no-such-call", "listen")
    assert refused.value.code == 409
