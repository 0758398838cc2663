"""Voicemail on real Asterisk: a queue that overflows to voicemail puts the caller's
message in the queue's box (a sipp caller, nobody to answer); the message is kept once
through a crash of the app and its restart, which offers the journal's calls again."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call, ulaw_tone
from tests.recording_support import loudness
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

QUEUE = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": 2,
         "announce_on_join": False}
CALLER = "+15550008201"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    tmp = tmp_path_factory.mktemp("voicemail-calls")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        # two seconds of waiting, then the caller leaves a message for the queue's box
        "support": {**QUEUE, "max_wait": 2,
                    "overflow": {"kind": "voicemail", "target": "support"}},
        "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        "agent101": {"skills": {"support": 5}, "queues": {"support": 1}}}}))
    (tmp / "voicemail.yaml").write_text(yaml.safe_dump({
        "queues": {"support": {"max_age": 900}}, "mailboxes": {"main": {"queue": "support"}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml"),
                               "voicemail": str(tmp / "voicemail.yaml")}) as running:
        yield running


def _get(platform: Platform, path: str) -> Any:
    request = urllib.request.Request(f"{platform.base_url}{path}",
                                     headers={"Authorization": f"Bearer {platform.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def _messages(platform: Platform, call_id: str) -> list[dict[str, Any]]:
    body = await asyncio.to_thread(_get, platform, "/api/v1/voicemail?limit=200")
    return [m for m in body["messages"] if m["call_id"] == call_id]


async def test_an_overflowed_caller_leaves_a_message_in_the_queues_box(
        platform: Platform) -> None:
    local, media = free_ports(2)
    async with EventWatcher(platform) as watcher:
        speech = ulaw_tone(platform.state_dir / "overflow.ulaw")
        # support (2), two seconds in line, the beep; then three seconds of tone
        result = await call(sip_port=platform.sip_port, number="5000", caller=CALLER,
                            steps=[Step(1500, "2"), Step(4000, speak=str(speech))],
                            hold_ms=4000, workdir=platform.state_dir, local_port=local,
                            media_port=media)
        assert result.returncode == 0, result.output[-2000:]
        overflowed = await watcher.wait_for(lambda e: e["type"] == "call.overflowed")
        assert (overflowed["kind"], overflowed["target"]) == ("voicemail", "support")
        message = await watcher.wait_for(lambda e: e["type"] == "voicemail.message")
    assert (message["call"], message["mailbox"], message["queue"], message["agent"]) == (
        overflowed["call_id"], "support", "support", None)
    (kept,) = await _messages(platform, overflowed["call_id"])
    assert kept["caller"] == CALLER and kept["status"] == "new"
    assert kept["duration"] >= 2, kept  # the tone (Asterisk counts whole seconds)
    assert kept["recording"] == f"voicemail-support-{overflowed['call_id']}"
    # the message's audio: a WAV from the recordings' folder, behind a signed link
    play = await asyncio.to_thread(_get, platform, f"/api/v1/voicemail/{kept['id']}/recording")
    assert play["status"] == "available", play
    seconds, rms = loudness(await asyncio.to_thread(_audio, platform, play["url"]))
    assert seconds > 1.5 and rms > 300, (seconds, rms)  # the caller's tone, not silence

    # a crash of the app, and its restart, which offers every ended call again: still one
    platform.crash()
    await asyncio.to_thread(platform.start)
    await until(lambda: _ready(platform), seconds=30, what="the app never came back")
    assert len(await _messages(platform, overflowed["call_id"])) == 1


def _audio(platform: Platform, path: str) -> bytes:
    request = urllib.request.Request(f"{platform.base_url}{path}",
                                     headers={"Authorization": f"Bearer {platform.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "audio/wav"
        return bytes(response.read())


def _ready(platform: Platform) -> bool:
    try:
        return bool(_get(platform, "/api/v1/health"))
    except OSError:
        return False
