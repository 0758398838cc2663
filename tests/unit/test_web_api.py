"""The REST API and the events WebSocket, on a real aiohttp server (no Asterisk)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.settings import UserSettings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret

USERS = [
    UserSettings(username="admin", password="admin-password", role="admin"),
    UserSettings(username="agent101", password="agent-password", role="agent", agent="agent101"),
]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[TestClient, EventBus, CallJournal]]:
    bus = EventBus()
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(
        bus=bus,
        journal=journal,
        auth=Authenticator.from_config(USERS, load_secret(tmp_path)),
        health_check=lambda: {"asterisk": {"ari": True, "ami": True}},
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, bus, journal
    await client.close()
    journal.close()


async def token(client: TestClient, username: str, password: str) -> str:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status == 200
    return str((await response.json())["token"])


async def test_token_for_the_right_password_only(api) -> None:
    client, _, _ = api
    assert await token(client, "admin", "admin-password")
    wrong = await client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "nope-nope"}
    )
    assert wrong.status == 401
    assert (await wrong.json())["error"] == "wrong username or password"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "body must be JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"username": "admin"}', "password: required string"),
        (b'{"username": 5, "password": "x"}', "username: required string"),
    ],
)
async def test_bad_token_requests_get_400_with_the_reason(api, body: bytes, reason: str) -> None:
    client, _, _ = api
    response = await client.post(
        "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"] == reason


async def test_calls_need_a_valid_token_and_a_supervising_role(api) -> None:
    client, _, _ = api
    assert (await client.get("/api/v1/calls")).status == 401
    forged = await client.get("/api/v1/calls", headers={"Authorization": "Bearer abc.def"})
    assert forged.status == 401
    agent = await token(client, "agent101", "agent-password")
    refused = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {agent}"})
    assert refused.status == 403
    admin = await token(client, "admin", "admin-password")
    allowed = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {admin}"})
    assert allowed.status == 200 and (await allowed.json()) == {"calls": []}


async def test_a_call_record_keeps_its_events(api) -> None:
    client, _, journal = api
    now = time.time()
    journal.append(
        {
            "type": "call.arrived",
            "call_id": "c1",
            "time": now,
            "caller": "+15550001001",
            "dialed": "5000",
        }
    )
    journal.append({"type": "ivr.step", "call_id": "c1", "time": now, "node": "main"})
    admin = await token(client, "admin", "admin-password")
    headers = {"Authorization": f"Bearer {admin}"}
    live = await (await client.get("/api/v1/calls", headers=headers)).json()
    assert [call["call_id"] for call in live["calls"]] == ["c1"]
    record = await (await client.get("/api/v1/calls/c1", headers=headers)).json()
    assert record["ivr_path"] == ["main"]
    assert [event["type"] for event in record["events"]] == ["call.arrived", "ivr.step"]
    missing = await client.get("/api/v1/calls/nope", headers=headers)
    assert missing.status == 404


async def test_event_stream_filters_by_role_and_type(api) -> None:
    client, bus, _ = api
    admin = await token(client, "admin", "admin-password")
    agent = await token(client, "agent101", "agent-password")
    ticket = await client.post("/api/v1/events/ticket",
                               headers={"Authorization": f"Bearer {admin}"})
    admin_ws = await client.ws_connect(
        f"/api/v1/events?ticket={(await ticket.json())['ticket']}&types=call.*")
    agent_ws = await client.ws_connect(
        "/api/v1/events", headers={"Authorization": f"Bearer {agent}"}
    )
    assert (await admin_ws.receive_json())["type"] == "hello"
    assert (await agent_ws.receive_json())["role"] == "agent"
    bus.publish({"type": "ivr.step", "call_id": "c1", "node": "main"})
    bus.publish({"type": "call.arrived", "call_id": "c1"})
    bus.publish({"type": "endpoint.state", "endpoint": "agent102", "state": "inuse"})
    bus.publish({"type": "endpoint.state", "endpoint": "agent101", "state": "inuse"})
    assert (await admin_ws.receive_json(timeout=2))["type"] == "call.arrived"
    mine = await agent_ws.receive_json(timeout=2)
    assert mine == {"type": "endpoint.state", "endpoint": "agent101", "state": "inuse"}
    with pytest.raises(asyncio.TimeoutError):
        await admin_ws.receive_json(timeout=0.2)
    await admin_ws.close()
    await agent_ws.close()


async def test_event_stream_refuses_without_a_token(api) -> None:
    client, _, _ = api
    response = await client.get("/api/v1/events")
    assert response.status == 401


async def test_openapi_lists_the_routes(api) -> None:
    client, _, _ = api
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token",
        "/api/v1/calls",
        "/api/v1/calls/{call_id}",
        "/api/v1/events",
        "/api/v1/health",
    ):
        assert path in document["paths"]


async def test_the_events_command_prints_each_event_as_a_json_line(
        api, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from contactcenter.commands.watch import watch
    from contactcenter.config.settings import Settings

    client, bus, _ = api
    settings = Settings(http_host="127.0.0.1", http_port=client.server.port)
    task = asyncio.ensure_future(watch(settings, "admin", "admin-password", "call.*"))
    while not bus._subscribers:
        await asyncio.sleep(0.01)
    bus.publish({"type": "ivr.step", "call_id": "c1"})
    bus.publish({"type": "call.arrived", "call_id": "c1"})
    printed = ""
    for _ in range(200):
        printed += capsys.readouterr().out
        if "call.arrived" in printed:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    lines = [json.loads(line) for line in printed.splitlines()]
    assert {"type": "call.arrived", "call_id": "c1"} in lines
    assert all(line["type"] != "ivr.step" for line in lines)


async def test_the_events_command_says_why_it_cannot_sign_in(
        api, capsys: pytest.CaptureFixture[str]) -> None:
    from contactcenter.commands.watch import watch
    from contactcenter.config.settings import Settings

    client, _, _ = api
    settings = Settings(http_host="127.0.0.1", http_port=client.server.port)
    assert await watch(settings, "admin", "wrong-password", "") == 1
    assert "wrong username or password" in capsys.readouterr().err


async def test_odd_tokens_and_oversized_passwords_get_4xx_not_500(api) -> None:
    client, _, _ = api
    odd = await client.get("/api/v1/calls", headers={"Authorization": "Bearer a.\u00e9"})
    assert odd.status == 401
    huge = await client.post("/api/v1/auth/token",
                             json={"username": "admin", "password": "x" * 5000})
    assert huge.status == 400 and "password" in (await huge.json())["error"]


async def test_a_token_carries_the_role_the_config_gives_now(tmp_path: Path) -> None:
    secret = load_secret(tmp_path)
    before = Authenticator.from_config(USERS, secret)
    principal = before.check_password("admin", "admin-password")
    assert principal is not None
    token = before.issue(principal, time.time())
    demoted = [UserSettings(username="admin", password="admin-password", role="agent"),
               USERS[1]]
    after = Authenticator.from_config(demoted, secret)
    assert after.verify(token, time.time()).role == "agent"
    assert Authenticator.from_config(USERS[1:], secret).verify(token, time.time()) is None
