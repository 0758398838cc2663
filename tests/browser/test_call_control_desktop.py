"""Call control from the agent desktop in headless Chromium against the real platform: a
sipp caller talks with agent101 (a baresip phone that answers by itself); the desktop
holds, resumes and mutes the call, shows a transfer the calling rules refuse with their
reason, and hands the call to another queue, whose agent (agent103) sees who had it
before; a consultation turned into a conference that agent101 leaves. The supervisor's
board shows the agent holding, consulting or in a conference beside their ACD state."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import (
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

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
AGENTS = ("agent101", "agent103")
DO_NOT_CALL = "+15550009997"
#: a caller who stays on the line until an agent hangs up (well before this)
LONG_CALL_MS = 90_000


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    # calling hours all day: an outside number is refused only for being on the
    # do-not-call list, whatever the time of the run
    with browser_platform(tmp_path_factory.mktemp("control"), asterisk_install,
                          {"dialer": {"calling_hours": ["00:00", "23:59"]}}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phones(platform: Platform,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
                     dict[str, AgentPhone]]:
    async with agent_phones(platform, tmp_path_factory.mktemp("phones"), AGENTS) as started:
        yield started


@pytest_asyncio.fixture(loop_scope="session")
async def pages(browser: Browser, platform: Platform,
                phones: dict[str, AgentPhone]) -> AsyncIterator[dict[str, Page]]:
    """agent101's and agent103's desktops and the supervisor's board; both agents logged
    out of the queues before and after."""
    for agent in AGENTS:
        await set_state(platform, agent, "logged_out")
    opened: dict[str, Page] = {}
    try:
        for agent in AGENTS:
            opened[agent] = await sign_in(browser, platform, agent, "/agent")
            await expect(opened[agent].locator("#my-state")).to_have_attribute(
                "data-state", "logged_out")
        opened["board"] = await sign_in(browser, platform, "supervisor", "/supervisor")
        await opened["board"].wait_for_selector("body[data-ready=true]")
        yield opened
    finally:
        for page in opened.values():
            await page.context.close()
        for agent in AGENTS:
            await set_state(platform, agent, "logged_out")


async def go_available(desk: Page) -> None:
    await desk.click("#go-available")
    await expect(desk.locator("#my-state")).to_have_attribute("data-state", "available")


async def connected(watcher: EventWatcher, desk: Page, agent: str) -> str:
    """The call ``agent`` answered, once their desktop offers its control; its id."""
    answered = await watcher.wait_for(lambda e: e["type"] == "call.answered")
    assert answered["agent"] == agent, answered
    await expect(desk.locator("#call-status")).to_have_text("connected")
    await expect(desk.locator("#talk-state")).to_have_attribute("data-talk", "talking")
    await expect(desk.locator("#talk-state")).to_have_text("Talking with the caller")
    return str(answered["call_id"])


def event_of(call_id: str, kind: str, **match: Any) -> Any:
    return lambda e: (e["type"] == kind and e.get("call_id") == call_id
                      and all(e.get(key) == value for key, value in match.items()))


def state_cell(board: Page, agent: str) -> Any:
    return board.locator(f'#agents tr[data-agent="{agent}"] td[data-metric="state"]')


async def choose(desk: Page, kind: str, name: str) -> None:
    await desk.select_option("#cc-kind", kind)
    await desk.fill("#cc-to", name)


async def test_hold_resume_mute_a_refused_transfer_and_a_transfer_to_another_queue(
        pages: dict[str, Page], platform: Platform, phones: dict[str, AgentPhone],
        browser: Browser) -> None:
    desk, other, board = pages["agent101"], pages["agent103"], pages["board"]
    await api(platform, "POST", "/api/v1/contacts", {
        "first_name": "Dee", "last_name": "Nocall", "do_not_call": True,
        "phones": [{"number": DO_NOT_CALL}]})
    # the definition of a transferred call's figures, under the queues' table
    await expect(board.locator("#transfer-note")).to_contain_text(
        "A transferred call counts once for the queue it left and once for the queue it "
        "joined: offered and answered in each")
    await go_available(desk)
    talk, result = desk.locator("#talk-state"), desk.locator("#cc-result")
    hold, mute = desk.locator("#cc-hold"), desk.locator("#cc-mute")
    async with EventWatcher(platform) as watcher:
        caller = place_call(platform, new_caller(), "2", hold_ms=LONG_CALL_MS)
        call_id = await connected(watcher, desk, "agent101")
        # talking: hold, mute, transfer and consult fit; the consultation's buttons do not
        await expect(hold).to_have_text("Hold")
        await expect(hold).to_be_enabled()
        for button in ("#cc-complete", "#cc-conference", "#cc-cancel", "#cc-leave",
                       "#cc-transfer"):  # (transfer: no target chosen yet)
            await expect(desk.locator(button)).to_be_disabled()

        # hold: the desktop, the event stream and the board all say so
        await hold.click()
        await expect(talk).to_have_attribute("data-talk", "holding")
        await expect(talk).to_have_text(re.compile(r"^On hold \d:\d\d$"))
        await expect(hold).to_have_text("Resume")
        await expect(hold).to_have_attribute("aria-pressed", "true")
        held = await watcher.wait_for(event_of(call_id, "call.held"))
        assert held["agent"] == "agent101"
        await expect(result).to_have_text("The caller is on hold.")
        await expect(state_cell(board, "agent101")).to_have_text("On call · holding")
        # a board opened now, mid-hold, knows it too (and a desktop reloaded)
        late = await sign_in(browser, platform, "supervisor", "/supervisor")
        try:
            await late.wait_for_selector("body[data-ready=true]")
            await expect(state_cell(late, "agent101")).to_have_text("On call · holding")
        finally:
            await late.context.close()
        await desk.reload()
        await expect(talk).to_have_attribute("data-talk", "holding")
        await expect(hold).to_have_text("Resume")

        # a transfer to a number on the do-not-call list: refused with the reason, and the
        # call stays with agent101, on hold as before
        await choose(desk, "number", DO_NOT_CALL)
        await desk.click("#cc-transfer")
        await expect(result).to_have_attribute("data-result", "refused")
        await expect(result).to_contain_text("is on the do-not-call list")
        refusal = await watcher.wait_for(event_of(call_id, "call.transfer_refused"))
        assert (refusal["rule"], refusal["number"]) == ("do_not_call", DO_NOT_CALL)
        await expect(talk).to_have_attribute("data-talk", "holding")
        await expect(hold).to_have_text("Resume")
        await expect(desk.locator("#my-state")).to_have_attribute("data-state", "on_call")
        agents = (await api(platform, "GET", "/api/v1/agents"))["agents"]
        assert (agents["agent101"]["state"], agents["agent101"]["call_id"]) == (
            "on_call", call_id)
        assert not [e for e in watcher.of_call(call_id) if e["type"] in (
            "call.transferred", "call.requeued", "call.party_left")]

        # resume: talking again
        await hold.click()
        await expect(talk).to_have_attribute("data-talk", "talking")
        await expect(hold).to_have_text("Hold")
        retrieved = await watcher.wait_for(event_of(call_id, "call.retrieved"))
        assert retrieved["held"] > 0
        await expect(state_cell(board, "agent101")).to_have_text("On call")

        # mute and unmute: one toggle
        await mute.click()
        await expect(mute).to_have_text("Unmute")
        await expect(desk.locator("#talk-muted")).to_be_visible()
        await watcher.wait_for(event_of(call_id, "call.muted", muted=True))
        await mute.click()
        await expect(mute).to_have_text("Mute")
        await expect(desk.locator("#talk-muted")).to_be_hidden()
        await watcher.wait_for(event_of(call_id, "call.muted", muted=False))

        # a queue cannot be consulted, only transferred to
        await go_available(other)
        await choose(desk, "queue", "sales")
        await expect(desk.locator("#cc-consult")).to_be_disabled()
        await expect(desk.locator("#cc-transfer")).to_be_enabled()
        await desk.click("#cc-transfer")
        transferred = await watcher.wait_for(event_of(call_id, "call.transferred"))
        assert (transferred["kind"], transferred["to_kind"], transferred["to"]) == (
            "blind", "queue", "sales")
        # agent101: wrap-up, and the call is no longer theirs to control
        await expect(talk).to_have_attribute("data-talk", "none")
        await expect(talk).to_have_text(
            "Transferred to queue sales: no longer yours to control")
        await expect(desk.locator("#my-state")).to_have_attribute("data-state", "wrap_up")
        await expect(desk.locator("#call-status")).to_have_text("transferred")
        for button in ("#cc-hold", "#cc-mute", "#cc-transfer", "#cc-consult"):
            await expect(desk.locator(button)).to_be_disabled()
        # agent103, available in sales, gets the call, and sees who had it before
        answered = await watcher.wait_for(lambda e: e["type"] == "call.answered"
                                          and e.get("agent") == "agent103")
        assert answered["call_id"] == call_id and answered["queue"] == "sales"
        before = other.locator("#handled-before")
        await expect(before).to_be_visible()
        await expect(before.locator("h3")).to_have_text("Handled before")
        entry = before.locator('li[data-agent="agent101"]')
        await expect(entry).to_contain_text("agent101 (Ada Agent)")
        await expect(entry).to_contain_text("no disposition yet")
        await expect(other.locator("#call-queue")).to_have_text("sales")
        await expect(other.locator("#talk-state")).to_have_attribute("data-talk", "talking")
        # agent101's disposition ends their wrap-up
        await desk.check("#disposition-codes input[value=resolved]")
        await desk.fill("#disposition-notes", "Wants to buy: sent to sales")
        await desk.click("#disposition-save")
        await expect(desk.locator("#disposition-result")).to_have_text("Saved.")
        # agent103 hangs up: the call is over
        await phones["agent103"].command("/hangup")
        assert (await caller).returncode == 0
        await expect(other.locator("#my-state")).to_have_attribute("data-state", "wrap_up")
        await expect(other.locator("#talk-state")).to_have_attribute("data-talk", "none")


async def test_a_consultation_becomes_a_conference_that_the_agent_leaves(
        pages: dict[str, Page], platform: Platform, phones: dict[str, AgentPhone]) -> None:
    desk, other, board = pages["agent101"], pages["agent103"], pages["board"]
    await go_available(desk)
    talk, result = desk.locator("#talk-state"), desk.locator("#cc-result")
    async with EventWatcher(platform) as watcher:
        caller = place_call(platform, new_caller(), "2", hold_ms=LONG_CALL_MS)
        call_id = await connected(watcher, desk, "agent101")
        # agent103 is logged out: the platform says why they cannot be consulted
        await choose(desk, "agent", "agent103")
        await desk.click("#cc-consult")
        await expect(result).to_have_attribute("data-result", "refused")
        await expect(result).to_contain_text("agent103 cannot take a call now (logged_out)")
        await expect(talk).to_have_attribute("data-talk", "talking")
        # available now: consulted, their phone answers by itself
        await go_available(other)
        await desk.click("#cc-consult")
        await watcher.wait_for(event_of(call_id, "call.consulting", to="agent103"))
        await expect(talk).to_have_attribute("data-talk", "consulting")
        await watcher.wait_for(event_of(call_id, "call.consult_answered"))
        await expect(talk).to_have_text(re.compile(r"^Consulting agent103 \d:\d\d$"))
        await expect(desk.locator("#cc-hold")).to_be_disabled()
        await expect(desk.locator("#cc-transfer")).to_be_disabled()
        await expect(desk.locator("#cc-leave")).to_be_disabled()
        await expect(desk.locator("#cc-complete")).to_be_enabled()
        await expect(state_cell(board, "agent101")).to_have_text(
            "On call · consulting agent103")
        # the colleague consulted is on a call too (paused ``consult``), not on a break
        await expect(state_cell(board, "agent103")).to_have_text(re.compile(r"^On call consult"))
        # the caller joins them: a conference, which agent101 leaves
        await desk.click("#cc-conference")
        await watcher.wait_for(event_of(call_id, "call.conference"))
        await expect(talk).to_have_attribute("data-talk", "conference")
        await expect(talk).to_contain_text("Conference with the caller and agent103")
        await expect(desk.locator("#cc-cancel")).to_have_text("Drop agent103")
        await expect(desk.locator("#cc-complete")).to_be_disabled()
        await expect(state_cell(board, "agent101")).to_have_text(
            "On call · conference with agent103")
        await desk.click("#cc-leave")
        await watcher.wait_for(event_of(call_id, "agent.talk", agent="agent103",
                                        state="talking"))
        await expect(talk).to_have_attribute("data-talk", "none")
        await expect(talk).to_have_text(
            "You left the conference: the call is no longer yours to control")
        await expect(desk.locator("#my-state")).to_have_attribute("data-state", "wrap_up")
        # the call is agent103's now
        await expect(other.locator("#my-state")).to_have_attribute("data-state", "on_call")
        await expect(other.locator("#talk-state")).to_have_attribute("data-talk", "talking")
        await phones["agent103"].command("/hangup")
        assert (await caller).returncode == 0
        await expect(other.locator("#my-state")).to_have_attribute("data-state", "wrap_up")
