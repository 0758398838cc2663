"""A call recorded in two parts, on the caller's card in headless Chromium: the page
lists both, first to last, each named with the agent who had the call in it and each
with a player that plays; once retention deletes the first part, it says so while the
second still plays. The call is a real recorded call (agent101's part), given a second
part as a transfer to agent102 would leave it (a transfer itself is tested through
Asterisk in tests/integration/test_recording_transfer.py)."""

from __future__ import annotations

import shutil
import time
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import insert

from contactcenter.config.settings import load_settings
from contactcenter.server.recordings import recording_store
from crm_core.db import make_engine, sessions
from crm_core.models import CallRecording
from tests.browser import test_recordings_page as recordings_page
from tests.browser.test_recordings_review_page import _age_and_purge
from tests.integration.platform import Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

# the recordings page's platform, recorded call and pages, started for this module
platform, recorded, page_of = (recordings_page.platform, recordings_page.recorded,
                               recordings_page.page_of)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def two_parts(platform: Platform, recorded: dict[str, Any]) -> list[str]:
    """The call's second part, agent102's: its file and its row. Both parts' names."""
    settings = load_settings(platform.config, environ=platform.environment())
    store = recording_store(settings)
    assert store is not None
    first = store.find(recorded["recording"])
    assert first is not None
    second = f"{recorded['recording']}-2"
    shutil.copyfile(first.path, store.folder / f"{second}.wav")
    engine = make_engine(settings.database)
    try:
        async with sessions(engine)() as session, session.begin():
            await session.execute(insert(CallRecording).values(
                interaction_id=recorded["id"], part=2, name=second, agent="agent102",
                queue="support"))
    finally:
        await engine.dispose()
    return [recorded["recording"], second]


async def test_both_parts_are_listed_with_their_agents_and_each_plays(
        page_of: Any, recorded: dict[str, Any], two_parts: list[str],
        platform: Platform) -> None:
    page = await page_of("agent102", recorded["contact_id"])  # the second part's agent
    entry = recordings_page._entry(page, recorded)
    parts = entry.locator("li.recording-part")
    await expect(parts).to_have_count(2)
    await expect(parts.locator(".recording-part-who")).to_have_text(
        ["Part 1 · agent101", "Part 2 · agent102"])
    await expect(entry.locator(".recording")).to_have_text(", ".join(two_parts))
    for index in range(2):
        player = parts.nth(index).locator("audio.recording-player")
        await player.evaluate("a => { a.muted = true; return a.play(); }")
        await page.wait_for_function("a => !a.paused && a.currentTime > 0.5",
                                     arg=await player.element_handle())
        await player.evaluate("a => a.pause()")

    _age_and_purge(platform, two_parts[0])
    page = await page_of("agent101", recorded["contact_id"])  # a card opened afterwards
    parts = recordings_page._entry(page, recorded).locator("li.recording-part")
    await expect(parts.nth(0).locator(".recording-gone")).to_have_text(
        f"deleted by retention on {time.strftime('%Y-%m-%d', time.gmtime())}")
    await expect(parts.nth(0).locator("audio")).to_have_count(0)
    await expect(parts.nth(1).locator("audio.recording-player")).to_have_count(1)
