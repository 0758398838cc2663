"""The screen-pop benchmark's agents: a phone that rings and a desktop page, each timed.

A phone is the tests' baresip ``AgentPhone`` with ``answermode=manual``: it rings
until the platform cancels the ring. Its ctrl_tcp events get a ``at`` stamp
(``time.time()``) as they are read off the socket, so ``CALL_INCOMING`` gives the
moment the phone rang.

A desktop is /agent in headless Chromium, signed in as the agent. An init script
(no change to the product's page) stamps, with ``Date.now()``:

- ``arrived``: a ``screen.pop`` frame reaching the page's WebSocket, in a message
  listener added before the page's own;
- ``rendered``: the page having shown it. The page sets ``data-pop-at`` on <body>
  as it shows a pop (agent.js ``showPop``); a MutationObserver on that attribute
  runs at the microtask checkpoint after the page's message handler returned, i.e.
  once the customer, the IVR path, the script and the codes are in the DOM.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from playwright.async_api import Browser, Page

from tests.browser.support import sign_in
from tests.integration.baresip import AgentPhone

#: runs in every page of a desktop's context before the page's own scripts
PAGE_HOOK = r"""
(() => {
  const pops = [];     // one per screen.pop frame: {call_id, arrived, rendered}
  const shown = [];    // every time the page showed a pop (also one fetched over REST)
  window.__bench = { pops, shown };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (message) => {
        const at = Date.now();
        const text = message.data;
        if (typeof text !== "string" || !/^\{"type": "screen\.pop"/.test(text)) return;
        const id = /"call_id": "([^"]*)"/.exec(text);
        pops.push({ call_id: id ? id[1] : null, arrived: at, rendered: null });
      });
    }
  };
  new MutationObserver(() => {
    const at = Date.now();
    shown.push(at);
    for (const pop of pops) if (pop.rendered === null) pop.rendered = at;
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-pop-at"] });
})();
"""


class _Stamped(list[dict[str, Any]]):
    """AgentPhone's event list; each event stamped with the wall clock as it is added
    (AgentPhone's reader appends an event right after parsing it off the socket)."""

    def append(self, event: dict[str, Any]) -> None:
        event["at"] = time.time()
        super().append(event)


def ringing_phone(folder: Path, agent: str, sip_port: int) -> AgentPhone:
    """A baresip that registers as ``agent`` and lets the phone ring (no auto-answer)."""
    phone = AgentPhone(folder / agent, agent, f"demo-sip-{agent[-3:]}-pass", sip_port,
                       auto_answer=False)
    phone.events = _Stamped()
    return phone


def rings(phone: AgentPhone) -> list[tuple[float, str]]:
    """(when, the caller's URI) of each CALL_INCOMING."""
    return [(float(e["at"]), str(e.get("peeruri", ""))) for e in phone.events
            if e.get("type") == "CALL_INCOMING"]


class Api:
    """The platform's REST API as one user (a bearer token), off the event loop."""

    def __init__(self, http_port: int, username: str, password: str) -> None:
        self.base_url = f"http://127.0.0.1:{http_port}"
        self.http_port = http_port
        self.token = str(self._call("POST", "/api/v1/auth/token",
                                    {"username": username, "password": password},
                                    token=False)["token"])

    def _call(self, method: str, path: str, body: Any = None, token: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path, method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(self._call, method, path, body)

    async def wait_registered(self, agents: list[str], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            known = (await self.call("GET", "/api/v1/agents"))["agents"]
            missing = [a for a in agents if not known.get(a, {}).get("registered")]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"phones not registered: {missing}")
            await asyncio.sleep(0.2)


async def open_desktop(browser: Browser, api: Api, agent: str) -> Page:
    """/agent signed in as ``agent`` (the demo user of that name), hooked, available."""
    page = await sign_in(browser, SimpleNamespace(base_url=api.base_url), agent, "/agent")
    await page.context.add_init_script(PAGE_HOOK)
    await page.reload()
    await page.wait_for_selector('body[data-live="live"]')
    await page.wait_for_function("window.__bench !== undefined")
    await page.wait_for_selector('#my-phone[data-registered="true"]')
    await page.click("#go-available")
    await page.wait_for_selector('#my-state[data-state="available"]')
    return page


async def page_pops(page: Page) -> dict[str, Any]:
    """What the page's hook recorded: ``pops`` and ``shown``."""
    return dict(await page.evaluate("window.__bench"))
