"""A recording deleted by retention while a caller's card is open: the player, whose
link now answers 410, gives way to the reason ("deleted by retention on ..."), as a card
opened afterwards shows it, rather than staying a player that plays nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from playwright.async_api import expect

from contactcenter.config.settings import load_settings
from contactcenter.server.recordings import recording_store
from tests.browser import test_recordings_page as recordings_page
from tests.integration.platform import ROOT, Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

# the same platform, recorded call and pages as the recordings page's own tests
platform, recorded, page_of = (recordings_page.platform, recordings_page.recorded,
                               recordings_page.page_of)


def _age_and_purge(platform: Platform, name: str) -> None:
    """The recording 40 days old, then ``contactcenter recordings purge --days 30``."""
    settings = load_settings(platform.config, environ=platform.environment())
    store = recording_store(settings)
    assert store is not None
    found = store.find(name)
    assert found is not None, f"{name} is not in {store.folder}"
    old = time.time() - 40 * 86400
    os.utime(found.path, (old, old))
    subprocess.run([sys.executable, "-m", "contactcenter", "recordings", "purge", "--config",
                    str(platform.config), "--days", "30"], cwd=ROOT,
                   env=platform.environment(), check=True, capture_output=True)
    assert store.find(name) is None


async def test_a_player_whose_recording_was_deleted_says_so(
        page_of: Any, recorded: dict[str, Any], platform: Platform) -> None:
    page = await page_of("agent101", recorded["contact_id"])
    entry = recordings_page._entry(page, recorded)
    player = entry.locator("audio.recording-player")
    await expect(player).to_have_count(1)
    _age_and_purge(platform, recorded["recording"])
    await player.evaluate("a => { a.muted = true; a.play().catch(() => {}); }")
    await expect(entry.locator(".recording-gone")).to_have_text(
        f"deleted by retention on {time.strftime('%Y-%m-%d', time.gmtime())}")
    await expect(entry.locator("audio")).to_have_count(0)
