"""The customer's own click-to-talk, in two headless Chromiums against the real platform:
a visitor on /help clicks "Talk to us", types their e-mail and calls from the browser
(WebRTC over Asterisk's SIP WebSocket, with a one-time identity); agent101, whose only
phone is the browser phone in their desktop, answers; each side hears the other's
microphone (a tone of its own, found in what the other page plays); the agent's
screen-pop says the call came from the web, from which page, and who the visitor is in
the CRM. Then the call's record and its CRM interaction, and what a grant's credential
cannot do: call anything but its target, or a second time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.conftest import chromium_path
from tests.browser.support import (
    ADA,
    api,
    browser_platform,
    media_browser,
    set_state,
    sign_in,
    turn_phone_on,
)
from tests.integration.audio import write_tone
from tests.integration.platform import EventWatcher, Platform
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: each microphone's tone, apart enough for the other side to tell them
TONES = {"visitor": 700, "agent": 1500}
WEB_CALLS = {"targets": {"support": {"queue": "support", "label": "Talk to us"},
                         "sales": {"queue": "sales"}},
             "help_target": "support", "grant_seconds": 60}

#: the loudest frequency of what an <audio> element plays, once it has been analysed a
#: while (an AnalyserNode on its stream, kept on the element)
PEAK = """async (selector) => {
  const audio = document.querySelector(selector);
  if (!audio || !audio.srcObject) return 0;
  if (!audio._analyser || audio._analysed !== audio.srcObject) {
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(audio.srcObject).connect(analyser);
    audio._analyser = analyser;
    audio._analysed = audio.srcObject;
    audio._rate = context.sampleRate;
  }
  const bins = new Float32Array(audio._analyser.frequencyBinCount);
  audio._analyser.getFloatFrequencyData(bins);
  let best = 1;
  for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  return bins[best] > -80 ? best * audio._rate / audio._analyser.fftSize : 0;
}"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             bundle: None) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("web-call"), asterisk_install,
                          sections={"web_calls": WEB_CALLS}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browsers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Browser]]:
    """Two Chromiums, each with a fake microphone playing its own tone."""
    folder = tmp_path_factory.mktemp("microphones")
    visitor_tone = write_tone(folder / "visitor.wav", TONES["visitor"])
    agent_tone = write_tone(folder / "agent.wav", TONES["agent"])
    async with media_browser(chromium_path(), visitor_tone) as visitor, \
            media_browser(chromium_path(), agent_tone) as agent:
        yield {"visitor": visitor, "agent": agent}


@pytest_asyncio.fixture(loop_scope="session")
async def desk(browsers: dict[str, Browser], platform: Platform) -> AsyncIterator[Page]:
    """agent101's desktop, its browser phone on (agent101 has no other), available."""
    await set_state(platform, "agent101", "logged_out")
    page = await sign_in(browsers["agent"], platform, "agent101", "/agent")
    try:
        await turn_phone_on(page)
        await expect(page.locator("#my-phone")).to_have_attribute("data-registered", "true",
                                                                  timeout=10_000)
        await page.click("#go-available")
        await expect(page.locator("#my-state")).to_have_attribute("data-state", "available")
        yield page
    finally:
        await page.context.close()
        await set_state(platform, "agent101", "logged_out")


@pytest_asyncio.fixture(loop_scope="session")
async def visitor(browsers: dict[str, Browser], platform: Platform) -> AsyncIterator[Page]:
    context = await browsers["visitor"].new_context(base_url=platform.base_url)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def _peak(page: Page, selector: str) -> float:
    return float(await page.evaluate(PEAK, selector))


async def _hears(page: Page, selector: str, tone: int, who: str) -> None:
    async def heard() -> bool:
        return abs(await _peak(page, selector) - tone) < 40

    await until(heard, seconds=15, every=0.3, what=f"{who} never heard the {tone} Hz tone")


async def _ada_email(platform: Platform) -> str:
    found = await api(platform, "GET", f"/api/v1/customers/lookup?phone=%2B{ADA[1:]}")
    return str(found["contact"]["email"])


async def test_a_visitor_on_the_help_page_talks_with_an_agent_in_the_desktop(
        desk: Page, visitor: Page, platform: Platform) -> None:
    email = await _ada_email(platform)
    async with EventWatcher(platform) as events:
        await visitor.goto("/help?q=invoice")
        widget = visitor.locator("#talk-to-us .cc-talk")
        await widget.locator(".cc-talk-button").click()
        await widget.locator(".cc-talk-email").fill(email.upper())  # case aside
        await widget.locator(".cc-talk-start").click()

        offered = await events.wait_for(lambda e: e["type"] == "call.offered"
                                        and e.get("agent") == "agent101", timeout=20)
        call_id = offered["call_id"]
        # the contact center answered the visitor's call: they hear the queue meanwhile
        await expect(widget.locator(".cc-talk-status")).to_have_attribute(
            "data-state", "connected")
        # the screen-pop: a web call, from our help page, the page, and who it is
        pop = desk.locator("#call-web")
        await expect(pop).to_be_visible(timeout=10_000)
        await expect(desk.locator("#call-web-origin")).to_have_text("from our help page")
        # the page without its query (which may hold a token): docs/web-calls.md
        await expect(desk.locator("#call-web-page")).to_have_text(f"{platform.base_url}/help")
        await expect(desk.locator("#call-web-visitor")).to_contain_text("Ada Lovelace")
        await expect(desk.locator("#customer")).to_contain_text("Lovelace")

        await expect(desk.locator("#softphone")).to_have_attribute("data-call", "ringing")
        await desk.click("#softphone-answer")
        await expect(desk.locator("#softphone")).to_have_attribute("data-call", "connected",
                                                                   timeout=15_000)
        # both ways: each page plays the other's microphone
        await _hears(visitor, "#talk-to-us audio", TONES["agent"], "the visitor")
        await _hears(desk, "#softphone-audio", TONES["visitor"], "the agent")

        await widget.locator(".cc-talk-hangup").click()
        await events.wait_for(lambda e: e["type"] == "call.ended"
                              and e.get("call_id") == call_id, timeout=10)
        await expect(widget.locator(".cc-talk-status")).to_have_attribute("data-state", "ended")
        arrived = next(e for e in events.of_call(call_id) if e["type"] == "call.arrived")
    assert arrived["dialed"] == "web-support"
    assert arrived["caller"] == ADA  # the contact's number: the CRM files it on Ada's timeline
    assert arrived["web"]["page"] == f"{platform.base_url}/help"
    assert arrived["web"]["contact"]["name"] == "Ada Lovelace"
    record: dict[str, Any] = await api(platform, "GET", f"/api/v1/calls/{call_id}")
    assert record["agent"] == "agent101" and record["direction"] == "inbound"

    async def in_crm() -> bool:
        found = await api(platform, "GET", f"/api/v1/interactions?call_id={call_id}")
        return bool(found["items"])

    await until(in_crm, seconds=15, every=0.3, what="the web call never reached the CRM")
    found = await api(platform, "GET", f"/api/v1/interactions?call_id={call_id}")
    interaction = found["items"][0]
    assert (interaction["channel"], interaction["direction"]) == ("voice", "inbound")
    assert interaction["dialed"] == "web-support"  # the mark of a web call
    assert interaction["contact_id"] is not None


async def _grant(page: Page, target: str) -> dict[str, Any]:
    answer = await page.evaluate("""async (target) => {
      const answer = await window.ccWebCall.askGrant(window.location.origin, target, "");
      return answer.body;
    }""", target)
    return dict(answer)


async def _call_with(page: Page, grant: dict[str, Any], uri: str) -> dict[str, str]:
    """Call ``uri`` with ``grant``'s credential from the page: how the call ended."""
    return dict(await page.evaluate("""([grant, uri]) => new Promise((resolve) => {
      const phone = new window.ccWebCall.WebPhone(grant, { onChange: (p) => {
        if (p.state === "failed" || p.state === "ended") resolve({state: p.state, reason: p.reason});
        if (p.state === "ringing" || p.state === "connected") {
          resolve({state: p.state, reason: ""}); phone.hangup();
        }
      }});
      phone.call(uri);
    })""", [grant, uri]))


async def test_a_grant_calls_its_own_target_and_nothing_else_and_only_once(
        visitor: Page, platform: Platform) -> None:
    await visitor.goto("/help")
    grant = await _grant(visitor, "sales")
    host = grant["call"].split("@", 1)[1]
    # the main IVR, an agent's phone, another target: Asterisk refuses each (404)
    for other in ("5000", "agent101", "web-support"):
        ended = await _call_with(visitor, grant, f"sip:{other}@{host}")
        assert ended["state"] == "failed", (other, ended)
        assert ended["reason"] == "Not Found", (other, ended)
    async with EventWatcher(platform) as events:
        first = await _call_with(visitor, grant, grant["call"])
        assert first["state"] in ("ringing", "connected"), first
        arrived = await events.wait_for(lambda e: e["type"] == "call.arrived"
                                        and e.get("dialed") == "web-sales", timeout=10)
        assert arrived["web"]["target"] == "sales"
        await events.wait_for(lambda e: e["type"] == "call.ended"
                              and e.get("call_id") == arrived["call_id"], timeout=10)
    # used once: its credential is gone from Asterisk, a second call is not let in
    again = await _call_with(visitor, grant, grant["call"])
    assert again["state"] == "failed", again
