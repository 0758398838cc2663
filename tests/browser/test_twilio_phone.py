"""The desktop's Twilio phone in headless Chromium, up to the network edge (there is no
Twilio to reach here).

With Asterisk beside a ``twilio`` section (``serve``'s own wiring, in this process, no
driver started) the panel shows both phones, each with its own state. The agent turns the
phone on with the one button: the page fetches its own access token from the platform
(another agent's is refused), the Voice SDK opens its signalling WebSocket to Twilio and
signs in with that token (``listen``), and when Twilio cannot be reached the panel says so
with the SDK's error. A signalling server that answers as the SDK expects (the message
shapes of its own pstream and device code, not a documented protocol) registers the
phone, gets the fresh token the page fetched when the first was about to expire, and
rings the panel with an invite for client:agent101, which the agent declines. With only
Twilio's phone served, the panel's phone is the Twilio one, and a Twilio that keeps its
socket alive but never confirms the registration is reported after the phone's wait, on a
clock the test moves.

After trouble the phone still takes calls: a call ringing when the signalling drops
leaves the panel and the next one rings; a token refresh the platform fails once is tried
again (the phone stays registered, with a warning) before the token held expires; a call
answered without a microphone says why it ended. With both phones on and auto-answer
checked, a Twilio call that rings while the SIP phone has a call waits for the agent.

Every signalling WebSocket and every other request to Twilio goes to a stand-in
(``twilio_standin``): nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from contactcenter.config.settings import UserSettings, load_settings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.assembled import assembled
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, configured_users, load_secret
from contactcenter.web.twilio_token_routes import TwilioPhones, add_twilio_token_routes
from tests.browser.twilio_standin import UNREACHABLE, Twilio, towards_twilio
from tests.support import until
from tests.unit.twilio_desk import KEY, SECRET, asterisk_not_started, demo_with_api_key
from tests.unit.twilio_fake_api import ACCOUNT, fake_twilio

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORDS = {"agent101": "demo-agent101-pass", "agent102": "demo-agent102-pass"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def served(tmp_path_factory: pytest.TempPathFactory, bundle: None) -> AsyncIterator[str]:
    """The platform as ``serve`` wires Asterisk beside Twilio, its web app on loopback."""
    folder = tmp_path_factory.mktemp("twilio-phone")
    async with fake_twilio() as (_fake, api_base):
        settings = load_settings(demo_with_api_key(folder, api_base),
                                 environ={"CC_DRIVER": "asterisk"})
        asterisk_not_started(settings)
        users = configured_users([u for u in settings.users if u.username in PASSWORDS])
        async with assembled(settings, users) as platform:
            server = TestServer(platform.app, host="127.0.0.1")
            await server.start_server()
            try:
                yield str(server.make_url("")).rstrip("/")
            finally:
                await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def twilio_alone(tmp_path_factory: pytest.TempPathFactory, bundle: None
                       ) -> AsyncIterator[str]:
    """A platform whose only browser phone is Twilio's: the web app with the access
    tokens' route and no SIP account route, as Twilio alone serves the desktop."""
    folder = tmp_path_factory.mktemp("twilio-alone")
    journal = CallJournal(folder / "calls.jsonl")
    journal.open()
    users = configured_users([UserSettings(username="agent101", role="agent",
                                           password=PASSWORDS["agent101"], agent="agent101")])
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator(users, load_secret(folder)), health_check=dict)
    credentials = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret("t" * 32),
                                    api_key=Secret(KEY), api_secret=Secret(SECRET))
    add_twilio_token_routes(app, TwilioPhones(credentials, agents=["agent101"]))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
        journal.close()


async def _desktop(browser: Browser, served: str, end: str
                   ) -> tuple[BrowserContext, Page, Twilio]:
    """agent101 signed in at the desktop, Twilio intercepted."""
    context = await browser.new_context(base_url=served, viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    twilio = Twilio()
    await towards_twilio(page, twilio, end)
    await page.goto("/login?next=/agent")
    await page.fill("#username", "agent101")
    await page.fill("#password", PASSWORDS["agent101"])
    await page.click("#sign-in")
    await page.wait_for_url(re.compile(r"^[^?]*/agent$"))  # not /login?next=/agent
    await page.wait_for_selector('body[data-live="live"]')
    return context, page, twilio


@pytest_asyncio.fixture(loop_scope="session")
async def desktop(browser: Browser, served: str) -> AsyncIterator[tuple[Page, Twilio]]:
    """The desktop with Twilio out of reach."""
    context, page, twilio = await _desktop(browser, served, "unreachable")
    try:
        yield page, twilio
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def answered(browser: Browser, served: str) -> AsyncIterator[tuple[Page, Twilio]]:
    """The desktop with a signalling server that answers as Twilio's would."""
    context, page, twilio = await _desktop(browser, served, "answering")
    try:
        yield page, twilio
    finally:
        await context.close()


async def test_the_panel_shows_both_phones_each_with_its_state(
        desktop: tuple[Page, Twilio]) -> None:
    page, _twilio = desktop
    await expect(page.locator("#softphone-sip")).to_be_visible()
    await expect(page.locator("#softphone-twilio")).to_be_visible()
    await expect(page.locator("#softphone-sip .softphone-name")).to_have_text("Asterisk")
    await expect(page.locator("#softphone-twilio .softphone-name")).to_have_text("Twilio")
    await expect(page.locator("#softphone-twilio-status")).to_have_text("off")


async def test_turned_on_the_twilio_phone_signs_in_with_its_own_token_and_says_twilio_is_out_of_reach(
        desktop: tuple[Page, Twilio]) -> None:
    page, twilio = desktop
    async with page.expect_response(re.compile(r"/api/v1/agents/agent101/twilio-token$")
                                    ) as fetched:
        await page.click("#softphone-toggle")  # one button: both phones
    answer = await fetched.value
    assert answer.status == 200
    token = (await answer.json())["token"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert (claims["iss"], claims["sub"]) == (KEY, ACCOUNT)
    assert claims["grants"]["identity"] == "agent101"

    status = page.locator("#softphone-twilio-status")
    await expect(status).to_have_attribute("data-registration", "failed", timeout=10_000)
    await expect(status).to_have_text("registration failed (Twilio cannot be reached, "
                                      "error 31005)")  # the SDK's signalling ended abnormally
    await expect(page.locator("#softphone-twilio-error")).to_contain_text(
        "ConnectionError (31005)")  # and its own words, on the phone's error line
    first = twilio.messages[0]
    assert first["type"] == "listen"
    assert first["payload"]["token"] == token  # the SDK signs in with the page's token

    # the SIP phone has its own badge: Asterisk was never started, so it cannot register
    sip = page.locator("#softphone-status")
    await expect(sip).not_to_have_attribute("data-registration", "registered")
    await expect(sip).not_to_have_attribute("data-registration", "off")
    await expect(page.locator("#softphone-toggle")).to_have_text("Turn off")

    await page.click("#softphone-toggle")
    await expect(status).to_have_attribute("data-registration", "off")
    await expect(sip).to_have_attribute("data-registration", "off")


async def test_another_agent_s_token_is_refused_to_the_page(
        desktop: tuple[Page, Twilio]) -> None:
    page, _twilio = desktop
    got = await page.evaluate("""async () => {
        const answer = await fetch("/api/v1/agents/agent102/twilio-token");
        return {status: answer.status, body: await answer.json()};
    }""")
    assert got["status"] == 403
    assert "token" not in got["body"]



async def test_registered_the_phone_takes_a_fresh_token_before_the_first_expires(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered
    tokens: list[str] = []

    async def noted(response: Any) -> None:
        if response.url.endswith("/api/v1/agents/agent101/twilio-token"):
            tokens.append((await response.json())["token"])
    page.on("response", noted)
    await page.click("#softphone-toggle")
    status = page.locator("#softphone-twilio-status")
    await expect(status).to_have_attribute("data-registration", "registered", timeout=10_000)
    await expect(status).to_have_text("registered")
    # the first token was about to expire: the page fetched another and the SDK sent it
    await until(lambda: len(twilio.of_type("listen")) >= 2 and len(tokens) >= 2,
                what="the SDK sent a fresh token")
    assert [m["payload"]["token"] for m in twilio.of_type("listen")[:2]] == tokens[:2]
    assert twilio.of_type("register")[0]["payload"]["media"] == {"audio": True}


#: an invite as the SDK takes one (``callsid``, ``sdp``, the call's ``parameters``): the
#: offer is not looked at until the call is accepted, which this test does not do
INVITE = {"callsid": "CA" + "1" * 32, "sdp": "v=0\r\n",
          "parameters": {"CallSid": "CA" + "1" * 32, "From": "+15550001001",
                         "To": "client:agent101"}}


async def test_a_call_to_client_agent_rings_the_twilio_phone_and_is_declined(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered
    await page.click("#softphone-toggle")
    status = page.locator("#softphone-twilio-status")
    await expect(status).to_have_attribute("data-registration", "registered", timeout=10_000)
    assert twilio.socket is not None
    twilio.socket.send(json.dumps({"type": "invite", "version": "1.6", "payload": INVITE}))
    phone = page.locator("#softphone-twilio")
    await expect(phone).to_have_attribute("data-call", "ringing", timeout=5000)
    await expect(page.locator("#softphone-twilio-from")).to_have_text("+15550001001")
    await expect(page.locator("#softphone-twilio-answer")).to_be_visible()
    await expect(page.locator("#softphone-twilio-hangup")).to_have_text("Decline")
    await expect(page.locator("#softphone-sip")).to_have_attribute("data-call", "none")
    await page.click("#softphone-twilio-hangup")
    await expect(phone).to_have_attribute("data-call", "none")
    await until(lambda: bool(twilio.of_type("reject")), what="the SDK rejected the call")
    assert twilio.of_type("reject")[0]["payload"]["callsid"] == INVITE["callsid"]


async def test_on_twilio_alone_the_panel_s_phone_is_the_twilio_one(
        browser: Browser, twilio_alone: str) -> None:
    context, page, twilio = await _desktop(browser, twilio_alone, "unreachable")
    try:
        await expect(page.locator("#softphone-sip")).to_be_hidden()
        await expect(page.locator("#softphone-twilio")).to_be_visible()
        await expect(page.locator("#softphone-twilio .softphone-name")).to_be_hidden()
        await page.click("#softphone-toggle")
        panel = page.locator("#softphone")  # the panel's state is its one phone's
        await expect(panel).to_have_attribute("data-registration", "failed", timeout=10_000)
        assert twilio.of_type("listen")
        await expect(page.locator("#softphone-error")).to_have_text("")  # the SIP one's: idle
    finally:
        await context.close()


async def test_a_registration_never_confirmed_is_reported_after_the_phone_s_wait(
        browser: Browser, twilio_alone: str) -> None:
    context, page, twilio = await _desktop(browser, twilio_alone, "unconfirmed")
    try:
        await page.clock.install()  # the page's timers run on a clock the test moves
        await page.click("#softphone-toggle")
        await until(lambda: bool(twilio.of_type("register")), what="the SDK asked to register")
        first = twilio.socket
        assert first is not None
        status = page.locator("#softphone-twilio-status")
        await expect(status).to_have_attribute("data-registration", "connecting")
        # a heartbeat every 10 s keeps the socket open past the SDK's own 15 s close:
        # only the phone's 20 s wait can tell the agent
        for _ in range(2):
            await page.clock.run_for(10_000)
            first.send("\n")
        await page.clock.run_for(1_000)
        await expect(status).to_have_text("registration failed (Twilio did not answer)")
        await expect(page.locator("#softphone-twilio-error")).to_contain_text(
            "cannot be reached from this browser")
        assert twilio.socket is first  # the same socket all along: the wait spoke
    finally:
        await context.close()


#: a second call to client:agent101, after the first
SECOND = {"callsid": "CA" + "2" * 32, "sdp": "v=0\r\n",
          "parameters": {"CallSid": "CA" + "2" * 32, "From": "+15550002002",
                         "To": "client:agent101"}}


async def _ringing(page: Page, twilio: Twilio, invite: dict[str, Any]) -> None:
    """Twilio's signalling offers ``invite`` to the registered phone; the panel rings."""
    assert twilio.socket is not None
    twilio.socket.send(json.dumps({"type": "invite", "version": "1.6", "payload": invite}))
    await expect(page.locator("#softphone-twilio-from")).to_have_text(
        invite["parameters"]["From"], timeout=5000)
    await expect(page.locator("#softphone-twilio")).to_have_attribute("data-call", "ringing")


async def _registered(page: Page) -> None:
    await page.click("#softphone-toggle")
    await expect(page.locator("#softphone-twilio-status")).to_have_attribute(
        "data-registration", "registered", timeout=10_000)


async def test_a_call_ringing_when_the_signalling_drops_leaves_the_panel_and_the_next_rings(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered
    await _registered(page)
    await _ringing(page, twilio, INVITE)
    first = twilio.socket
    assert first is not None
    # the socket ends abnormally while the call rings (the invite gave no reconnect
    # token): the SDK closes the call with only transportClose, and reconnects
    await first.close(code=UNREACHABLE, reason="")
    await until(lambda: twilio.socket is not first, what="the SDK opened a new socket")
    await expect(page.locator("#softphone-twilio-status")).to_have_attribute(
        "data-registration", "registered", timeout=10_000)
    await expect(page.locator("#softphone-twilio")).to_have_attribute("data-call", "none")
    await _ringing(page, twilio, SECOND)  # the next call to client:agent101 rings
    assert not twilio.of_type("reject")


async def test_a_refresh_that_fails_once_is_tried_again_while_the_phone_stays_registered(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered
    given: list[str] = []  # the tokens the platform gave the page
    asked: list[int] = []
    retried = asyncio.Event()  # the test has seen the warning: the retry may go on

    async def token(route: Route) -> None:
        asked.append(1)
        if len(asked) == 2:  # the first refresh meets a platform that is restarting
            await route.fulfill(status=503, content_type="application/json",
                                body=json.dumps({"error": "the platform is restarting"}))
            return
        if len(asked) == 3:
            await retried.wait()
        response = await route.fetch()
        given.append((await response.json())["token"])
        await route.fulfill(response=response)
    await page.route("**/api/v1/agents/agent101/twilio-token", token)

    await _registered(page)  # the first token lives 60 s on Twilio: a refresh at once
    error = page.locator("#softphone-twilio-error")
    await expect(error).to_contain_text("no new access token", timeout=5000)
    await expect(error).to_contain_text("trying again")
    await expect(page.locator("#softphone-twilio-status")).to_have_text("registered")
    retried.set()
    await until(lambda: len(given) >= 2 and given[1] in
                [m["payload"]["token"] for m in twilio.of_type("listen")], seconds=20,
                what="a fresh token reached Twilio after one failed refresh")
    await expect(error).to_have_text("")  # the warning is taken back
    await expect(page.locator("#softphone-twilio-status")).to_have_text("registered")


async def test_a_call_answered_without_a_microphone_says_why_until_the_next_call(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered
    await page.evaluate("""() => {
        navigator.mediaDevices.getUserMedia = () =>
            Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
    }""")  # the agent refused the microphone
    await _registered(page)
    await _ringing(page, twilio, INVITE)
    await page.click("#softphone-twilio-answer")
    await until(lambda: bool(twilio.of_type("hangup")), what="the SDK ended the call")
    await expect(page.locator("#softphone-twilio")).to_have_attribute("data-call", "none")
    error = page.locator("#softphone-twilio-error")
    await expect(error).to_contain_text("31401")  # the SDK's PermissionDeniedError
    await _ringing(page, twilio, SECOND)
    await expect(error).to_have_text("")  # another call: the last one's error is gone


#: a SIP phone on a call as soon as it is on, in place of the JsSIP bundle
SIP_ON_A_CALL = """export class Phone {
  constructor(account, { onChange }) { this.onChange = onChange; }
  get playsAudio() { return true; }
  start() {
    this.onChange({ registration: "registered", reason: "",
                    call: { id: "sip-1", state: "connected", from: "+15550003003",
                            muted: false } });
  }
  stop() {}
  answer() {}
  hangup() {}
  mute() {}
  async packets() { return { received: 0, sent: 0 }; }
}"""


async def test_auto_answer_leaves_a_twilio_call_ringing_while_the_sip_phone_has_one(
        answered: tuple[Page, Twilio]) -> None:
    page, twilio = answered

    async def sip(route: Route) -> None:
        await route.fulfill(content_type="text/javascript", body=SIP_ON_A_CALL)
    await page.route("**/softphone-sip.js", sip)
    await page.check("#softphone-auto")
    await _registered(page)
    await expect(page.locator("#softphone-sip")).to_have_attribute("data-call", "connected")
    # auto-answer would answer in the same task that shows the call ringing: a ringing
    # panel means the call waits for the agent
    await _ringing(page, twilio, INVITE)
    await expect(page.locator("#softphone-twilio-answer")).to_be_visible()
    assert not twilio.of_type("answer")
