"""Screenshots of the agent desktop, the supervisor board and the wallboard for docs/.

    python -m tests.browser.screenshots            # or: make screenshots

Starts the demo platform (config/demo.yaml with the demo queues, agents and CRM
data) on free loopback ports, registers baresip phones for a few agents, places
real sipp calls so that the pages have something to show (Ada Lovelace talking
to agent105 in support, Grace Hopper to agent101 in sales, a caller waiting, one
who gave up), and photographs the pages in headless Chromium. Not a test and not
a benchmark: it only makes pictures, in about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import locate_or_install
from tests.browser.conftest import chromium_path
from tests.browser.support import (
    ADA,
    CHROMIUM_FLAGS,
    SCRIPTS,
    agent_phones,
    place_call,
    set_state,
    sign_in,
)
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform

OUT = ROOT / "docs" / "screenshots"
GRACE = "+15550001002"
AGENTS = ("agent101", "agent102", "agent104", "agent105")


async def _scene(platform: Platform, watcher: EventWatcher) -> list[asyncio.Task[object]]:
    """Two calls talking, one caller who gave up, one waiting."""
    await set_state(platform, "agent105", "available")
    await set_state(platform, "agent101", "available")
    await set_state(platform, "agent102", "available")
    await set_state(platform, "agent104", "paused", "lunch")
    calls: list[asyncio.Task[object]] = [place_call(platform, ADA, "2", hold_ms=90_000)]
    await watcher.wait_for(lambda e: e["type"] == "call.answered" and e["agent"] == "agent105")
    calls.append(place_call(platform, GRACE, "1", hold_ms=90_000))
    await watcher.wait_for(lambda e: e["type"] == "call.answered" and e["agent"] == "agent101")
    calls.append(place_call(platform, "+15557770042", "2", hold_ms=3000))
    await watcher.wait_for(lambda e: e["type"] == "call.abandoned")
    calls.append(place_call(platform, "+15557770043", "2", hold_ms=90_000))
    await watcher.wait_for(lambda e: e["type"] == "call.queued"
                           and e["call_id"] not in {a["call_id"] for a in watcher.events
                                                    if a["type"] == "call.answered"})
    await asyncio.sleep(6)  # the waiting caller's wait and the talk times count up a little
    return calls


async def _shoot(page: Page, name: str) -> None:
    await page.wait_for_timeout(500)
    await page.screenshot(path=str(OUT / name), full_page=True)
    print(f"wrote {OUT / name}")


async def _pictures(browser: Browser, platform: Platform, folder: Path) -> None:
    async with agent_phones(platform, folder, AGENTS), EventWatcher(platform) as watcher:
        desktop = await sign_in(browser, platform, "agent105", "/agent")
        board = await sign_in(browser, platform, "supervisor", "/supervisor")
        calls = await _scene(platform, watcher)
        await desktop.wait_for_selector("#customer-name")
        await _shoot(desktop, "agent-desktop.png")
        await _shoot(board, "supervisor-board.png")
        wall = await sign_in(browser, platform, "supervisor", "/wallboard")
        await wall.set_viewport_size({"width": 1920, "height": 1080})
        await _shoot(wall, "wallboard.png")
        for task in calls:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(*calls)


async def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    install = locate_or_install(load_settings(None))
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cc-screens-")))
        platform = stack.enter_context(
            running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, install,
                             sections=SCRIPTS))
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium_path(),
                                                       args=list(CHROMIUM_FLAGS))
            try:
                await _pictures(browser, platform, tmp / "phones")
            finally:
                await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
