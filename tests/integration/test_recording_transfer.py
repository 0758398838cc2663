"""A transferred call's recordings on real Asterisk: a baresip caller reaches agent101 in
a queue that records, who transfers them to another queue that records, where
agent103 takes the call. The call's record then lists both parts, in order, each with
the agent who took it, and the first agent plays both: the first part with their own
tone in it, the second with the next agent's. An agent who never had the call is
refused either."""

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
from tests.integration import test_call_control
from tests.integration.audio import Heard
from tests.integration.platform import EventWatcher, Platform, running_platform
from tests.integration.test_acd_calls import set_state
from tests.integration.test_call_control import AGENTS, DIRECT, QUEUE, TONES, Call, listen
from tests.support import require_tool, until

pytestmark = pytest.mark.asterisk

#: the agents' phones, each sending its own tone, and the caller's (fixture ``phones``)
phones = test_call_control.phones


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("recorded-transfer")
    ivr = tmp / "ivr"
    ivr.mkdir()
    (ivr / "direct.yaml").write_text(yaml.safe_dump({
        "start": "support", "nodes": {"support": {"type": "queue", "queue": "support"}}}))
    recorded = {**QUEUE, "record": True}
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": recorded, "sales": recorded}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    with running_platform(tmp, {"dir": str(ivr), "numbers": {DIRECT: "direct"}},
                          asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")}) as running:
        yield running


def _request(platform: Platform, path: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{platform.base_url}{path}",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


async def _get(platform: Platform, path: str, token: str) -> tuple[int, bytes]:
    return await asyncio.to_thread(_request, platform, path, token)


async def _interaction(platform: Platform, call_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def in_the_crm() -> bool:
        _, body = await _get(platform, f"/api/v1/interactions?call_id={call_id}",
                             platform.token)
        found.extend(json.loads(body)["items"])
        return bool(found)

    await until(in_the_crm, seconds=15, what=f"{call_id} never reached the CRM", every=0.2)
    return found[0]


async def _transferred_call(platform: Platform, phones: dict[str, Any]) -> str:
    """agent101 takes the call in support and hands it to sales, where agent103 takes
    it; both talk long enough for their tone to fill their part. The call's id."""
    await set_state(platform, "agent103", "available")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, phones, watcher)
        await call.place()
        await listen(3)
        await call.control("transfer", queue="sales")
        await phones["agent101"].wait_for("CALL_CLOSED")
        await call.event("call.answered", agent="agent103")
        await phones["agent103"].wait_for("CALL_ESTABLISHED")
        await listen(3)
        assert (await call.hang_up())["outcome"] == "answered"
        news = [e for e in watcher.of_call(call.call_id) if e["type"] == "call.recording"]
    assert [(e["agent"], e["queue"]) for e in news] == [
        ("agent101", "support"), ("agent103", "sales")]
    return call.call_id


async def test_both_parts_of_a_transferred_call_are_listed_and_play(
        platform: Platform, phones: dict[str, Any], tmp_path: Path) -> None:
    call_id = await _transferred_call(platform, phones)
    interaction = await _interaction(platform, call_id)
    first_agent = await asyncio.to_thread(platform.login, "agent101", "demo-agent101-pass")
    other = await asyncio.to_thread(platform.login, "agent102", "demo-agent102-pass")
    status, body = await _get(platform, f"/api/v1/interactions/{interaction['id']}/recordings",
                              first_agent)
    assert status == 200, body
    parts = json.loads(body)["parts"]
    assert [(p["part"], p["agent"], p["queue"], p["status"]) for p in parts] == [
        (1, "agent101", "support", "available"), (2, "agent103", "sales", "available")]
    assert parts[1]["name"] == interaction["recording"]
    for part, (own, not_own) in zip(parts, (("agent101", "agent103"),
                                           ("agent103", "agent101")), strict=True):
        status, wav = await _get(platform, part["url"], first_agent)
        assert status == 200 and wav[:4] == b"RIFF"
        path = tmp_path / f"{part['name']}.wav"
        path.write_bytes(wav)
        heard = Heard.read(path)
        assert heard.seconds > 2, (part["name"], heard.seconds)
        # the part's own agent is in it, the other agent is not
        mine = heard.share(0.5, heard.seconds - 0.5, TONES[own])
        theirs = heard.share(0.5, heard.seconds - 0.5, TONES[not_own])
        assert mine > 0.2 and theirs < mine / 4, (part["name"], mine, theirs)
        assert (await _get(platform, part["url"], other))[0] == 403
    status, _ = await _get(platform, f"/api/v1/interactions/{interaction['id']}/recordings",
                           other)
    assert status == 403
