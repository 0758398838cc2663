"""A recorded call played in headless Chromium: a sipp caller reaches agent101 through a
queue that records; on the caller's CRM card agent101's page has a player that plays the
call and seeks in it, while agent102's page of the same card shows no player."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import (
    ADA,
    AGENTS,
    QUEUE,
    SCRIPTS,
    agent_phones,
    api,
    place_call,
    set_state,
    sign_in,
)
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("recordings-page")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": {**QUEUE, "record": True}, "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          sections=SCRIPTS) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def recorded(platform: Platform, tmp_path_factory: pytest.TempPathFactory,
                   ) -> dict[str, Any]:
    """Ada's call, answered by agent101's phone and recorded: its interaction."""
    async with agent_phones(platform, tmp_path_factory.mktemp("phones"), ("agent101",)):
        await set_state(platform, "agent101", "available")
        async with EventWatcher(platform) as watcher:
            caller = place_call(platform, ADA, "2", hold_ms=6000)
            answered = await watcher.wait_for(lambda e: e["type"] == "call.answered")
            await watcher.wait_for(lambda e: e["type"] == "call.recording")
            assert (await caller).returncode == 0
    found: list[dict[str, Any]] = []

    async def in_the_crm() -> bool:
        found.extend((await api(platform, "GET",
                                f"/api/v1/interactions?call_id={answered['call_id']}"))["items"])
        return bool(found)

    await until(in_the_crm, seconds=15, what="the call never reached the CRM", every=0.2)
    assert found[0]["contact_id"], "Ada is a demo customer: the call is on her timeline"
    return found[0]


@pytest_asyncio.fixture(loop_scope="session")
async def page_of(browser: Browser, platform: Platform) -> AsyncIterator[Any]:
    pages: list[Page] = []

    async def open_card(user: str, contact: int) -> Page:
        page = await sign_in(browser, platform, user, f"/crm/contacts/{contact}")
        pages.append(page)
        return page

    yield open_card
    for page in pages:
        await page.context.close()


def _entry(page: Page, interaction: dict[str, Any]) -> Any:
    return page.locator(f"#timeline > li[data-kind='interaction'][data-id='{interaction['id']}']")


async def test_the_agent_who_took_the_call_plays_it_in_the_page(
        page_of: Any, recorded: dict[str, Any]) -> None:
    page = await page_of("agent101", recorded["contact_id"])
    player = _entry(page, recorded).locator("audio.recording-player")
    await expect(player).to_have_count(1)
    assert await player.evaluate("a => a.preload") == "none"  # fetched when played only
    # muted, a page may start playing without a click (Chromium's autoplay rule)
    await player.evaluate("a => { a.muted = true; return a.play(); }")
    await page.wait_for_function(
        "a => !a.paused && a.currentTime > 0.5 && a.duration > 3", arg=await player.element_handle())
    # the server answers ranges: the player can seek into the call
    seekable = await player.evaluate("a => a.seekable.length ? a.seekable.end(0) : 0")
    assert seekable > 3
    await player.evaluate("a => { a.currentTime = 2.5; }")
    await page.wait_for_function("a => !a.seeking && a.currentTime >= 2.5",
                                 arg=await player.element_handle())
    # a link that stopped working (as an expired one does) is asked for again
    broken = await player.evaluate(
        "a => { a.src = a.src + 'x'; a.play().catch(() => {}); return a.src; }")
    await page.wait_for_function("([a, broken]) => a.src !== broken",
                                 arg=[await player.element_handle(), broken])
    await player.evaluate("a => a.play()")
    await page.wait_for_function("a => !a.paused && a.currentTime > 0.5",
                                 arg=await player.element_handle())


async def test_another_agents_page_shows_no_player(
        page_of: Any, recorded: dict[str, Any]) -> None:
    page = await page_of("agent102", recorded["contact_id"])
    entry = _entry(page, recorded)
    await expect(entry).to_have_count(1)  # the call is on the timeline, its recording not
    await expect(entry.locator(".recording")).to_have_text(recorded["recording"])
    await expect(entry.locator("audio")).to_have_count(0)
    assert await page.locator("audio").count() == 0


async def test_the_supervisor_plays_it_too(page_of: Any, recorded: dict[str, Any]) -> None:
    page = await page_of("supervisor", recorded["contact_id"])
    player = _entry(page, recorded).locator("audio.recording-player")
    await expect(player).to_have_count(1)
    await player.evaluate("a => { a.muted = true; return a.play(); }")
    await page.wait_for_function("a => !a.paused && a.currentTime > 0",
                                 arg=await player.element_handle())
