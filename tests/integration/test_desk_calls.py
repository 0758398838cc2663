"""The agent desktop on a real call: a sipp caller through the IVR to a baresip agent.

The agent's own WebSocket gets the screen-pop within half a second of the offer, with the
caller's IVR path and digits and her CRM 360; the agent answers the script's questions
and disposes of the call with notes over the API, which ends their wrap-up; the CRM
interaction has the disposition, the notes and the answers.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, require_tool, until

pytestmark = pytest.mark.asterisk

ADA = "+15550001001"  # in the demo seed: a VIP with an account, cases and orders
AGENT = "agent101"
WRAP_UP = 60  # long: the disposition, not the timer, ends it
QUEUE = {"strategy": "longest_idle", "ring_timeout": 8, "wrap_up": WRAP_UP,
         "announce_on_join": False}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    require_tool("sipp")
    require_tool("baresip")
    tmp = tmp_path_factory.mktemp("desk")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "sales": {**QUEUE, "wrap_up_end": "paused",
                  "dispositions": [{"code": "sale", "label": "Sale"},
                                   {"code": "no_sale", "label": "No sale"}]},
        "support": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        AGENT: {"name": "Sam Seller", "skills": {"sales": 9},
                "queues": {"sales": 1, "support": 1, "operator": 1}}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          sections={"scripts": {"dir": str(ROOT / "config/scripts")}},
                          ) as running:
        yield running


def _api(platform: Platform, method: str, path: str, body: Any = None,
         token: str | None = None) -> Any:
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token or platform.token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


async def api(platform: Platform, method: str, path: str, body: Any = None,
              token: str | None = None) -> Any:
    return await asyncio.to_thread(_api, platform, method, path, body, token)


@pytest.fixture
async def phone(platform: Platform, tmp_path: Path) -> AsyncIterator[AgentPhone]:
    started = AgentPhone(tmp_path / AGENT, AGENT, f"demo-sip-{AGENT[-3:]}-pass",
                         platform.sip_port, auto_answer=True)
    await started.start()

    async def registered() -> bool:
        agents = (await api(platform, "GET", "/api/v1/agents"))["agents"]
        return bool(agents[AGENT]["registered"])

    try:
        await until(registered, seconds=10, what=f"{AGENT} never registered", every=0.1)
        yield started
    finally:
        try:
            await api(platform, "PUT", f"/api/v1/agents/{AGENT}/state", {"state": "logged_out"})
        finally:
            await started.stop()


async def test_a_caller_through_the_ivr_pops_on_the_agents_desktop_and_is_disposed(
        platform: Platform, phone: AgentPhone) -> None:
    agent_token = platform.login(AGENT, "demo-agent101-pass")
    await api(platform, "PUT", f"/api/v1/agents/{AGENT}/state", {"state": "available"},
              token=agent_token)
    local, media = free_ports(2)
    # the agent's own event stream, as their desktop reads it; and a supervisor's board
    mine = replace(platform, token=agent_token)
    async with EventWatcher(mine) as desk, EventWatcher(platform) as board:
        caller = asyncio.ensure_future(call(
            sip_port=platform.sip_port, number="5000", caller=ADA, steps=[Step(1500, "1")],
            hold_ms=6000, workdir=platform.state_dir, local_port=local, media_port=media))
        offered = await desk.wait_for(lambda e: e["type"] == "call.offered")
        pop = await desk.wait_for(lambda e: e["type"] == "screen.pop", timeout=5)
        call_id = offered["call_id"]
        assert pop["call_id"] == call_id and pop["agent"] == AGENT
        assert pop["time"] - offered["time"] < 0.5, pop["time"] - offered["time"]
        # the caller's way through the IVR, and who she is
        assert pop["ivr"]["path"][-2:] == ["main_menu", "sales"]
        assert {"node": "main_menu", "digits": "1"} in pop["ivr"]["digits"]
        assert pop["caller"] == ADA and pop["queue"] == "sales"
        assert pop["customer"]["contact"]["last_name"] == "Lovelace"
        assert pop["wait"] is not None and pop["wait"] < 5
        assert pop["script"]["step"] == "greeting" and "Sam Seller" in pop["script"]["text"]
        assert [d["code"] for d in pop["dispositions"]] == ["sale", "no_sale"]
        await desk.wait_for(lambda e: e["type"] == "call.answered")
        await phone.wait_for("CALL_ESTABLISHED")
        # the agent reads the greeting and asks what she needs
        script = f"/api/v1/calls/{call_id}/script"
        state = await api(platform, "POST", script,
                          {"action": "answer", "step": "greeting", "answer": None}, agent_token)
        assert state["view"]["step"] == "needs"
        state = await api(platform, "POST", script,
                          {"action": "answer", "step": "needs", "answer": "An upgrade"},
                          agent_token)
        assert state["answers"] == {"needs": "An upgrade"}
        # she hangs up; the agent wraps up until they dispose of the call
        assert (await caller).returncode == 0
        wrapping = await board.wait_for(lambda e: e["type"] == "agent.state"
                                        and e["agent"] == AGENT and e["state"] == "wrap_up")
        done = await api(platform, "POST", f"/api/v1/calls/{call_id}/disposition",
                         {"code": "sale", "notes": "Upgrade to the premium plan."},
                         agent_token)
        assert done["wrap_up_ended"] is True
        # only this agent's events reached their desktop
        assert all(AGENT in (e.get("agent"), e.get("endpoint")) for e in desk.events)
        paused = await board.wait_for(lambda e: e["type"] == "agent.state"
                                      and e["agent"] == AGENT
                                      and e["time"] > wrapping["time"])
        assert (paused["state"], paused["reason"]) == ("paused", "after_call")
    found: list[dict[str, Any]] = []

    async def disposed() -> bool:
        found[:] = (await api(platform, "GET", f"/api/v1/interactions?call_id={call_id}"))["items"]
        return bool(found) and found[0]["disposition"] is not None

    await until(disposed, seconds=10, what=f"{call_id}: no disposition in the CRM", every=0.2)
    interaction = found[0]
    assert (interaction["disposition"], interaction["notes"]) == (
        "sale", "Upgrade to the premium plan.")
    assert interaction["answers"] == {"needs": "An upgrade"}
    assert interaction["agent"] == AGENT and interaction["contact_id"] is not None
    assert interaction["wrap_seconds"] is not None and interaction["wrap_seconds"] < WRAP_UP
