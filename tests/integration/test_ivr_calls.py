"""Real calls: sipp dials the platform on real Asterisk and walks the IVR with DTMF.

Every assertion reads the platform's event stream (/api/v1/events) or its API,
never log text. Number 5000 is the demo flow as shipped; 5001 is the same flow
with a short prompt and a 1 s timeout (so that "no input" takes seconds, not
minutes); 5002 is the same flow with no open hours at all.
"""

from __future__ import annotations

import asyncio
import copy
import json
import urllib.request
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

_callers = count(1)


def _write_flows(folder: Path) -> None:
    main = yaml.safe_load((ROOT / "config/ivr/main.yaml").read_text())
    folder.mkdir(parents=True)
    (folder / "main.yaml").write_text(yaml.safe_dump(main))
    quick = copy.deepcopy(main)
    quick["nodes"]["main_menu"].update(prompt=["beep"], timeout=1, max_retries=2,
                                        no_input_prompt=["beep"])
    (folder / "quick.yaml").write_text(yaml.safe_dump(quick))
    closed = copy.deepcopy(main)
    closed["nodes"]["business_hours"]["weekly"] = {}
    closed["nodes"]["closed_menu"].update(prompt=["beep"], timeout=1)
    (folder / "closed.yaml").write_text(yaml.safe_dump(closed))


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    tmp = tmp_path_factory.mktemp("ivr")
    _write_flows(tmp / "ivr")
    numbers = {"5000": "main", "5001": "quick", "5002": "closed"}
    with running_platform(tmp, {"dir": str(tmp / "ivr"), "numbers": numbers},
                          asterisk_install) as running:
        yield running


async def place_call(platform: Platform, number: str, steps: list[Step], *,
                     hold_ms: int = 3000, caller: str | None = None,
                     ) -> tuple[str, list[dict[str, Any]]]:
    """Call ``number``; return the call id and every event of the call, in order."""
    caller = caller or f"+1555777{next(_callers):04d}"
    local, media = free_ports(2)
    async with EventWatcher(platform) as watcher:
        result = await call(sip_port=platform.sip_port, number=number, caller=caller,
                            steps=steps, hold_ms=hold_ms, workdir=platform.state_dir,
                            local_port=local, media_port=media)
        assert result.returncode == 0, result.output[-2000:]
        arrived = await watcher.wait_for(
            lambda e: e["type"] == "call.arrived" and e["caller"] == caller)
        call_id = arrived["call_id"]
        await watcher.wait_for(lambda e: e["type"] == "call.ended" and e["call_id"] == call_id)
        return call_id, watcher.of_call(call_id)


def _record(platform: Platform, call_id: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{platform.base_url}/api/v1/calls/{call_id}",
                                     headers={"Authorization": f"Bearer {platform.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.loads(response.read()))


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]


def the_exit(events: list[dict[str, Any]]) -> dict[str, Any]:
    exits = of_type(events, "ivr.exit")
    assert len(exits) == 1, exits
    return exits[0]


async def test_pressing_2_reaches_the_support_queue(platform: Platform) -> None:
    call_id, events = await place_call(platform, "5000", [Step(1500, "2")])
    assert [e["node"] for e in of_type(events, "ivr.digits")] == ["main_menu"]
    exit_ = the_exit(events)
    assert (exit_["kind"], exit_["target"]) == ("queue", "support")
    assert exit_["variables"]["skill"] == "support"
    queued = of_type(events, "call.queued")
    assert [q["queue"] for q in queued] == ["support"]
    assert of_type(events, "call.ended")[0]["outcome"] == "abandoned_in_queue"
    # the call's record keeps every step
    record = await asyncio.to_thread(_record, platform, call_id)
    assert record["ivr_path"][-2:] == ["main_menu", "support"]
    assert [e["type"] for e in record["events"]] == [e["type"] for e in events]


def _interactions(platform: Platform, call_id: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{platform.base_url}/api/v1/interactions?call_id={call_id}",
        headers={"Authorization": f"Bearer {platform.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return list(json.loads(response.read())["items"])


async def _interaction_of(platform: Platform, call_id: str) -> dict[str, Any]:
    """The call's row in the CRM, written by the outbox moments after the call ended."""
    found: list[dict[str, Any]] = []

    async def in_the_crm() -> bool:
        found.extend(await asyncio.to_thread(_interactions, platform, call_id))
        return bool(found)

    await until(in_the_crm, seconds=10, what=f"{call_id} never reached the CRM", every=0.1)
    return found[0]


async def test_a_known_vip_caller_is_queued_with_priority(platform: Platform) -> None:
    call_id, events = await place_call(platform, "5000", [Step(1500, "1")],
                                       caller="+15550001001")
    lookup = of_type(events, "ivr.lookup")[0]
    assert (lookup["kind"], lookup["found"]) == ("caller", True)
    queued = of_type(events, "call.queued")[0]
    assert (queued["queue"], queued["priority"]) == ("sales", 10)
    assert queued["variables"]["name"] == "Ada Lovelace"
    # known from the CRM (seeded), not from the settings' directory
    assert queued["variables"]["account_name"] == "Lovelace Analytical Engines"
    # and the call lands on her timeline in the CRM
    interaction = await _interaction_of(platform, call_id)
    assert interaction["contact_id"] == int(queued["variables"]["contact_id"])
    assert (interaction["queue"], interaction["outcome"]) == ("sales", "abandoned_in_queue")
    assert interaction["ivr_path"][-1] == "sales"


async def test_an_invalid_key_replays_the_menu_then_falls_back(platform: Platform) -> None:
    steps = [Step(1200, "7") for _ in range(4)]
    _, events = await place_call(platform, "5000", steps)
    invalid = of_type(events, "ivr.invalid")
    assert [e["attempt"] for e in invalid] == [1, 2, 3, 4]
    assert all(e["digits"] == "7" for e in invalid)
    replays = of_type(events, "ivr.retry")
    assert [(e["node"], e["attempt"]) for e in replays] == [("main_menu", 2), ("main_menu", 3),
                                                            ("main_menu", 4)]
    exit_ = the_exit(events)
    assert (exit_["target"], exit_["reason"]) == ("operator", "retries_exhausted")


async def test_no_input_times_out_to_the_fallback(platform: Platform) -> None:
    _, events = await place_call(platform, "5001", [], hold_ms=15000)
    timeouts = of_type(events, "ivr.timeout")
    assert [e["attempt"] for e in timeouts] == [1, 2, 3]
    assert len(of_type(events, "ivr.retry")) == 2
    assert not of_type(events, "ivr.digits")
    exit_ = the_exit(events)
    assert (exit_["target"], exit_["reason"]) == ("operator", "retries_exhausted")


async def test_option_3_collects_the_account_number_ended_by_pound(platform: Platform) -> None:
    # sipp sends DTMF in the background, about half a second a digit: hold on long enough
    _, events = await place_call(platform, "5000", [Step(1500, "3"), Step(1500, "12345#")],
                                 hold_ms=6000)
    collected = [e for e in of_type(events, "ivr.digits") if e["node"] == "account_number"]
    assert [(e["digits"], e["variable"]) for e in collected] == [("12345", "account")]
    lookups = [e for e in of_type(events, "ivr.lookup") if e["kind"] == "account"]
    assert [(e["key"], e["found"]) for e in lookups] == [("12345", True)]
    assert "say_balance" in [e["node"] for e in of_type(events, "ivr.step")]


async def test_out_of_hours_goes_to_the_closed_message(platform: Platform) -> None:
    _, events = await place_call(platform, "5002", [], hold_ms=10000)
    hours = of_type(events, "ivr.hours")
    assert [h["open"] for h in hours] == [False]
    nodes = [e["node"] for e in of_type(events, "ivr.step")]
    assert "main_menu" not in nodes
    assert nodes[-3:] == ["closed_message", "closed_menu", "goodbye"]
    assert the_exit(events)["kind"] == "hangup"
    assert of_type(events, "call.ended")[0]["outcome"] == "completed_in_ivr"


async def test_an_agent_phone_registering_shows_on_the_event_stream(platform: Platform) -> None:
    from tests.integration.test_asterisk_process import ACCEPTED, REGISTER, sipp

    settings = load_settings(platform.config, environ=platform.environment())
    workdir = platform.state_dir

    def register(expires: int) -> int:
        scenario = workdir / f"register-{expires}.xml"
        text = REGISTER.format(final=ACCEPTED).replace("Expires: 60", f"Expires: {expires}")
        if expires == 0:  # "Contact: *" with Expires 0 removes every binding (RFC 3261 10.2.2)
            text = text.replace("Contact: <sip:[service]@[local_ip]:[local_port]>", "Contact: *")
        scenario.write_text(text)
        return sipp(workdir, settings, "-sf", str(scenario), "-s", "agent103",
                    "-au", "agent103", "-ap", "demo-sip-103-pass").returncode

    async with EventWatcher(platform) as watcher:
        assert await asyncio.to_thread(register, 60) == 0
        online = await watcher.wait_for(
            lambda e: e["type"] == "endpoint.state" and e["endpoint"] == "agent103"
            and e["registered"] is True)
        # the phone's device state follows (AMI DeviceStateChange): it can take calls
        await watcher.wait_for(
            lambda e: e["type"] == "endpoint.state" and e["endpoint"] == "agent103"
            and e["state"] == "not_inuse")
        assert await asyncio.to_thread(register, 0) == 0
        # (the platform may also have said "not registered" at start, when it read the
        # registrations: the unregistration is the one after the registration)
        await watcher.wait_for(
            lambda e: e["type"] == "endpoint.state" and e["endpoint"] == "agent103"
            and e["registered"] is False and e["time"] >= online["time"])
