"""Web calls on the real platform and Asterisk, where a review found them wanting: a
listed site's page can read why it got no grant (CORS on the 4xx too), and the
endpoints of grants an earlier run of the app gave are swept from Asterisk's memory
when the app starts again after a crash, instead of piling up until Asterisk restarts."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import read_credentials
from tests.integration.platform import ROOT, Platform, running_platform
from tests.integration.test_web_call_grants import _endpoint_in_asterisk
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

SHOP = "https://shop.example.com"
#: the platform's own public address behind a TLS proxy (the top-level allowed_origins)
PUBLIC = "https://cc.example.com"
WEB_CALLS = {"targets": {"support": {"queue": "support"}}, "allowed_origins": [SHOP],
             "grant_seconds": 900, "grants_per_address": 2, "window_seconds": 600}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("web-call-review"),
                          {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          sections={"web_calls": WEB_CALLS,
                                    "allowed_origins": [PUBLIC]}) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.201", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def _ask(client: aiohttp.ClientSession, platform: Platform, body: Any,
               origin: str = SHOP) -> tuple[int, dict[str, str], Any]:
    async with client.post(f"{platform.base_url}/api/v1/web-calls", data=json.dumps(body),
                           headers={"Content-Type": "application/json", "Origin": origin}
                           ) as response:
        return response.status, dict(response.headers), await response.json()


async def test_a_listed_sites_page_may_read_why_it_got_no_grant(
        client: aiohttp.ClientSession, platform: Platform) -> None:
    status, headers, body = await _ask(client, platform, {"target": "nowhere"})
    assert (status, body["field"]) == (422, "target")
    assert headers["Access-Control-Allow-Origin"] == SHOP
    for _ in range(WEB_CALLS["grants_per_address"]):
        status, _, body = await _ask(client, platform, {"target": "support"})
        assert status == 201, body
    status, headers, body = await _ask(client, platform, {"target": "support"})
    assert status == 429, body
    assert headers["Access-Control-Allow-Origin"] == SHOP
    assert headers["Cache-Control"] == "no-store"


async def test_an_earlier_runs_grants_are_swept_from_asterisk_at_start(
        platform: Platform) -> None:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.202", 0))
    async with aiohttp.ClientSession(connector=connector) as other:
        status, _, grant = await _ask(other, platform, {"target": "support"})
    assert status == 201, grant
    assert await _endpoint_in_asterisk(platform, grant["username"])
    platform.crash()  # the grant is lost with the app's memory; its endpoint is not
    platform.start()

    async def gone() -> bool:
        return not await _endpoint_in_asterisk(platform, grant["username"])

    await until(gone, seconds=30, every=0.5,
                what="the lost grant's endpoint is still in Asterisk after the restart")


async def test_a_grants_endpoint_in_asterisk_may_neither_transfer_nor_subscribe(
        platform: Platform) -> None:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.203", 0))
    async with aiohttp.ClientSession(connector=connector) as other:
        status, _, grant = await _ask(other, platform, {"target": "support"})
    assert status == 201, grant
    fields = await _endpoint_fields(platform, grant["username"])
    assert fields["allow_transfer"] in ("false", "no"), fields
    assert fields["allow_subscribe"] in ("false", "no"), fields
    assert fields["context"] == "web-support"


async def _endpoint_fields(platform: Platform, name: str) -> dict[str, str]:
    settings = load_settings(platform.config, environ=platform.environment())
    credentials = read_credentials(settings)
    token = base64.b64encode(f"{credentials.ari_user}:{credentials.ari_password}".encode())
    headers = {"Authorization": f"Basic {token.decode()}"}
    async with aiohttp.ClientSession(headers=headers) as session, session.get(
            f"{credentials.ari_url}/ari/asterisk/config/dynamic/res_pjsip/endpoint/{name}"
    ) as response:
        assert response.status == 200, await response.text()
        return {item["attribute"]: item["value"] for item in await response.json()}


async def test_the_platforms_own_pages_behind_a_proxy_need_no_listing(
        platform: Platform) -> None:
    """Behind a TLS proxy the help page's origin is the proxy's public one, not the one
    the request came in on; the settings name it (``allowed_origins``) as the platform's."""
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.204", 0))
    async with aiohttp.ClientSession(connector=connector) as other:
        status, headers, grant = await _ask(other, platform, {"target": "support"}, PUBLIC)
    assert status == 201, grant
    assert "Access-Control-Allow-Origin" not in headers  # the page's own origin: no CORS
