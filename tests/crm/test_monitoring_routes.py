"""``POST /api/v1/calls/{call_id}/monitor`` over the real app and CRM database: a
supervisor rings only their own phone, a bad body is a 4xx, and each session is kept
with the call's record and in the audit log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.engine.monitoring import Monitors
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.monitor_routes import MONITOR_AUDIT, add_monitor_routes
from crm_core.db import sessions
from crm_core.models import User
from crm_core.users import load_users
from tests.crm.api_client import password_hash
from tests.support import until
from tests.unit.test_distribution import Caller
from tests.unit.test_engine import Wire

CONFIG = parse_acd({"queues": {"support": {"strategy": "longest_idle", "wrap_up": 0}}},
                   {"agents": {"agent101": {"queues": {"support": 1}},
                               "agent102": {"queues": {"support": 1}}}})
#: username -> (role, the phone linked to the user)
USERS = {"sue": ("supervisor", "supervisor1"), "root": ("admin", None),
         "ann": ("admin", "admin1"), "agent101": ("agent", "agent101")}


@dataclass
class Room:
    """A live call c1 between a caller and agent101; every phone is registered."""

    client: TestClient
    platform: Engine
    monitors: Monitors
    wire: Wire
    tokens: dict[str, str]

    async def monitor(self, username: str, body: Any,
                      call_id: str = "c1") -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        async with self.client.post(f"/api/v1/calls/{call_id}/monitor", json=body,
                                    headers=headers) as response:
            return response.status, await response.json()

    async def rings(self) -> list[dc.RingAgent]:
        await self.monitors.drained()
        return [ring for ring in self.wire.of(dc.RingAgent) if ring.purpose == "monitor"]


@pytest.fixture
async def room(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Room]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=phone, active=True,
                             password_hash=password_hash())
                        for name, (role, phone) in USERS.items())
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    platform = Engine(flows={}, numbers={}, directory=Directory([]), bus=EventBus(),
                      journal=journal)
    wire = Wire()
    platform.send = wire.send
    distributor = platform.attach_acd(Acd(CONFIG, now=platform.clock()))
    monitors = platform.attach_monitors()
    tasks = [asyncio.ensure_future(distributor.run()), asyncio.ensure_future(monitors.run())]
    for phone in ("agent101", "agent102", "supervisor1", "admin1"):
        distributor.registration(phone, True)
    distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    distributor.join("c1", Caller(), queue="support", priority=0, skill=None, caller="+1555",
                     variables={})
    await until(lambda: wire.of(dc.RingAgent))
    distributor.agent_answered(de.AgentAnswered(call_id="c1",
                                                leg_id=wire.of(dc.RingAgent)[0].leg_id))
    await until(lambda: distributor.talking_leg("c1") is not None)
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    app = create_app(bus=platform.bus, journal=journal, auth=auth, health_check=dict,
                     database=crm, distributor=distributor)
    add_monitor_routes(app, monitors)
    client = TestClient(TestServer(app))
    await client.start_server()
    tokens = {name: auth.issue(Principal(name, role, phone), time.time())
              for name, (role, phone) in USERS.items()}
    try:
        yield Room(client, platform, monitors, wire, tokens)
    finally:
        await client.close()
        for task in tasks:
            task.cancel()
        journal.close()


async def test_a_supervisor_cannot_send_a_call_to_another_phone(room: Room) -> None:
    status, body = await room.monitor("sue", {"mode": "listen", "endpoint": "agent102"})
    assert status == 403
    assert "agent102 is not your phone" in body["error"] and "supervisor1" in body["error"]
    assert await room.rings() == []  # nothing rang
    assert room.monitors.sessions == {}


async def test_their_own_phone_rings_the_desk_one_or_the_browser_one(room: Room) -> None:
    status, body = await room.monitor("sue", {"mode": "listen"})
    assert status == 202 and body["endpoint"] == "supervisor1"
    status, _ = await room.monitor("sue", {"mode": "whisper", "endpoint": "supervisor1-web"})
    assert status == 409  # their browser phone is theirs, but not registered here
    status, _ = await room.monitor("sue", {"mode": "barge", "endpoint": "supervisor1"})
    assert status == 202
    assert [ring.endpoint for ring in await room.rings()] == ["supervisor1", "supervisor1"]


async def test_an_admin_rings_only_their_own_phone_too(room: Room) -> None:
    status, body = await room.monitor("root", {"mode": "listen", "endpoint": "supervisor1"})
    assert status == 409 and "no phone" in body["error"]
    status, body = await room.monitor("root", {"mode": "listen"})
    assert status == 409 and "no phone" in body["error"]
    status, body = await room.monitor("ann", {"mode": "listen", "endpoint": "supervisor1"})
    assert status == 403 and "not your phone" in body["error"]
    assert await room.rings() == []
    assert (await room.monitor("ann", {"mode": "listen"}))[0] == 202


@pytest.mark.parametrize("body", [{"mode": {"a": 1}}, {"mode": ["listen"]}, {"mode": 1},
                                  {"mode": "listen", "endpoint": {"a": 1}},
                                  {"mode": "listen", "endpoint": ""}])
async def test_a_body_of_the_wrong_shape_is_a_422_that_names_the_field(
        room: Room, body: dict[str, Any]) -> None:
    status, answer = await room.monitor("sue", body)
    assert status == 422, answer
    assert answer["field"] in body
    assert await room.rings() == []


async def test_each_session_is_kept_with_the_call_and_in_the_audit_log(room: Room) -> None:
    status, body = await room.monitor("sue", {"mode": "whisper"})
    assert status == 202
    monitor_id = body["monitor_id"]
    (ring,) = await room.rings()
    room.platform.on_driver_event(de.MonitorAnswered(monitor_id=monitor_id, leg_id=ring.leg_id))
    room.platform.on_driver_event(de.CallEnded(call_id=ring.leg_id, cause="normal"))
    events = [event for event in room.platform.journal.records["c1"].all_events()
              if event["type"].startswith("call.monitor")]
    assert [event["type"] for event in events] == ["call.monitor", "call.monitor.started",
                                                   "call.monitor.ended"]
    for event in events:
        assert (event["call_id"], event["monitor_id"], event["supervisor"], event["mode"],
                event["endpoint"], event["monitored_agent"]) == (
                    "c1", monitor_id, "sue", "whisper", "supervisor1", "agent101")
    assert events[2]["started"] == events[1]["time"]

    async def entries() -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {room.tokens['root']}"}
        async with room.client.get("/api/v1/audit?entity=monitoring&sort=id",
                                   headers=headers) as response:
            return list((await response.json())["items"])

    await room.client.app[MONITOR_AUDIT].drained()
    opened, closed = await entries()
    assert (opened["username"], opened["action"]) == ("sue", "create")
    assert {field: change["after"] for field, change in opened["changes"].items()} == {
        "monitor_id": monitor_id, "call_id": "c1", "agent": "agent101", "mode": "whisper",
        "endpoint": "supervisor1", "phone": "supervisor1"}
    assert (closed["username"], closed["action"]) == ("sue", "update")
    assert closed["changes"]["monitor_id"]["after"] == monitor_id
    assert closed["changes"]["started_at"]["after"] is not None
    assert closed["changes"]["ended_at"]["after"] is not None


async def test_a_refused_request_leaves_no_session_anywhere(room: Room) -> None:
    assert (await room.monitor("sue", {"mode": "listen", "endpoint": "agent102"}))[0] == 403
    assert not [event for event in room.platform.journal.records["c1"].all_events()
                if event["type"].startswith("call.monitor")]

