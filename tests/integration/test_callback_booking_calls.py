"""A callback booked for a time slot, on real phones: booked over the API for the first
slot the queue offers, it is dialed at its time (not before), through the call gate,
ringing an agent of the queue (baresip) first and then the customer (sipp, behind the
platform's outbound peer), and the two are bridged. The queue's slots are ten seconds
long, so that the first one is near."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.error
import urllib.request
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
from tests.integration.test_acd_calls import _api, _registered, set_state
from tests.support import free_ports, require_tool

pytestmark = pytest.mark.asterisk

AGENT = "agent101"
QUEUE = {"strategy": "longest_idle", "ring_timeout": 6, "wrap_up": 2,
         "announce_on_join": False}
#: ten-second slots from now on, open around the clock: the first one is near
SLOTS = {"slot_seconds": 10, "lead_seconds": 0, "days_ahead": 1, "share": 1,
         "handle_seconds": 5}
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("booking")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": {**QUEUE, "callback_slots": SLOTS},
        "sales": QUEUE, "operator": QUEUE}}))
    # two on the roster (one with a phone): the seeded history's forecast needs at most
    # one agent in a half hour, so that one is spare at any hour the test runs
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        AGENT: {"skills": {"support": 5}, "queues": {"support": 1}},
        "agent102": {"skills": {"support": 5}, "queues": {"support": 2}}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          asterisk={"outbound_host": "127.0.0.1",
                                    "outbound_port": OUTBOUND_PORT},
                          # the demo's 555 numbers may ring anywhere in North America
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


def _public(platform: Platform, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A request without any token, as the customer's own browser or program sends it."""
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


async def test_a_booked_callback_is_dialed_at_its_time(
        platform: Platform, phone: AgentPhone, tmp_path: Path) -> None:
    customer = Callee(tmp_path, OUTBOUND_PORT, OUTBOUND_MEDIA)
    await customer.start()
    number = "+15557770150"
    try:
        await set_state(platform, AGENT, "available")  # free all along: only the time waits
        async with EventWatcher(platform) as watcher:
            status, offered = await asyncio.to_thread(
                _public, platform, "GET", f"/api/v1/callbacks/slots?queue=support"
                                          f"&number=%2B{number[1:]}")
            assert status == 200, offered
            slot = offered["slots"][1]  # the second: at least ten seconds ahead
            status, booking = await asyncio.to_thread(
                _public, platform, "POST", "/api/v1/callbacks/bookings",
                {"queue": "support", "number": number, "start": slot["start"],
                 "name": "Grace"})
            assert status == 201, booking
            booked = await watcher.wait_for(lambda e: e["type"] == "callback.booked")
            assert booked["booking"] == booking["id"]
            listed = await asyncio.to_thread(_api, platform, "GET", "/api/v1/callbacks/bookings")
            assert [(b["id"], b["start"], b["state"]) for b in listed["bookings"]] == [
                (booking["id"], slot["start"], "booked")]
            dialed = await watcher.wait_for(lambda e: e["type"] == "call.dialed", timeout=40)
            start = dt.datetime.fromisoformat(slot["start"]).timestamp()
            assert dialed["origin"] == booking["id"] and dialed["queue"] == "support"
            assert dialed["time"] >= start  # at its time, not before
            answered = await phone.wait_for("CALL_ESTABLISHED")
            assert number in answered["peeruri"]  # the agent sees whom they call back
            await watcher.wait_for(lambda e: e["type"] == "callback.connected"
                                   and e["call_id"] == dialed["call_id"], timeout=20)
            await phone.command("/hangup")
            code, output = await customer.finished()
            assert code == 0, output[-2000:]
            ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                           and e["call_id"] == dialed["call_id"])
            assert ended["outcome"] == "answered"
    finally:
        await customer.stop()
    listed = await asyncio.to_thread(_api, platform, "GET", "/api/v1/callbacks/bookings")
    assert listed["bookings"][0]["state"] == "dialed"


async def test_a_number_on_the_do_not_call_list_is_told_when_it_books(
        platform: Platform) -> None:
    await asyncio.to_thread(_api, platform, "POST", "/api/v1/contacts", {
        "first_name": "Dee", "last_name": "Nocall", "do_not_call": True,
        "phones": [{"number": "+15550009997"}]})
    status, offered = await asyncio.to_thread(
        _public, platform, "GET", "/api/v1/callbacks/slots?queue=support")
    assert status == 200
    status, refused = await asyncio.to_thread(
        _public, platform, "POST", "/api/v1/callbacks/bookings",
        {"queue": "support", "number": "+15550009997",
         "start": offered["slots"][-1]["start"]})
    assert (status, refused["rule"], refused["field"]) == (409, "do_not_call", "number")


async def test_a_caller_books_the_first_slot_in_the_ivr(platform: Platform) -> None:
    """The demo's 9, 3: the first slot the support queue offers for the caller's number
    is booked, and nobody waits in line before it."""
    number = "+15557770151"
    async with EventWatcher(platform) as watcher:
        local, media = free_ports(2)
        result = await call(sip_port=platform.sip_port, number="5000", caller=number,
                            steps=[Step(1500, "9"), Step(1500, "3")], hold_ms=15000,
                            workdir=platform.state_dir, local_port=local, media_port=media)
        assert result.returncode == 0, result.output[-2000:]  # the platform hung up
        requested = await watcher.wait_for(lambda e: e["type"] == "callback.requested")
        assert requested["variables"]["callback_slot"] == "next"
        booked = await watcher.wait_for(lambda e: e["type"] == "callback.booked"
                                        and e["number"] == number)
        assert (booked["queue"], booked["source"]) == ("support", "ivr")
        ended = await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                       and e["call_id"] == requested["call_id"])
        assert ended["outcome"] == "callback_requested"
    listed = await asyncio.to_thread(_api, platform, "GET", "/api/v1/callbacks/bookings")
    assert booked["booking"] in [b["id"] for b in listed["bookings"]]
