"""Call control with the browser phone: agent101's only phone is the WebRTC softphone in
their desktop, in headless Chromium against the real platform. A caller (a baresip phone
that dials straight into the support queue and keeps what it hears) reaches agent101
through the ACD; agent101 answers in the page and, from the desktop's control bar, holds
and resumes the call, or hands it blind to agent103, whose baresip phone answers by
itself.

Every microphone sends a tone of its own (Chromium's fake one plays a WAV file of
agent101's), so what the caller recorded says whom they heard when: agent101 through
the browser, the queue's music on hold, agent103 after the transfer. The assertions
read the desktop, the event stream, the call's record and that audio. A last test gives
agent101 a desk phone as well: turning the page's phone off leaves the desktop saying
that agent101 has a phone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.conftest import chromium_path
from tests.browser.support import (
    DIRECT,
    agent_phones,
    api,
    browser_platform,
    media_browser,
    set_state,
    sign_in,
    turn_phone_on,
)
from tests.integration.audio import Heard, assert_heard, assert_music, write_tone
from tests.integration.baresip import AgentPhone
from tests.integration.platform import EventWatcher, Platform
from tests.support import until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: between two notes of the scale, where hold music has little energy of its own;
#: agent109's phone is the caller's
TONES = {"agent101": 1141, "agent103": 1710, "agent109": 300}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             bundle: None, tools: None) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("webrtc-control"), asterisk_install,
                          direct=True) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def toned_browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    """A Chromium whose fake microphone plays agent101's tone."""
    tone = write_tone(tmp_path_factory.mktemp("microphone") / "agent101.wav",
                      TONES["agent101"])
    async with media_browser(chromium_path(), tone) as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def desk(toned_browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    """agent101's desktop, its browser phone on (agent101 has no other), available."""
    await set_state(platform, "agent101", "logged_out")
    page = await sign_in(toned_browser, platform, "agent101", "/agent")
    try:
        await turn_phone_on(page)
        # the page's phone has its 200 OK; the desktop says so once the platform knows
        await expect(page.locator("#my-phone")).to_have_attribute("data-registered", "true",
                                                                  timeout=10_000)
        await page.click("#go-available")
        await expect(page.locator("#my-state")).to_have_attribute("data-state", "available")
        yield page
    finally:
        await page.context.close()  # the page's phone un-registers with it
        await until(lambda: _unregistered(platform, "agent101"), seconds=15, every=0.1,
                    what="agent101's browser phone still registered after its page closed")
        await set_state(platform, "agent101", "logged_out")


async def _unregistered(platform: Platform, agent: str) -> bool:
    return not (await api(platform, "GET", "/api/v1/agents"))["agents"][agent]["registered"]


@pytest_asyncio.fixture(loop_scope="session")
async def phones(platform: Platform, tmp_path: Path) -> AsyncIterator[dict[str, AgentPhone]]:
    """agent103's baresip phone (logged out of the queues until a test says) and the
    caller's, which records what it hears."""
    caller = AgentPhone(tmp_path / "caller", "agent109", "demo-sip-109-pass",
                        platform.sip_port, tone=TONES["agent109"], record=True)
    try:
        async with EventWatcher(platform) as watcher:
            await caller.start()
            await watcher.wait_for(lambda e: e["type"] == "endpoint.state"
                                   and e["endpoint"] == "agent109" and e["registered"])
        async with agent_phones(platform, tmp_path, ("agent103",), TONES) as started:
            await set_state(platform, "agent103", "logged_out")
            yield {**started, "caller": caller}
    finally:
        await caller.stop()


class Call:
    """The caller's call, answered in agent101's page, and the platform's news of it.

    Its times are seconds since agent101 answered. The caller's phone records only the
    sound that reaches it: nothing while the caller waits in a queue (before agent101
    answers, and after a blind transfer until the next agent does), so its recording
    starts as agent101 answers and, once the caller has waited again, its later part is
    placed from its end, which is the caller's hang-up (``recorded``).
    """

    def __init__(self, platform: Platform, desk: Page, caller: AgentPhone,
                 watcher: EventWatcher) -> None:
        self.platform, self.desk, self.caller, self.watcher = platform, desk, caller, watcher
        self.call_id = ""
        self._start = 0.0
        self._hung_up = 0.0

    async def place(self) -> None:
        """Dial the queue; agent101's browser phone rings and the agent answers it."""
        await self.caller.command("dial", DIRECT)
        await self.caller.wait_for("CALL_ESTABLISHED", timeout=15)
        offered = await self.watcher.wait_for(lambda e: e["type"] == "call.offered"
                                              and e.get("agent") == "agent101")
        self.call_id = offered["call_id"]
        phone = self.desk.locator("#softphone")
        await expect(phone).to_have_attribute("data-call", "ringing", timeout=10_000)
        await self.desk.click("#softphone-answer")
        await expect(phone).to_have_attribute("data-call", "connected", timeout=15_000)
        answered = await self.event("call.answered")
        self._start = asyncio.get_running_loop().time()
        assert answered["agent"] == "agent101", answered
        # the caller's tone reaches the page (its inbound RTP count rises)
        await expect(self.desk.locator("#softphone-media")).to_have_attribute(
            "data-received", re.compile(r"^[1-9][0-9]*$"), timeout=10_000)
        await expect(self.desk.locator("#call-status")).to_have_text("connected")
        await expect(self.desk.locator("#talk-state")).to_have_attribute("data-talk",
                                                                         "talking")

    def now(self) -> float:
        """Seconds since agent101 answered."""
        return asyncio.get_running_loop().time() - self._start

    def recorded(self, heard: Heard, at: float) -> float:
        """Where the moment ``at`` (after the caller's last wait) is in their recording."""
        return heard.seconds - (self._hung_up - at)

    async def event(self, kind: str, **match: Any) -> dict[str, Any]:
        return await self.watcher.wait_for(
            lambda e: e["type"] == kind and e.get("call_id") == self.call_id
            and all(e.get(key) == value for key, value in match.items()))

    async def hang_up(self) -> dict[str, Any]:
        """The caller hangs up; the call's end."""
        self._hung_up = self.now()
        await self.caller.command("/hangup")
        await self.caller.wait_for("CALL_CLOSED")
        return await self.event("call.ended")

    async def record(self) -> dict[str, Any]:
        return dict(await api(self.platform, "GET", f"/api/v1/calls/{self.call_id}"))

    def heard(self) -> Heard:
        return Heard.read(self.caller.heard())


async def listen(seconds: float) -> None:
    """Let the call run for a stretch of sound to judge (the test's own sound, not a wait
    for the platform)."""
    await asyncio.sleep(seconds)


def heard_agent(heard: Heard, start: float, end: float, who: str) -> None:
    assert_heard(heard, start, end, who, TONES[who])


def heard_music(heard: Heard, start: float, end: float) -> None:
    assert_music(heard, start, end, {agent: TONES[agent] for agent in ("agent101", "agent103")})


async def test_a_caller_held_and_resumed_from_the_desktop_of_a_browser_phone(
        platform: Platform, desk: Page, phones: dict[str, AgentPhone]) -> None:
    talk, hold = desk.locator("#talk-state"), desk.locator("#cc-hold")
    phone = desk.locator("#softphone")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, desk, phones["caller"], watcher)
        await call.place()
        talking = call.now()
        await listen(3)

        await hold.click()
        held = await call.event("call.held")
        on_hold = call.now()
        assert held["agent"] == "agent101"
        await expect(talk).to_have_attribute("data-talk", "holding")
        await expect(talk).to_have_text(re.compile(r"^On hold \d:\d\d$"))
        await expect(hold).to_have_text("Resume")
        await expect(desk.locator("#cc-result")).to_have_text("The caller is on hold.")
        shown = await api(platform, "GET", f"/api/v1/calls/{call.call_id}/control")
        assert (shown["state"], shown["agent"]) == ("holding", "agent101")
        await listen(4)
        # all the while the agent's leg stays up: the page's phone is still on the call
        await expect(phone).to_have_attribute("data-call", "connected")

        await hold.click()
        retrieved = await call.event("call.retrieved")
        back = call.now()
        assert retrieved["held"] >= 3.5, retrieved
        await expect(talk).to_have_attribute("data-talk", "talking")
        await expect(hold).to_have_text("Hold")
        await expect(desk.locator("#cc-result")).to_have_text("The caller is back with you.")
        await listen(3)
        done = call.now()

        ended = await call.hang_up()
        assert ended["outcome"] == "answered"
        summary = await call.event("call.control_ended")
        assert summary["held_total"] >= 3.5 and summary["handled_by"] == ["agent101"]
        await expect(phone).to_have_attribute("data-call", "none", timeout=10_000)
        await expect(desk.locator("#my-state")).to_have_attribute("data-state", "wrap_up")

    record = await call.record()
    kinds = [event["type"] for event in record["events"]]
    assert kinds.index("call.held") < kinds.index("call.retrieved") < kinds.index("call.ended")
    assert record["held"] == pytest.approx(retrieved["held"], abs=0.01)
    assert (record["agent"], record["agents"]) == ("agent101", ["agent101"])
    heard = call.heard()
    # sound all the while from the answer on (the agent, the music): placed from the end
    talking, on_hold, back, done = (call.recorded(heard, at)
                                    for at in (talking, on_hold, back, done))
    heard_agent(heard, talking, on_hold, "agent101")
    heard_music(heard, on_hold, back)
    heard_agent(heard, back, done, "agent101")


async def test_a_blind_transfer_from_the_desktop_of_a_browser_phone_to_another_agent(
        platform: Platform, desk: Page, phones: dict[str, AgentPhone]) -> None:
    talk, phone = desk.locator("#talk-state"), desk.locator("#softphone")
    async with EventWatcher(platform) as watcher:
        call = Call(platform, desk, phones["caller"], watcher)
        await call.place()
        talking = call.now()
        # agent103 only now: the call was agent101's to take, the transfer is agent103's
        assert (await set_state(platform, "agent103", "available"))["state"] == "available"
        await listen(3)

        await desk.select_option("#cc-kind", "agent")
        await desk.fill("#cc-to", "agent103")
        await desk.click("#cc-transfer")
        transferred = await call.event("call.transferred")
        left = call.now()
        assert (transferred["kind"], transferred["to_kind"], transferred["to"]) == (
            "blind", "agent", "agent103")
        # agent101's part is over: the page's phone let go of the call, wrap-up
        await expect(phone).to_have_attribute("data-call", "none", timeout=10_000)
        await expect(talk).to_have_attribute("data-talk", "none")
        await expect(talk).to_have_text(
            "Transferred to agent agent103: no longer yours to control")
        await expect(desk.locator("#call-status")).to_have_text("transferred")
        await expect(desk.locator("#my-state")).to_have_attribute("data-state", "wrap_up")
        for button in ("#cc-hold", "#cc-mute", "#cc-transfer", "#cc-consult"):
            await expect(desk.locator(button)).to_be_disabled()

        # agent103's phone answers: the caller talks with them
        answered = await call.event("call.answered", agent="agent103")
        assert answered["queue"] == "support"
        await phones["agent103"].wait_for("CALL_ESTABLISHED", timeout=15)
        with_next = call.now()
        shown = await api(platform, "GET", f"/api/v1/calls/{call.call_id}/control")
        assert (shown["state"], shown["agent"]) == ("talking", "agent103")
        agents = (await api(platform, "GET", "/api/v1/agents"))["agents"]
        assert (agents["agent103"]["state"], agents["agent103"]["call_id"]) == (
            "on_call", call.call_id)
        await listen(3)
        done = call.now()

        ended = await call.hang_up()
        assert ended["outcome"] == "answered"
        summary = await call.event("call.control_ended")
        assert summary["handled_by"] == ["agent101", "agent103"]
        await phones["agent103"].wait_for("CALL_CLOSED")

    record = await call.record()
    assert (record["agent"], record["agents"]) == ("agent103", ["agent101", "agent103"])
    on_call = [(party["role"], party["who"]) for party in record["parties"]]
    assert ("agent", "agent101") in on_call and ("agent", "agent103") in on_call
    first = next(party for party in record["parties"] if party["who"] == "agent101")
    assert first["left"] is not None and first["left"] <= answered["time"]
    heard = call.heard()
    heard_agent(heard, talking, left, "agent101")  # before the caller waited again
    heard_agent(heard, call.recorded(heard, with_next), call.recorded(heard, done), "agent103")


async def test_the_desktop_says_the_phone_is_registered_while_either_phone_is(
        platform: Platform, toned_browser: Browser, tmp_path: Path) -> None:
    """agent101 has a desk phone too: turning the page's phone off leaves them one, and the
    desktop says so (the news of the browser phone's going is about that phone only)."""
    await set_state(platform, "agent101", "logged_out")
    async with agent_phones(platform, tmp_path, ("agent101",)):
        page = await sign_in(toned_browser, platform, "agent101", "/agent")
        try:
            mine = page.locator("#my-phone")
            await expect(mine).to_have_attribute("data-registered", "true")
            async with EventWatcher(platform) as watcher:
                await turn_phone_on(page)
                await watcher.wait_for(lambda e: e["type"] == "endpoint.state"
                                       and e["endpoint"] == "agent101-web" and e["registered"])
                await page.click("#softphone-toggle")
                await expect(page.locator("#softphone-status")).to_have_attribute(
                    "data-registration", "off")
                await watcher.wait_for(lambda e: e["type"] == "endpoint.state"
                                       and e["endpoint"] == "agent101-web"
                                       and e["registered"] is False)
            # news after the phone's on the page's own stream: by then the page had that too
            await set_state(platform, "agent101", "paused")
            await expect(page.locator("#my-state")).to_have_attribute("data-state", "paused")
            await expect(mine).to_have_attribute("data-registered", "true")
            await expect(mine).to_have_text("registered")
        finally:
            await page.context.close()
