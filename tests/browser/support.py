"""What the browser tests share: the platform's config, the API as the admin, signing a
browser context in, agent phones (baresip, or the desktop's browser phone) and sipp
callers."""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from itertools import count
from pathlib import Path
from typing import Any

import yaml
from playwright.async_api import Browser, BrowserContext, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, Platform, running_platform
from tests.integration.sipp import Step, call
from tests.support import free_ports, until

#: the flags TELEPHONY-NOTES.md gives for Debian's Chromium; Playwright adds --headless and
#: a fresh profile folder (its own --user-data-dir) for each launch
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")
#: a microphone the page may use without a prompt: Chromium's fake one (a beep, or a WAV
#: file given with --use-file-for-fake-audio-capture)
MEDIA_FLAGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
QUEUE = {"strategy": "longest_idle", "ring_timeout": 6, "wrap_up": 8,
         "announce_on_join": False, "service_level_target": {"percent": 80, "seconds": 20}}
AGENTS = {f"agent10{n}": {"name": name, "skills": {"support": 5, "sales": 5},
                          "queues": {"support": 1, "sales": 1, "operator": 2}}
          for n, name in ((1, "Ada Agent"), (2, "Bob Agent"), (3, "Cy Agent"))}
PASSWORDS = {"admin": "demo-admin-pass", "supervisor": "demo-supervisor-pass",
             **{f"agent1{n:02d}": f"demo-agent1{n:02d}-pass" for n in range(1, 11)}}
ADA = "+15550001001"
#: straight into the support queue, no menu (a platform started with ``direct=True``)
DIRECT = "5100"
#: the demo's call scripts (a relative folder would be looked up beside the test's config)
SCRIPTS = {"scripts": {"dir": str(ROOT / "config/scripts")}}
_callers = count(1)


@contextmanager
def browser_platform(tmp: Path, install: AsteriskInstall,
                     sections: dict[str, Any] | None = None,
                     direct: bool = False) -> Iterator[Platform]:
    """The demo platform (demo CRM data seeded) with quick queues and three agents
    (``sections``: more settings; ``direct``: the number ``DIRECT`` too, for a caller
    who cannot press keys)."""
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": QUEUE, "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    # an outbound peer, so that click-to-talk is on (nothing answers there: the tests only
    # place calls the platform refuses)
    outbound = {"outbound_host": "127.0.0.1", "outbound_port": free_ports(1)[0]}
    with running_platform(tmp, _ivr(tmp, direct), install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          asterisk=outbound, sections={**SCRIPTS, **(sections or {})}
                          ) as platform:
        yield platform


def _ivr(tmp: Path, direct: bool) -> dict[str, Any]:
    """The demo's IVR settings; with ``direct``, its flows and one more into support."""
    if not direct:
        return {"dir": str(ROOT / "config/ivr")}
    folder = tmp / "ivr"
    folder.mkdir(exist_ok=True)
    for flow in (ROOT / "config/ivr").glob("*.yaml"):
        shutil.copy(flow, folder)
    (folder / "direct.yaml").write_text(yaml.safe_dump({
        "start": "support", "nodes": {"support": {"type": "queue", "queue": "support"}}}))
    return {"dir": str(folder), "numbers": {"5000": "main", DIRECT: "direct"}}


@asynccontextmanager
async def media_browser(executable: str, microphone: Path | None = None
                        ) -> AsyncIterator[Browser]:
    """A Chromium whose pages may use a fake microphone without a prompt: Chromium's beep,
    or ``microphone``, a WAV file it plays in a loop (the flags are the launch's, hence a
    Chromium of its own)."""
    from playwright.async_api import async_playwright

    flags = [*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    if microphone is not None:
        flags.append(f"--use-file-for-fake-audio-capture={microphone}")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=flags)
        try:
            yield launched
        finally:
            await launched.close()


async def turn_phone_on(desk: Page) -> None:
    """The desktop's browser phone on, as the agent turns it on, until it is registered."""
    await desk.click("#softphone-toggle")
    await expect(desk.locator("#softphone-status")).to_have_attribute(
        "data-registration", "registered", timeout=10_000)


def _request(platform: Platform, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{platform.base_url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {platform.token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
        return json.loads(text) if text else None


async def api(platform: Platform, method: str, path: str, body: Any = None) -> Any:
    """The API as the admin (a bearer token), off the event loop."""
    return await asyncio.to_thread(_request, platform, method, path, body)


async def set_state(platform: Platform, agent: str, state: str,
                    reason: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"state": state}
    if reason is not None:
        body["reason"] = reason
    return dict(await api(platform, "PUT", f"/api/v1/agents/{agent}/state", body))


async def sign_in(browser: Browser, platform: Platform, user: str, page_path: str,
                  prepare: Callable[[BrowserContext], Awaitable[None]] | None = None) -> Page:
    """A fresh browser context signed in as ``user`` through the sign-in page
    (``prepare`` sets the context up first, e.g. routes)."""
    context = await browser.new_context(base_url=platform.base_url,
                                        viewport={"width": 1400, "height": 900})
    if prepare is not None:
        await prepare(context)
    page = await context.new_page()
    await page.goto(f"/login?next={page_path}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORDS[user])
    await page.click("#sign-in")
    await page.wait_for_url(f"**{page_path}")
    await page.wait_for_selector('body[data-live="live"]')
    return page


async def registered(platform: Platform, agent: str, timeout: float = 10) -> None:
    async def is_registered() -> bool:
        return bool((await api(platform, "GET", "/api/v1/agents"))["agents"][agent]["registered"])

    await until(is_registered, seconds=timeout, what=f"{agent} never registered", every=0.1)


@asynccontextmanager
async def agent_phones(platform: Platform, folder: Path, agents: tuple[str, ...],
                       tones: Mapping[str, int] | None = None
                       ) -> AsyncIterator[dict[str, AgentPhone]]:
    """baresip phones that register as ``agents`` and answer by themselves (each
    microphone a tone: ``tones``, else 440 Hz)."""
    phones = {agent: AgentPhone(folder / agent, agent, f"demo-sip-{agent[-3:]}-pass",
                                platform.sip_port, tone=(tones or {}).get(agent, 440))
              for agent in agents}
    for phone in phones.values():
        await phone.start()
    try:
        for agent in phones:
            await registered(platform, agent)
        yield phones
    finally:
        for agent, phone in phones.items():
            try:
                await set_state(platform, agent, "logged_out")
            except urllib.error.URLError:
                pass
            finally:
                await phone.stop()


def place_call(platform: Platform, caller: str, digits: str, hold_ms: int) -> asyncio.Task[Any]:
    """A sipp caller dialing the main IVR (5000) and pressing ``digits`` (2: support)."""
    local, media = free_ports(2)
    return asyncio.ensure_future(call(
        sip_port=platform.sip_port, number="5000", caller=caller,
        steps=[Step(1500, digits)], hold_ms=hold_ms, workdir=platform.state_dir,
        local_port=local, media_port=media))


def new_caller() -> str:
    return f"+1555777{next(_callers):04d}"
