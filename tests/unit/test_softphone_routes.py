"""GET /api/v1/agents/{agent}/softphone: a browser phone's SIP account for its own agent or
an admin only, never cached; the desktop page may open that WebSocket (its CSP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.settings import AgentSettings, AsteriskSettings, Settings, UserSettings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, configured_users, load_secret
from contactcenter.web.softphone_routes import Softphones, add_softphone_routes
from crm_core.users import UserRecord

AGENTS = [AgentSettings(id="agent101", name="Ada Agent", sip_password="sip-101-secret"),
          AgentSettings(id="agent102", name="Bob Agent", sip_password="sip-102-secret"),
          AgentSettings(id="supervisor1", name="Sue", sip_password="sip-sup-secret")]
USERS = [UserSettings(username="admin", password="admin-password", role="admin"),
         UserSettings(username="sue", password="sue-password", role="supervisor",
                      agent="supervisor1"),
         UserSettings(username="agent101", password="agent-password", role="agent",
                      agent="agent101"),
         UserSettings(username="sales", password="sales-password", role="sales")]
PASSWORDS = {user.username: user.password for user in USERS}


@cache
def users() -> tuple[UserRecord, ...]:
    """Hashed once: each hash costs on purpose."""
    return tuple(configured_users(USERS))


async def start(tmp_path: Path, asterisk: AsteriskSettings) -> TestClient:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator(users(), load_secret(tmp_path)),
                     health_check=dict)
    settings = Settings(state_dir=tmp_path, asterisk=asterisk, agents=AGENTS)
    add_softphone_routes(app, Softphones.from_settings(settings))
    app.on_cleanup.append(lambda _app: _close(journal))
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def _close(journal: CallJournal) -> None:
    journal.close()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    started = await start(tmp_path, AsteriskSettings(ari_port=18088))
    yield started
    await started.close()


async def get(client: TestClient, user: str | None, path: str) -> tuple[int, dict[str, str],
                                                                       dict[str, object]]:
    headers = {}
    if user is not None:
        response = await client.post("/api/v1/auth/token",
                                     json={"username": user, "password": PASSWORDS[user]})
        headers["Authorization"] = f"Bearer {(await response.json())['token']}"
    response = await client.get(path, headers=headers)
    body = await response.json() if response.content_type == "application/json" else {}
    return response.status, dict(response.headers), body


async def test_an_agent_gets_their_own_phone_account_and_it_is_not_cached(
        client: TestClient) -> None:
    status, headers, body = await get(client, "agent101", "/api/v1/agents/agent101/softphone")
    assert status == 200
    assert body == {"ws_url": "ws://127.0.0.1:18088/ws", "uri": "sip:agent101-web@127.0.0.1",
                    "username": "agent101-web", "password": "sip-101-secret",
                    "display_name": "Ada Agent"}
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("user, agent, status", [
    ("agent101", "agent102", 403),  # another agent's
    ("sue", "supervisor1", 200),  # a supervisor's own phone
    ("sue", "agent101", 403),  # ...and no agent's
    ("admin", "agent102", 200),
    ("admin", "agent999", 404),
    ("sales", "agent101", 403),  # the permission table: no phone for sales
    (None, "agent101", 401),
])
async def test_only_the_agent_or_an_admin_gets_the_account(
        client: TestClient, user: str | None, agent: str, status: int) -> None:
    got, _, body = await get(client, user, f"/api/v1/agents/{agent}/softphone")
    assert got == status, body
    assert (got == 200) == ("password" in body)


async def test_the_desktop_may_open_the_phones_websocket(client: TestClient) -> None:
    status, headers, _ = await get(client, "agent101", "/agent")
    assert status == 200
    policy = headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://127.0.0.1:18088;" in policy
    assert "script-src 'self';" in policy  # nothing else loosened


async def test_the_document_describes_the_route(client: TestClient) -> None:
    _, _, document = await get(client, None, "/api/v1/openapi.json")
    operation = document["paths"]["/api/v1/agents/{agent}/softphone"]["get"]  # type: ignore[index]
    assert set(operation["responses"]) >= {"200", "403", "404"}


async def test_a_configured_url_wins_and_an_any_address_becomes_the_pages_host(
        tmp_path: Path) -> None:
    configured = await start(tmp_path / "a", AsteriskSettings(
        webrtc_url="wss://pbx.example.com/ws"))
    try:
        _, _, body = await get(configured, "admin", "/api/v1/agents/agent101/softphone")
        assert body["ws_url"] == "wss://pbx.example.com/ws"
        assert body["uri"] == "sip:agent101-web@pbx.example.com"
    finally:
        await configured.close()
    anywhere = await start(tmp_path / "b", AsteriskSettings(host="0.0.0.0", ari_port=18088))
    try:
        _, _, body = await get(anywhere, "admin", "/api/v1/agents/agent101/softphone")
        assert body["ws_url"] == "ws://127.0.0.1:18088/ws"  # the test client's host
    finally:
        await anywhere.close()
