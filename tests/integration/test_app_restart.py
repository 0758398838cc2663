"""A crash of the app loses no call: the caller waiting in a queue is picked up again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.process import AsteriskProcess
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import read_credentials
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, require_tool

pytestmark = pytest.mark.asterisk


@pytest.fixture
def platform(tmp_path, asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    with running_platform(tmp_path, {"dir": str(ROOT / "config/ivr")},
                          asterisk_install) as running:
        yield running


async def test_a_queued_caller_survives_an_app_crash(platform: Platform) -> None:
    local, media = free_ports(2)
    caller = "+15557779999"
    async with EventWatcher(platform) as before:
        sipp = asyncio.ensure_future(call(
            sip_port=platform.sip_port, number="5000", caller=caller, steps=[Step(1500, "2")],
            hold_ms=12000, workdir=platform.state_dir, local_port=local, media_port=media))
        queued = await before.wait_for(lambda e: e["type"] == "call.queued")
        call_id = queued["call_id"]
    platform.crash()
    platform.start()  # Asterisk was left running: the new app adopts it and its calls
    async with EventWatcher(platform) as after:
        result = await sipp
        assert result.returncode == 0, result.output[-2000:]
        ended = await after.wait_for(
            lambda e: e["type"] == "call.ended" and e["call_id"] == call_id)
    assert ended["outcome"] == "abandoned_in_queue"
    assert ended["cause"] != "gone"
    record = await asyncio.to_thread(_record, platform, call_id)
    types = [event["type"] for event in record["events"]]
    assert types.count("call.arrived") == 1 and types.count("call.ended") == 1
    assert types.index("call.queued") < types.index("call.resumed") < types.index("call.ended")
    assert record["exit"]["target"] == "support"


def _record(platform: Platform, call_id: str) -> dict:
    import json
    import urllib.request

    request = urllib.request.Request(f"{platform.base_url}/api/v1/calls/{call_id}",
                                     headers={"Authorization": f"Bearer {platform.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


async def test_the_app_follows_an_asterisk_restart_with_new_secrets(platform: Platform) -> None:
    settings = load_settings(platform.config, environ=platform.environment())
    before = read_credentials(settings)
    await asyncio.to_thread(AsteriskProcess(settings, log=lambda _: None).start)
    after = read_credentials(settings)
    assert (after.ari_password, after.ami_password) != (before.ari_password, before.ami_password)
    await asyncio.to_thread(platform.wait_ready, 60)  # ARI and AMI back, with the new secrets
    local, media = free_ports(2)
    async with EventWatcher(platform) as watcher:
        result = await call(sip_port=platform.sip_port, number="5000", caller="+15557770042",
                            steps=[Step(1500, "2")], hold_ms=1500, workdir=platform.state_dir,
                            local_port=local, media_port=media)
        assert result.returncode == 0, result.output[-2000:]
        queued = await watcher.wait_for(lambda e: e["type"] == "call.queued")
    assert queued["queue"] == "support"
