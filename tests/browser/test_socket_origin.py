"""The events WebSocket in a real Chromium: a page served from another port of the same
host cannot open it with the supervisor's cookie (cross-site WebSocket hijacking), the
platform's own board can, and a board whose session ends goes back to the sign-in page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, Page

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import api, browser_platform, sign_in
from tests.integration.platform import Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: a page that opens the platform's event stream and notes what it got
HIJACK = """<!doctype html><title>elsewhere</title><body><script>
const socket = new WebSocket("ws://127.0.0.1:%d/api/v1/events");
socket.onmessage = (message) => { document.body.dataset.got = message.data.slice(0, 200); };
socket.onclose = (closed) => { document.body.dataset.closed = String(closed.code); };
</script></body>"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory,
             asterisk_install: AsteriskInstall) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("socket-origin"), asterisk_install) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def elsewhere(platform: Platform, tmp_path: Path) -> AsyncIterator[str]:
    """Another site on another port of 127.0.0.1, serving the page above."""
    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=HIJACK % platform.http_port, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="session")
async def board(browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    page = await sign_in(browser, platform, "supervisor", "/supervisor")  # live: its socket
    try:
        yield page
    finally:
        await page.context.close()


async def test_a_page_from_another_port_cannot_open_the_stream_with_the_cookie(
        board: Page, elsewhere: str) -> None:
    assert await board.evaluate("document.body.dataset.live") == "live"
    other = await board.context.new_page()  # the same browser: the cookie goes along
    await other.goto(elsewhere)
    await other.wait_for_function("'got' in document.body.dataset"
                                  " || 'closed' in document.body.dataset")
    assert await other.evaluate("document.body.dataset.got") is None  # not even the hello
    assert await other.evaluate("document.body.dataset.closed") == "1006"  # refused


async def test_a_board_whose_password_changed_goes_back_to_sign_in(
        board: Page, platform: Platform) -> None:
    users = await api(platform, "GET", "/api/v1/users?username=supervisor")
    await api(platform, "PATCH", f"/api/v1/users/{users['items'][0]['id']}",
              {"password": "demo-supervisor-pass"})  # the same words, a new hash
    await board.wait_for_url("**/login?next=%2Fsupervisor")
