"""GET /api/v1/customers/lookup on a real aiohttp server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.config.settings import UserSettings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.seed import seed_demo

USERS = [
    UserSettings(username="agent101", password="agent-password", role="agent", agent="agent101"),
]


@pytest.fixture
async def client(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[TestClient]:
    await seed_demo(sessions(engine), customers=0)
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator.from_config(USERS, load_secret(tmp_path)),
                     health_check=dict, customers=CustomerService(sessions(engine)))
    test_client = TestClient(TestServer(app))
    await test_client.start_server()
    response = await test_client.post("/api/v1/auth/token", json={
        "username": "agent101", "password": "agent-password"})
    test_client.session.headers["Authorization"] = f"Bearer {(await response.json())['token']}"
    yield test_client
    await test_client.close()
    journal.close()


async def test_the_screen_pop_finds_the_caller(client: TestClient) -> None:
    response = await client.get("/api/v1/customers/lookup", params={"phone": "15550001001"})
    assert response.status == 200
    body = await response.json()
    assert body["phone"] == "+15550001001"
    assert (body["contact"]["first_name"], body["contact"]["vip"]) == ("Ada", True)
    assert body["account"]["name"] == "Lovelace Analytical Engines"
    # the screen-pop's whole story: her last call, her open case and deal, her orders
    assert body["recent_interactions"][0]["call_id"] == f"demo-{body['contact']['id']}"
    assert body["open_cases"] and body["open_opportunities"] and body["last_orders"]


@pytest.mark.parametrize("phone, status, reason", [
    ("", 400, "phone: required query parameter"),
    ("not-a-number", 400, "phone: 'not-a-number' is not a phone number"),
    ("+15550004444", 404, "no customer with this phone number"),
])
async def test_bad_or_unknown_numbers_get_a_4xx_with_the_reason(
        client: TestClient, phone: str, status: int, reason: str) -> None:
    response = await client.get("/api/v1/customers/lookup", params={"phone": phone})
    assert response.status == status
    assert (await response.json())["error"] == reason


async def test_the_lookup_needs_a_token(client: TestClient) -> None:
    response = await client.get("/api/v1/customers/lookup", params={"phone": "15550001001"},
                                headers={"Authorization": "Bearer nope"})
    assert response.status == 401
