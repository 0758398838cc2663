"""The web-call grant (``POST /api/v1/web-calls``) on the real platform and Asterisk: which
sites may ask (CORS, 403 for the others), which targets, how many per address (429),
and a grant's endpoint in Asterisk until its deadline, then gone. Each test asks from a
loopback address of its own (127.0.0.x), so that the per-address limit is its own."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from itertools import count
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import read_credentials
from tests.browser.conftest import bundle  # noqa: F401 (a fixture: make softphone)
from tests.integration.platform import ROOT, Platform, running_platform
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

SHOP = "https://shop.example.com"
_ADDRESSES = count(10)
GRANT_SECONDS = 10
WEB_CALLS = {"targets": {"support": {"queue": "support"}, "menu": {"flow": "main"}},
             "allowed_origins": [SHOP], "grant_seconds": GRANT_SECONDS,
             "grants_per_address": 3, "window_seconds": 600}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("web-call-grants"),
                          {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(ROOT / "config/queues.yaml"),
                               "agents": str(ROOT / "config/agents.yaml"),
                               "voicemail": str(ROOT / "config/voicemail.yaml")},
                          sections={"web_calls": WEB_CALLS}) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    """A client from a loopback address of its own (127.0.0.10 and on)."""
    address = f"127.0.0.{next(_ADDRESSES)}"
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def _ask(client: aiohttp.ClientSession, platform: Platform, body: Any,
               origin: str | None = None, method: str = "POST"
               ) -> tuple[int, dict[str, str], Any]:
    headers = {"Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = origin
    async with client.request(method, f"{platform.base_url}/api/v1/web-calls",
                              data=json.dumps(body) if method == "POST" else None,
                              headers=headers) as response:
        text = await response.text()
        return response.status, dict(response.headers), json.loads(text) if text else None


async def test_a_listed_site_gets_a_grant_its_page_may_read(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    status, headers, _ = await _ask(client, platform, None, SHOP, method="OPTIONS")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == SHOP
    assert headers["Access-Control-Allow-Methods"] == "POST"
    status, headers, grant = await _ask(client, platform, {
        "target": "support", "page": f"{SHOP}/pricing"}, SHOP)
    assert status == 201, grant
    assert headers["Access-Control-Allow-Origin"] == SHOP
    assert headers["Cache-Control"] == "no-store"
    assert grant["username"].startswith("webcall-") and len(grant["password"]) >= 20
    assert grant["call"].startswith("sip:web-support@")
    assert grant["ws_url"] == f"ws://127.0.0.1:{platform.ari_port}/ws"
    assert grant["expires_in"] == GRANT_SECONDS
    assert "known" not in grant and "contact" not in grant  # who has an e-mail: never said


async def test_the_platforms_own_pages_need_no_listing(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    status, headers, grant = await _ask(client, platform, {"target": "menu"},
                                        platform.base_url)
    assert status == 201, grant
    assert "Access-Control-Allow-Origin" not in headers
    assert grant["call"].startswith("sip:web-menu@")


async def test_a_site_not_listed_is_refused(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    for method in ("OPTIONS", "POST"):
        status, headers, body = await _ask(client, platform, {"target": "support"},
                                           "https://evil.example.net", method=method)
        assert status == 403, body
        assert body["field"] == "Origin"
        assert "Access-Control-Allow-Origin" not in headers
    status, _, body = await _ask(client, platform, {"target": "support"}, "null")
    assert status == 403, body  # a sandboxed frame or a file: no site at all


async def test_only_the_settings_targets_and_fields(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    cases = [({"target": "5000"}, "target"), ({"target": "agent101"}, "target"),
             ({}, "target"), ({"target": 5}, "target"), ({"target": "x" * 30}, "target"),
             ({"target": "support", "email": "not an address"}, "email"),
             ({"target": "support", "page": "p" * 501}, "page"),
             ({"target": "support", "number": "5000"}, "number")]
    for body, field in cases:
        status, _, answer = await _ask(client, platform, body)
        assert status == 422, (body, answer)
        assert answer["field"] == field, (body, answer)


async def test_too_many_grants_from_one_address_get_429(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    for _ in range(WEB_CALLS["grants_per_address"]):
        status, _, body = await _ask(client, platform, {"target": "support"})
        assert status == 201, body
    status, _, body = await _ask(client, platform, {"target": "support"})
    assert status == 429, body
    # another address is not held to this one's count
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.251", 0))
    async with aiohttp.ClientSession(connector=connector) as other:
        status, _, body = await _ask(other, platform, {"target": "support"})
    assert status == 201, body


async def _endpoint_in_asterisk(platform: Platform, name: str) -> bool:
    settings = load_settings(platform.config, environ=platform.environment())
    credentials = read_credentials(settings)
    token = base64.b64encode(f"{credentials.ari_user}:{credentials.ari_password}".encode())
    headers = {"Authorization": f"Basic {token.decode()}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(
            f"{credentials.ari_url}/ari/asterisk/config/dynamic/res_pjsip/endpoint/{name}"
    ) as response:
        assert response.status in (200, 404), await response.text()
        return response.status == 200


async def test_an_unused_grant_is_taken_back_from_asterisk_at_its_deadline(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    status, _, grant = await _ask(client, platform, {"target": "support"})
    assert status == 201, grant
    assert await _endpoint_in_asterisk(platform, grant["username"])

    async def gone() -> bool:
        return not await _endpoint_in_asterisk(platform, grant["username"])

    await until(gone, seconds=GRANT_SECONDS + 10, every=0.5,
                what="the expired grant's endpoint is still in Asterisk")


@pytest.mark.usefixtures("bundle")
async def test_the_embeddable_script_is_served(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    async with client.get(f"{platform.base_url}/embed/talk.js") as response:
        assert response.status == 200
        assert response.content_type == "text/javascript"
        assert "ccWebCall" in await response.text()
