"""The Talk-to-us button on a company's own site, in headless Chromium: a page of another
origin embeds ``/embed/talk.js``. Where ``web_calls.allowed_origins`` lists the site, the
browser lets the page read its grant (CORS) and the visitor's call reaches the queue,
the call's record naming the site and the page; a site not listed is refused (403)
before any grant is made, and the visitor is told so."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.conftest import chromium_path
from tests.browser.support import browser_platform, media_browser
from tests.integration.platform import EventWatcher, Platform
from tests.support import free_ports

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: the company's site: the same machine, another port (another origin); its pages are
#: listed when reached as 127.0.0.1, not as localhost (another host: another origin)
SITE_PORT = free_ports(1)[0]
LISTED = f"http://127.0.0.1:{SITE_PORT}"
UNLISTED = f"http://localhost:{SITE_PORT}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             bundle: None) -> Iterator[Platform]:
    web_calls = {"targets": {"sales": {"queue": "sales", "label": "Talk to sales"}},
                 "allowed_origins": [LISTED], "grant_seconds": 60}
    with browser_platform(tmp_path_factory.mktemp("web-call-embed"), asterisk_install,
                          sections={"web_calls": web_calls}) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def site(platform: Platform) -> AsyncIterator[None]:
    """The company's page with the platform's button embedded, as the docs show it."""
    html = ("<!doctype html><title>Pricing</title><h1>Our prices</h1>"
            f'<script src="{platform.base_url}/embed/talk.js" data-target="sales" '
            'data-label="Talk to sales" defer></script>')

    async def pricing(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/pricing", pricing)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", SITE_PORT).start()
    try:
        yield
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    async with media_browser(chromium_path()) as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def visitor(chromium: Browser, site: None) -> AsyncIterator[Page]:
    context = await chromium.new_context()
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def _press(page: Page, url: str) -> None:
    await page.goto(url)
    widget = page.locator(".cc-talk")
    await widget.locator(".cc-talk-button").click()
    await widget.locator(".cc-talk-start").click()


async def test_a_listed_site_embeds_the_button_and_its_visitor_calls(
        visitor: Page, platform: Platform) -> None:
    async with EventWatcher(platform) as events:
        await _press(visitor, f"{LISTED}/pricing")
        await expect(visitor.locator(".cc-talk-button")).to_have_text("Talk to sales")
        status = visitor.locator(".cc-talk-status")
        await expect(status).to_have_attribute("data-state", "connected", timeout=15_000)
        queued = await events.wait_for(lambda e: e["type"] == "call.queued"
                                       and e.get("queue") == "sales", timeout=10)
        arrived = next(e for e in events.of_call(queued["call_id"])
                       if e["type"] == "call.arrived")
        assert arrived["web"]["origin"] == LISTED
        assert arrived["web"]["page"] == f"{LISTED}/pricing"
        await visitor.locator(".cc-talk-hangup").click()
        await events.wait_for(lambda e: e["type"] == "call.ended"
                              and e.get("call_id") == queued["call_id"], timeout=10)
    await expect(status).to_have_attribute("data-state", "ended")


async def test_a_site_not_listed_gets_no_grant(visitor: Page, platform: Platform) -> None:
    async with EventWatcher(platform) as events:
        await _press(visitor, f"{UNLISTED}/pricing")
        status = visitor.locator(".cc-talk-status")
        await expect(status).to_have_attribute("data-state", "failed", timeout=10_000)
        # the browser stops the request at the CORS preflight, which the platform refuses
        await expect(status).to_have_text("We cannot be reached from this page right now.")
    assert not [e for e in events.events if e["type"] == "call.arrived"]


async def test_a_visitor_who_hangs_up_at_once_leaves_no_call_behind(
        visitor: Page, platform: Platform) -> None:
    """Hung up while the contact center's answer is on its way: the call still ends (a
    CANCEL crossing the 200 OK would leave it waiting in the queue)."""
    async with EventWatcher(platform) as events:
        await _press(visitor, f"{LISTED}/pricing")
        arrived = await events.wait_for(lambda e: e["type"] == "call.arrived", timeout=10)
        await visitor.locator(".cc-talk-hangup").click()  # as the platform answers
        await events.wait_for(lambda e: e["type"] == "call.ended"
                              and e.get("call_id") == arrived["call_id"], timeout=10)
    await expect(visitor.locator(".cc-talk-status")).to_have_attribute(
        "data-state", re.compile("^(ended|failed)$"))
