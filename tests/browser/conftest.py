"""Real headless Chromium (Debian's ``chromium``) driven by Playwright, against the real
platform (``contactcenter serve`` on loopback, with Asterisk, baresip phones and sipp
callers).

One Chromium for the whole run; each test module starts its own platform. With
CI=true a missing Chromium, Asterisk, sipp or baresip fails the tests instead of
skipping them (``tests.support.missing``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.integration.conftest import asterisk_install  # noqa: F401 (a fixture)
from tests.integration.platform import ROOT
from tests.support import missing, require_tool

CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    """Debian's Chromium (``playwright install`` cannot download a browser here)."""
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path is None:
        missing("chromium is not installed (Debian package chromium)")
    return path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[object]:
    executable = chromium_path()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    from tests.browser.support import CHROMIUM_FLAGS

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable,
                                                    args=list(CHROMIUM_FLAGS))
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
def tools() -> None:
    """The telephony tools a module's platform needs."""
    for tool in ("sipp", "baresip"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")


@pytest.fixture(scope="module")
def bundle() -> None:
    """The browser phone's SIP bundle, built (or found up to date) the way `make test`
    does: npm ci and esbuild, so node and npm are required like sipp is."""
    require_tool("npm")
    require_tool("make")
    done = subprocess.run(["make", "-s", "softphone"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"make softphone failed:\n{done.stdout}\n{done.stderr}"
