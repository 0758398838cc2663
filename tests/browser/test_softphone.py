"""The phone in the agent desktop, in headless Chromium against the real platform: the
agent turns it on and it registers over WebRTC as ``agent101-web`` (no other phone), a
sipp caller through the IVR rings the page, the page answers, audio flows both ways (the
caller echoes it back), and hanging up in the page ends the call.

Chromium runs with a fake microphone that it may use without asking; the bundle the page
loads is built by ``make softphone`` (npm ci and esbuild; nothing happens when it is up to
date), so node and npm are required like sipp is.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.conftest import chromium_path
from tests.browser.support import (
    api,
    browser_platform,
    media_browser,
    new_caller,
    set_state,
    sign_in,
)
from tests.integration.platform import EventWatcher, Platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, missing

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

POSITIVE = re.compile(r"^[1-9][0-9]*$")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             bundle: None) -> Iterator[Platform]:
    if shutil.which("sipp") is None:
        missing("sipp is not installed")
    with browser_platform(tmp_path_factory.mktemp("softphone"), asterisk_install) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def beeping_browser() -> AsyncIterator[Browser]:
    """A Chromium of this module's own: its fake microphone beeps."""
    async with media_browser(chromium_path()) as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def desktop(beeping_browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    """agent101 at the desktop, with no phone but the page's; logged out afterwards."""
    await set_state(platform, "agent101", "logged_out")
    page = await sign_in(beeping_browser, platform, "agent101", "/agent")
    try:
        yield page
    finally:
        await page.context.close()  # the page's phone un-registers with it
        await set_state(platform, "agent101", "logged_out")


def _caller(platform: Platform, hold_ms: int) -> asyncio.Task[object]:
    """A sipp caller through the IVR to support (2) that echoes the audio it gets."""
    local, media = free_ports(2)
    return asyncio.ensure_future(call(
        sip_port=platform.sip_port, number="5000", caller=new_caller(),
        steps=[Step(1500, "2")], hold_ms=hold_ms, workdir=platform.state_dir,
        local_port=local, media_port=media, rtp_echo=True))


async def test_the_browser_phone_registers_rings_answers_carries_audio_and_hangs_up(
        desktop: Page, platform: Platform) -> None:
    agents = (await api(platform, "GET", "/api/v1/agents"))["agents"]
    assert not agents["agent101"]["registered"]  # no desk phone: only the page's will do
    async with EventWatcher(platform) as events:
        await desktop.click("#softphone-toggle")
        await expect(desktop.locator("#softphone-status")).to_have_attribute(
            "data-registration", "registered", timeout=10_000)
        await events.wait_for(lambda e: e["type"] == "endpoint.state"
                              and e["endpoint"] == "agent101-web" and e["registered"],
                              timeout=10)
        assert (await set_state(platform, "agent101", "available"))["state"] == "available"

        caller = _caller(platform, hold_ms=60_000)
        offered = await events.wait_for(lambda e: e["type"] == "call.offered"
                                        and e.get("agent") == "agent101", timeout=20)
        call_id = offered["call_id"]
        panel = desktop.locator("#softphone")
        await expect(panel).to_have_attribute("data-call", "ringing", timeout=5000)
        assert await desktop.locator("#softphone-from").text_content()
        await desktop.click("#softphone-answer")
        await expect(panel).to_have_attribute("data-call", "connected", timeout=10_000)
        answered = await events.wait_for(lambda e: e["type"] == "call.answered"
                                         and e.get("call_id") == call_id, timeout=10)
        assert answered["agent"] == "agent101"

        # the caller's echo of the page's (fake) microphone comes back: RTP flows both ways
        # (the page's getStats: inbound-rtp packetsReceived, outbound-rtp packetsSent)
        media = desktop.locator("#softphone-media")
        await expect(media).to_have_attribute("data-received", POSITIVE, timeout=10_000)
        await expect(media).to_have_attribute("data-sent", POSITIVE)

        await desktop.click("#softphone-hangup")
        ended = await events.wait_for(lambda e: e["type"] == "call.ended"
                                      and e.get("call_id") == call_id, timeout=10)
        assert ended["call_id"] == call_id
        await expect(panel).to_have_attribute("data-call", "none", timeout=5000)
        result = await asyncio.wait_for(caller, 15)  # the platform hung the caller up too
        assert result.returncode == 0, result.output  # type: ignore[attr-defined]
