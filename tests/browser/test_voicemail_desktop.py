"""A voicemail answered end to end, on real parts: a sipp caller (Ada, a demo customer)
leaves a message from the main IVR's more options (9, 1) on real Asterisk; the message
is in the CRM once the call ends; in headless Chromium the supervisor's board lists it
with Ada's contact, flags it overdue past support's age limit and assigns it to
agent101, whose desktop lists it, plays it and marks it handled with a disposition;
the board no longer lists it; Ada's CRM timeline shows it handled. A second message
appears on agent101's open desktop as soon as it is left, with the count beside the
title, without a reload; the board's Handled list shows the first with who handled it,
when and how."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, BrowserContext, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import ADA, AGENTS, QUEUE, SCRIPTS, api, sign_in
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.sipp import Step, call, ulaw_tone
from tests.support import free_ports, until

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("voicemail-desktop")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": QUEUE, "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    # the demo's boxes, with support's age limit so short that the message is overdue
    # by the time the board shows it
    (tmp / "voicemail.yaml").write_text(yaml.safe_dump({
        "mailboxes": {"main": {"queue": "support"}}, "queues": {"support": {"max_age": 1}}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml"),
                               "voicemail": str(tmp / "voicemail.yaml")},
                          sections=SCRIPTS) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def left(platform: Platform) -> dict[str, Any]:
    """Ada's message for the main mailbox (support's box): the API's view of it."""
    return await _leave_message(platform)


async def _leave_message(platform: Platform) -> dict[str, Any]:
    """Ada calls the main IVR, presses 9, 1 and speaks: her message, once it is in the CRM."""
    local, media = free_ports(2)
    speech = ulaw_tone(platform.state_dir / "message.ulaw")
    async with EventWatcher(platform) as watcher:
        # 9, 1: the more options' voicemail; after the beep, three seconds of tone
        result = await call(sip_port=platform.sip_port, number="5000", caller=ADA,
                            steps=[Step(1500, "9"), Step(1500, "1"),
                                   Step(1000, speak=str(speech))], hold_ms=4500,
                            workdir=platform.state_dir, local_port=local, media_port=media)
        assert result.returncode == 0, result.output
        recorded = await watcher.wait_for(lambda e: e["type"] == "voicemail.recorded")
        assert (recorded["mailbox"], recorded["status"]) == ("main", "done"), recorded
        message = await watcher.wait_for(lambda e: e["type"] == "voicemail.message")
    assert (message["call"], message["queue"]) == (recorded["call_id"], "support")
    kept = await api(platform, "GET", f"/api/v1/voicemail/{message['message']}")
    assert kept["duration"] >= 2, kept  # the caller's tone (Asterisk counts whole seconds)
    return kept


async def test_the_board_flags_it_overdue_and_the_supervisor_assigns_it(
        browser: Browser, platform: Platform, left: dict[str, Any]) -> None:
    assert left["contact_id"] and left["caller"] == ADA and left["status"] == "new"
    board = await sign_in(browser, platform, "supervisor", "/supervisor")
    try:
        row = board.locator(f"#voicemail tr[data-message='{left['id']}']")
        await expect(row).to_have_count(1)
        await expect(row.locator("a.vm-contact")).to_have_attribute(
            "href", f"/crm/contacts/{left['contact_id']}")
        # support's limit is a second: unhandled, it is overdue, and the board says so
        await expect(row).to_have_attribute("data-overdue", "true")
        await expect(row).to_have_class("vm-overdue")
        await expect(board.locator("#voicemail-overdue")).to_have_text("1 overdue")
        await row.locator("select.vm-agent").select_option("agent101")
        await row.locator("form.vm-assign button").click()
        await expect(row).to_have_attribute("data-status", "assigned")
        await expect(row).to_contain_text("agent101")
    finally:
        await board.context.close()


async def test_the_agent_plays_and_handles_it_and_the_timeline_shows_it(
        browser: Browser, platform: Platform, left: dict[str, Any]) -> None:
    desk = await sign_in(browser, platform, "agent101", "/agent")
    try:
        row = desk.locator(f"#voicemail tr[data-message='{left['id']}']")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text(ADA)
        await expect(row.locator("a.vm-contact")).to_have_attribute(
            "href", f"/crm/contacts/{left['contact_id']}")
        # played in the page, behind a link of agent101's own
        await row.locator("button.vm-play-button").click()
        player = row.locator("audio.vm-audio")
        await expect(player).to_have_count(1)
        # muted, a page may play without a click (Chromium's autoplay rule); a short
        # message may end before play() settles, so what counts is what was played
        await player.evaluate("a => { a.muted = true; a.currentTime = 0; "
                              "a.play().catch(() => {}); }")
        await desk.wait_for_function("a => a.duration > 1.5 && a.currentTime > 0.5",
                                     arg=await player.element_handle())
        # assigned to agent101 by the supervisor: no Take, but Handled, with a disposition;
        # it leaves the list of open messages
        await expect(row.locator("button.vm-take")).to_have_count(0)
        await row.locator("select.vm-disposition").select_option("called_back")
        await row.locator("input.vm-notes").fill("called Ada back, all sorted")
        await row.locator("form.vm-handle button").click()
        await expect(row).to_have_count(0)
        handled = await api(platform, "GET", f"/api/v1/voicemail/{left['id']}")
        assert (handled["status"], handled["disposition"], handled["handled_by"]) == (
            "handled", "called_back", "agent101")
        # Ada's CRM timeline, in the page the message linked to
        await desk.goto(f"/crm/contacts/{left['contact_id']}")
        await expect(desk.locator("#timeline")).to_contain_text(
            f"Voicemail from {ADA} handled: Called back")
    finally:
        await desk.context.close()


async def test_the_board_lists_only_open_messages(
        browser: Browser, platform: Platform, left: dict[str, Any]) -> None:
    handled = await api(platform, "GET", f"/api/v1/voicemail/{left['id']}")
    assert handled["status"] == "handled"
    board = await sign_in(browser, platform, "supervisor", "/supervisor")
    try:
        await expect(board.locator("#voicemail")).to_have_attribute("data-loaded", "true")
        await expect(board.locator(f"#voicemail tr[data-message='{left['id']}']")
                     ).to_have_count(0)
        await expect(board.locator("#voicemail-empty")).to_have_text("No message waits.")
    finally:
        await board.context.close()


async def test_the_interaction_of_the_call_is_in_the_crm_too(
        platform: Platform, left: dict[str, Any]) -> None:
    found: list[dict[str, Any]] = []

    async def written() -> bool:
        found[:] = (await api(platform, "GET",
                              f"/api/v1/interactions?call_id={left['call_id']}"))["items"]
        return bool(found)

    await until(written, seconds=15, what="the call never reached the CRM", every=0.2)
    assert found[0]["outcome"] == "voicemail"


async def _no_fallback_reload(context: BrowserContext) -> None:
    """The page's half-minute re-read of the list switched off: only its event stream
    can bring a new message."""
    await context.add_init_script(
        "const every = window.setInterval; window.setInterval = "
        "(run, ms, ...rest) => (ms >= 30000 ? 0 : every(run, ms, ...rest));")


async def test_a_message_left_while_the_desktop_is_open_appears_at_once(
        browser: Browser, platform: Platform, left: dict[str, Any]) -> None:
    desk = await sign_in(browser, platform, "agent101", "/agent", _no_fallback_reload)
    try:
        await expect(desk.locator("#voicemail")).to_have_attribute("data-loaded", "true")
        await expect(desk.locator("#voicemail-count")).to_be_hidden()  # nothing waits
        await desk.evaluate("window.sameDocument = true")
        second = await _leave_message(platform)  # in support's box: agent101 works support
        row = desk.locator(f"#voicemail tr[data-message='{second['id']}']")
        await expect(row).to_have_count(1, timeout=3000)  # the CRM has it: seconds at most
        await expect(row).to_contain_text(ADA)
        await expect(row.locator("button.vm-take")).to_have_count(1)
        await expect(desk.locator("#voicemail-count")).to_have_text("1")
        assert await desk.evaluate("window.sameDocument === true")  # no reload
    finally:
        await desk.context.close()


async def test_the_board_lists_handled_messages_with_who_when_and_how(
        browser: Browser, platform: Platform, left: dict[str, Any]) -> None:
    board = await sign_in(browser, platform, "supervisor", "/supervisor")
    try:
        row = board.locator(f"#voicemail tr[data-message='{left['id']}']")
        await expect(board.locator("#voicemail")).to_have_attribute("data-loaded", "true")
        await expect(row).to_have_count(0)  # handled: not among the open ones
        await board.locator("#voicemail-filter").select_option("handled")
        await expect(row).to_have_attribute("data-status", "handled")
        await expect(row.locator(".vm-handled")).to_contain_text("Called back · agent101")
        await expect(row).to_contain_text("called Ada back, all sorted")
        await board.locator("#voicemail-filter").select_option("open")
        await expect(row).to_have_count(0)
        await expect(board.locator("#voicemail-count")).to_have_text("1")  # the second
    finally:
        await board.context.close()
