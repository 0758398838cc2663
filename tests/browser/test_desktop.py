"""The agent desktop in headless Chromium against the real platform: state control that
shows the platform's state, the screen-pop of a real call, click-to-talk refusals,
escaping, and the boards closed to agents."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import (
    ADA,
    agent_phones,
    api,
    browser_platform,
    new_caller,
    place_call,
    set_state,
    sign_in,
)
from tests.integration.baresip import AgentPhone
from tests.integration.platform import EventWatcher, Platform
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
NOTE = "Sent a new pair <script>document.body.dataset.pwned='2'</script> <i>today</i>"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("desktop"), asterisk_install) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phones(platform: Platform,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
                     dict[str, AgentPhone]]:
    async with agent_phones(platform, tmp_path_factory.mktemp("phones"),
                            ("agent101",)) as started:
        yield started


@pytest_asyncio.fixture(loop_scope="session")
async def desktop(browser: Browser, platform: Platform,
                  phones: dict[str, AgentPhone]) -> AsyncIterator[Page]:
    """agent101 signed in at their desktop; logged out of the queues afterwards."""
    await set_state(platform, "agent101", "logged_out")
    page = await sign_in(browser, platform, "agent101", "/agent")
    try:
        yield page
    finally:
        await page.context.close()
        await set_state(platform, "agent101", "logged_out")


async def test_an_agent_goes_available_and_sees_the_state_the_platform_has(
        desktop: Page, platform: Platform) -> None:
    state = desktop.locator("#my-state")
    await expect(state).to_have_attribute("data-state", "logged_out")
    await expect(desktop.locator("#my-phone")).to_have_attribute("data-registered", "true")
    await desktop.click("#go-available")
    await expect(state).to_have_text("Available")
    agents = (await api(platform, "GET", "/api/v1/agents"))["agents"]
    assert agents["agent101"]["state"] == "available"
    # time in state ticks in the page, from the platform's clock
    await expect(desktop.locator("#my-since")).to_have_text("0:01", timeout=3000)
    # a supervisor pauses the agent through the API: the desktop shows it within a second
    started = time.monotonic()
    await set_state(platform, "agent101", "paused", "coaching")
    await expect(state).to_have_attribute("data-state", "paused", timeout=1000)
    assert time.monotonic() - started < 1.0
    await expect(desktop.locator("#my-reason")).to_have_text("(coaching)")
    # paused with a reason picked on the desktop, then logged out
    await desktop.select_option("#pause-reason", "lunch")
    await desktop.click("#go-paused")
    await expect(desktop.locator("#my-reason")).to_have_text("(lunch)")
    await desktop.click("#go-logged-out")
    await expect(state).to_have_attribute("data-state", "logged_out")


async def test_the_screen_pop_shows_the_caller_from_the_crm_within_half_a_second(
        desktop: Page, platform: Platform) -> None:
    ada = (await api(platform, "GET", f"/api/v1/customers/lookup?phone={ADA}"))["contact"]
    # a case whose subject holds markup: the desktop shows it as text and runs nothing
    marked = "<script>document.body.dataset.pwned='1'</script><b>bold</b> router"
    await api(platform, "POST", "/api/v1/cases", {"subject": marked, "contact_id": ada["id"]})
    await desktop.click("#go-available")
    await expect(desktop.locator("#my-state")).to_have_text("Available")
    async with EventWatcher(platform) as watcher:
        caller = place_call(platform, ADA, "2", hold_ms=6000)
        offered = await watcher.wait_for(lambda e: e["type"] == "call.offered")
        name = desktop.locator("#customer-name")
        await expect(name).to_have_text("Ada Lovelace", timeout=2000)
        popped = float(await desktop.evaluate("document.body.dataset.popAt"))
        assert popped - offered["time"] < 0.5, popped - offered["time"]
        cases = desktop.locator("#open-cases")
        await expect(cases).to_contain_text("Nimbus wireless earbuds not delivered yet")
        await expect(cases).to_contain_text(marked)
        assert await desktop.locator("#customer script, #customer b").count() == 0
        assert await desktop.evaluate("document.body.dataset.pwned") is None
        await expect(desktop.locator("#call-caller")).to_contain_text(ADA)
        await expect(desktop.locator("#call-queue")).to_have_text("support")
        await expect(desktop.locator("#call-ivr-path")).not_to_have_text("–")
        await expect(desktop.locator("#call-digits")).to_contain_text("2")
        await expect(desktop.locator("#customer-account")).to_contain_text(
            "Lovelace Analytical Engines")
        # her RFM and value scores, or that none is computed yet (the platform's first
        # runs start with it)
        await expect(desktop.locator("#customer-rfm")).to_have_text(re.compile(
            r"^(not computed yet|none: no orders .*|[A-Z][a-z ]+ · R\d F\d M\d · .*)$"))
        await expect(desktop.locator("#customer-scores")).to_have_text(re.compile(
            r"^(not computed yet|P\(alive\) [01]\.\d\d · churn risk \d+ % · value .*)$"))
        # the call script's first step, and the dispositions of the queue
        await watcher.wait_for(lambda e: e["type"] == "call.answered")
        await expect(desktop.locator("#call-status")).to_have_text("connected")
        await expect(desktop.locator("#disposition-codes input").first).to_be_attached()
        await _walk_the_support_script(desktop)
        assert (await caller).returncode == 0
        # after the call: wrap-up with its countdown, then the disposition ends it
        await expect(desktop.locator("#my-state")).to_have_attribute("data-state", "wrap_up",
                                                                     timeout=5000)
        await expect(desktop.locator("#wrapup-timer")).to_have_attribute("data-until",
                                                                         re.compile(r"\d"))
        await desktop.check("#disposition-codes input[value=resolved]")
        await desktop.fill("#disposition-notes", NOTE)
        await desktop.click("#disposition-save")
        await expect(desktop.locator("#disposition-result")).to_have_text("Saved.")
        disposed = await watcher.wait_for(lambda e: e["type"] == "call.disposed")
        assert (disposed["code"], disposed["notes"]) == ("resolved", NOTE)
        await expect(desktop.locator("#my-state")).to_have_attribute("data-state", "available")


async def _walk_the_support_script(desktop: Page) -> None:
    """The support script (config/scripts/support.yaml) as the agent clicks through it."""
    text = desktop.locator("#script-text")
    await expect(text).to_contain_text("Thank you for calling support, Ada.")
    await desktop.click("#script-next")
    await expect(desktop.locator("#script-step-title")).to_have_text("Verify identity")
    await desktop.click("#script-step button.choice[data-answer=Yes]")
    await expect(desktop.locator("#script-step-title")).to_have_text("Describe the problem")
    # an objection and back: the script comes back to the step it left
    await desktop.click("#script-objections button:text('Caller is upset')")
    await expect(desktop.locator("#script-step")).not_to_have_attribute("data-step",
                                                                        "problem_area")
    await desktop.click("#script-step button:text('Back to script')")
    await expect(desktop.locator("#script-step")).to_have_attribute("data-step",
                                                                    "problem_area")


async def test_a_note_with_markup_from_the_last_call_shows_as_text_on_the_next_pop(
        desktop: Page, platform: Platform) -> None:
    await desktop.click("#go-available")
    await expect(desktop.locator("#my-state")).to_have_text("Available")
    caller = place_call(platform, ADA, "2", hold_ms=2000)
    note = desktop.locator("#recent-interactions .note").first
    await expect(note).to_have_text(NOTE, timeout=15000)
    assert await desktop.locator("#customer script, #customer i").count() == 0
    assert await desktop.evaluate("document.body.dataset.pwned") is None
    await caller


async def test_an_unknown_caller_gets_a_new_contact_form_with_the_number(
        desktop: Page, platform: Platform) -> None:
    number = new_caller()
    await desktop.click("#go-available")
    await expect(desktop.locator("#my-state")).to_have_text("Available")
    caller = place_call(platform, number, "2", hold_ms=2000)
    form = desktop.locator("#new-contact")
    await expect(form).to_be_visible(timeout=15000)
    await expect(form.locator("input[name=phone]")).to_have_value(number)
    await caller


async def test_click_to_talk_refuses_a_do_not_call_number_with_the_reason(
        desktop: Page, platform: Platform) -> None:
    await api(platform, "POST", "/api/v1/contacts", {
        "first_name": "Dee", "last_name": "Nocall", "do_not_call": True,
        "phones": [{"number": "+15550009999"}]})
    await desktop.click("#go-available")
    await desktop.fill("#dial-number", "+15550009999")
    await desktop.click("#dial-form button")
    result = desktop.locator("#dial-result")
    await expect(result).to_have_attribute("data-result", "refused")
    await expect(result).to_contain_text("is on the do-not-call list")


async def test_the_event_stream_reconnects_when_it_closes(
        browser: Browser, platform: Platform, phones: dict[str, AgentPhone]) -> None:
    sockets: list[WebSocketRoute] = []

    def relay(socket: WebSocketRoute) -> None:  # the page's socket, passed on to the platform
        socket.connect_to_server()
        sockets.append(socket)

    async def route(context: BrowserContext) -> None:
        await context.route_web_socket(re.compile(r"/api/v1/events"), relay)

    page = await sign_in(browser, platform, "agent101", "/agent", prepare=route)
    try:
        await expect(page.locator("#my-state")).to_have_attribute("data-state", "logged_out")
        await sockets[0].close(code=1011, reason="gone")  # as a restarting server would
        # the page opens a new socket by itself
        await until(lambda: len(sockets) >= 2, seconds=5, what="the page did not reconnect",
                    every=0.05)
        await expect(page.locator("#live")).to_have_attribute("data-live", "live")
        # events flow on the new socket: a state set through the API shows within a second
        started = time.monotonic()
        await set_state(platform, "agent101", "paused", "training")
        await expect(page.locator("#my-reason")).to_have_text("(training)", timeout=1000)
        assert time.monotonic() - started < 1.0
    finally:
        await page.context.close()
        await set_state(platform, "agent101", "logged_out")


async def test_an_agent_cannot_open_the_boards(desktop: Page) -> None:
    for path in ("/supervisor", "/wallboard"):
        response = await desktop.goto(path)
        assert response is not None and response.status == 403
        await expect(desktop.locator("#forbidden")).to_contain_text(path)
    response = await desktop.goto("/agent")
    assert response is not None and response.status == 200


async def test_a_page_without_a_session_leads_to_the_sign_in(
        browser: Browser, platform: Platform) -> None:
    context = await browser.new_context(base_url=platform.base_url)
    page = await context.new_page()
    await page.goto("/agent")
    await page.wait_for_url("**/login?next=/agent")
    await page.fill("#username", "agent101")
    await page.fill("#password", "wrong password")
    await page.click("#sign-in")
    await expect(page.locator("#login-error")).to_contain_text("wrong username or password")
    await context.close()
