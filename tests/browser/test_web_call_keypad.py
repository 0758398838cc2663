"""The "Talk to us" button's keypad, in headless Chromium against the real platform and
Asterisk: a visitor whose call goes into the demo's main IVR flow (a ``flow`` target, the
help page's) walks its key menu from the browser: a digit typed on the keyboard, ``*``
and ``2`` clicked on the keypad, each sent as an RFC 4733 telephone-event that the IVR
takes (its ``ivr.digits`` and the branch it goes down). The keypad is there only while the
call is connected.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, Route, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.conftest import chromium_path
from tests.browser.support import browser_platform, media_browser
from tests.integration.platform import EventWatcher, Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: the help page's button calls the main flow (config/ivr/main.yaml: 2 support,
#: 9 more options, where * goes back)
WEB_CALLS = {"targets": {"menu": {"flow": "main", "label": "Talk to us"}},
             "help_target": "menu", "grant_seconds": 60}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             bundle: None) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("web-keypad"), asterisk_install,
                          sections={"web_calls": WEB_CALLS}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def microphone() -> AsyncIterator[Browser]:
    """A Chromium whose pages have a (fake) microphone without a prompt."""
    async with media_browser(chromium_path()) as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def visitor(microphone: Browser, platform: Platform) -> AsyncIterator[Page]:
    context = await microphone.new_context(base_url=platform.base_url)
    page = await context.new_page()
    try:
        await page.goto("/help")
        yield page
    finally:
        await context.close()


def _widget(page: Page) -> Locator:
    return page.locator("#talk-to-us .cc-talk")


async def _call(widget: Locator) -> None:
    await widget.locator(".cc-talk-button").click()
    await widget.locator(".cc-talk-start").click()


def _is(call_id: str, kind: str, **fields: str) -> Callable[[dict[str, Any]], bool]:
    """An event of ``call_id`` of type ``kind`` with these ``fields``."""
    return lambda e: (e["type"] == kind and e.get("call_id") == call_id
                      and all(e.get(key) == value for key, value in fields.items()))


async def test_the_visitor_walks_the_ivr_menu_with_the_keypad(
        visitor: Page, platform: Platform) -> None:
    widget = _widget(visitor)
    keypad = widget.locator(".cc-talk-keypad")
    async with EventWatcher(platform) as events:
        await _call(widget)
        arrived = await events.wait_for(lambda e: e["type"] == "call.arrived"
                                        and e.get("dialed") == "web-menu", timeout=15)
        call_id = arrived["call_id"]
        await events.wait_for(_is(call_id, "ivr.step", node="main_menu"), timeout=10)
        await expect(keypad).to_be_visible()
        await expect(keypad).to_have_attribute("aria-label", "Keypad")
        await expect(keypad.get_by_role("button", name="Star")).to_have_text("*")
        await expect(keypad.get_by_role("button", name="Pound")).to_have_text("#")

        # the keyboard's 9 (the keypad has the focus since the call connected), held down
        # a moment: the keyboard's auto-repeat is not a second key
        await visitor.keyboard.down("9")
        await visitor.keyboard.down("9")  # what a held key sends again (repeat)
        await visitor.keyboard.up("9")
        await events.wait_for(_is(call_id, "ivr.digits", node="main_menu", digits="9"),
                              timeout=10)
        await events.wait_for(_is(call_id, "ivr.step", node="more_options"), timeout=10)
        # the mouse's * (back to the main menu), then 2: support
        await keypad.get_by_role("button", name="Star").click()
        await events.wait_for(_is(call_id, "ivr.digits", node="more_options", digits="*"),
                              timeout=10)
        await keypad.get_by_role("button", name="2").click()
        await events.wait_for(_is(call_id, "ivr.digits", node="main_menu", digits="2"),
                              timeout=10)
        exited = await events.wait_for(_is(call_id, "ivr.exit"), timeout=10)
        await expect(keypad.locator(".cc-talk-keys")).to_have_text("9*2")

        await widget.locator(".cc-talk-hangup").click()
        await events.wait_for(_is(call_id, "call.ended"), timeout=10)
    assert (exited["kind"], exited["target"]) == ("queue", "support")
    steps = [e["node"] for e in events.of_call(call_id) if e["type"] == "ivr.step"]
    assert steps[-3:] == ["more_options", "main_menu", "support"], steps
    await expect(keypad).to_be_hidden()


async def test_the_keypad_is_there_only_while_the_call_is_connected(
        visitor: Page, platform: Platform) -> None:
    widget = _widget(visitor)
    keypad = widget.locator(".cc-talk-keypad")
    status = widget.locator(".cc-talk-status")
    # the grant's answer held back: the call stays "connecting" until it is let through
    release = asyncio.Event()

    async def held(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await visitor.route("**/api/v1/web-calls", held)
    await expect(keypad).to_be_hidden()
    async with EventWatcher(platform) as events:
        await _call(widget)
        await expect(status).to_have_attribute("data-state", "connecting")
        await expect(keypad).to_be_hidden()
        # a key typed before the call is connected goes nowhere and shows nothing
        await visitor.keyboard.press("5")
        release.set()
        await expect(status).to_have_attribute("data-state", "connected", timeout=15_000)
        await expect(keypad).to_be_visible()
        await expect(keypad.locator(".cc-talk-keys")).to_have_text("")
        await widget.locator(".cc-talk-hangup").click()
        await expect(status).to_have_attribute("data-state", "ended")
        await expect(keypad).to_be_hidden()
        arrived = await events.wait_for(lambda e: e["type"] == "call.arrived", timeout=5)
        await events.wait_for(_is(arrived["call_id"], "call.ended"), timeout=10)
        assert not [e for e in events.of_call(arrived["call_id"]) if e["type"] == "ivr.digits"]


async def test_send_digit_takes_a_keypad_key_only_and_only_on_a_connected_call(
        visitor: Page) -> None:
    refused = await visitor.evaluate("""() => {
      const phone = new window.ccWebCall.WebPhone({});
      const refused = [];
      for (const key of ["A", "", "12", "x", 5, null]) {
        try { phone.sendDigit(key); } catch (error) {
          if (error instanceof RangeError) refused.push(key);
        }
      }
      return {refused, idle: phone.sendDigit("5")};
    }""")
    assert refused == {"refused": ["A", "", "12", "x", 5, None], "idle": False}
