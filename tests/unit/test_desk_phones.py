"""The agent desktop offers a browser phone for each engine that rings agents in the
browser, and its Content-Security-Policy lets the page reach exactly those: Asterisk alone,
the SIP phone and Asterisk's WebSocket only (as before); Twilio alone, the Twilio phone and
Twilio's signalling, Insights and sounds; both, both phones. The real wiring of ``serve``
with Asterisk beside a ``twilio`` section gives the page both phones; with ``driver:
twilio`` alone, the Twilio phone only and no SIP WebSocket in its policy."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.settings import AsteriskSettings, Settings, load_settings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.assembled import assembled
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, configured_users, load_secret
from contactcenter.web.pages.phones import with_sources
from contactcenter.web.softphone_routes import Softphones, add_softphone_routes
from contactcenter.web.twilio_token_routes import TwilioPhones, add_twilio_token_routes
from tests.unit.test_softphone_routes import AGENTS, PASSWORDS, USERS, users
from tests.unit.test_twilio_token import WITH_KEY
from tests.unit.twilio_desk import asterisk_not_started, demo_with_api_key
from tests.unit.twilio_fake_api import fake_twilio

PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>')


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


async def _desktop(client: TestClient[Any, Any], user: str = "agent101",
                   password: str | None = None) -> tuple[list[str], dict[str, list[str]]]:
    """The phones the desktop's data lists, and its CSP, as ``user`` sees the page."""
    signed = await client.post("/api/v1/auth/token", json={
        "username": user, "password": password or PASSWORDS[user]})
    token = (await signed.json())["token"]
    page = await client.get("/agent", headers={"Authorization": f"Bearer {token}"})
    assert page.status == 200
    data = json.loads(PAGE_DATA.search(await page.text()).group(1))  # type: ignore[union-attr]
    return data["phones"], directives(page.headers["Content-Security-Policy"])


@pytest.fixture
async def app_with(tmp_path: Path) -> AsyncIterator[Any]:
    clients: list[TestClient[Any, Any]] = []
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()

    async def start(sip: bool, twilio: bool) -> TestClient[Any, Any]:
        app = create_app(bus=EventBus(), journal=journal,
                         auth=Authenticator(users(), load_secret(tmp_path)), health_check=dict)
        if sip:
            settings = Settings(state_dir=tmp_path, agents=AGENTS,
                                asterisk=AsteriskSettings(ari_port=18088))
            add_softphone_routes(app, Softphones.from_settings(settings))
        if twilio:
            add_twilio_token_routes(app, TwilioPhones(WITH_KEY, agents=["agent101"]))
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
    journal.close()


@pytest.mark.parametrize(("sip", "twilio", "phones"), [
    (True, False, ["sip"]), (False, True, ["twilio"]), (True, True, ["sip", "twilio"])])
async def test_the_desktop_offers_a_phone_per_engine_and_may_reach_only_those(
        app_with: Any, sip: bool, twilio: bool, phones: list[str]) -> None:
    offered, policy = await _desktop(await app_with(sip, twilio))
    assert offered == phones
    connect = policy["connect-src"]
    assert connect[0] == "'self'"
    assert ("ws://127.0.0.1:18088" in connect) == sip  # Asterisk's SIP WebSocket
    assert ("wss://*.twilio.com" in connect) == twilio  # the SDK's signalling
    assert ("https://*.twilio.com" in connect) == twilio  # Insights (eventgw), sounds
    if twilio:
        assert policy["media-src"] == ["'self'", "mediastream:", "https://sdk.twilio.com",
                                       "https://media.twiliocdn.com"]
    else:
        assert "media-src" not in policy  # default-src 'self', as before
    assert policy["script-src"] == ["'self'"]  # the SDK is our own bundle: no CDN script
    assert policy["default-src"] == ["'self'"]


def test_sources_join_their_directive_once_or_make_it() -> None:
    policy = "default-src 'self'; connect-src 'self' ws://pbx:8088; frame-ancestors 'none'"
    joined = with_sources(policy, "connect-src", ["wss://*.twilio.com", "ws://pbx:8088"])
    assert joined == ("default-src 'self'; connect-src 'self' ws://pbx:8088 "
                      "wss://*.twilio.com; frame-ancestors 'none'")
    assert with_sources(joined, "media-src", ["'self'", "mediastream:"]).endswith(
        "; media-src 'self' mediastream:")


async def test_serve_with_asterisk_beside_twilio_offers_both_phones(tmp_path: Path) -> None:
    async with fake_twilio() as (_fake, api_base):
        path = demo_with_api_key(tmp_path, api_base)
        settings = load_settings(path, environ={"CC_DRIVER": "asterisk"})
        asterisk_not_started(settings)
        async with assembled(settings, configured_users(USERS)) as platform:
            assert platform.router.engines == ("asterisk", "twilio")
            phones, policy = await _desktop_of(platform.app)  # no driver started: not needed
    assert phones == ["sip", "twilio"]
    assert "wss://*.twilio.com" in policy["connect-src"]
    assert any(source.startswith("ws://") for source in policy["connect-src"])


async def test_serve_on_twilio_alone_offers_the_twilio_phone_and_no_sip_websocket(
        tmp_path: Path) -> None:
    async with fake_twilio() as (_fake, api_base):
        settings = load_settings(demo_with_api_key(tmp_path, api_base),
                                 environ={"CC_DRIVER": "twilio"})
        async with assembled(settings, configured_users(USERS)) as platform:
            assert platform.router.engines == ("twilio",)
            phones, policy = await _desktop_of(platform.app)
    assert phones == ["twilio"]
    assert "wss://*.twilio.com" in policy["connect-src"]
    assert not any(source.startswith(("ws://", "wss://127.")) for source in policy["connect-src"])


async def _desktop_of(app: web.Application) -> tuple[list[str], dict[str, list[str]]]:
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        return await _desktop(client)
    finally:
        await client.close()
