"""The supervisor board and the wallboard in headless Chromium against the real
platform: figures pushed within a second of the change, a definition for every figure,
real callers waiting and abandoning, the live call and the monitor buttons."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.web.pages.metrics import AGENT_METRICS, QUEUE_METRICS
from tests.browser.support import (
    ADA,
    PASSWORDS,
    agent_phones,
    api,
    browser_platform,
    new_caller,
    place_call,
    set_state,
    sign_in,
)
from tests.integration.baresip import AgentPhone
from tests.integration.callee import Callee
from tests.integration.platform import EventWatcher, Platform
from tests.support import free_ports

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
AGENTS = ("agent101", "agent102")
#: the customer agent101 calls, on the outbound peer (a sipp that answers)
CUSTOMER = "+15557770199"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    # calling hours all day: the demo's 555 numbers could be anywhere in North America,
    # and the customer's phone must ring whenever the test runs
    with browser_platform(tmp_path_factory.mktemp("boards"), asterisk_install,
                          {"dialer": {"calling_hours": ["00:00", "23:59"]}}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phones(platform: Platform,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
                     dict[str, AgentPhone]]:
    async with agent_phones(platform, tmp_path_factory.mktemp("phones"), AGENTS) as started:
        yield started


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def supervisor_phone(platform: Platform,
                           tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AgentPhone]:
    """The supervisor user's own phone (supervisor1), the one monitoring may ring."""
    phone = AgentPhone(tmp_path_factory.mktemp("supervisor") / "supervisor1", "supervisor1",
                       "demo-sip-sup-pass", platform.sip_port)
    async with EventWatcher(platform) as watcher:  # a supervisor's phone is no ACD agent
        await phone.start()
        await watcher.wait_for(lambda e: e["type"] == "endpoint.state"
                               and e["endpoint"] == "supervisor1" and e["registered"])
    try:
        yield phone
    finally:
        await phone.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def board(browser: Browser, platform: Platform,
                phones: dict[str, AgentPhone]) -> AsyncIterator[Page]:
    """The supervisor's board, every agent logged out before and after."""
    for agent in AGENTS:
        await set_state(platform, agent, "logged_out")
    page = await sign_in(browser, platform, "supervisor", "/supervisor")
    await page.wait_for_selector("body[data-ready=true]")
    try:
        yield page
    finally:
        await page.context.close()
        for agent in AGENTS:
            await set_state(platform, agent, "logged_out")


def cell(page: Page, queue: str, metric: str) -> object:
    return page.locator(f'#queues tr[data-queue="{queue}"] td[data-metric="{metric}"]')


async def test_every_queue_is_on_the_board_with_its_figures_and_their_definitions(
        board: Page, platform: Platform) -> None:
    stats = (await api(platform, "GET", "/api/v1/queues"))["queues"]
    for queue, figures in stats.items():
        for metric in ("waiting", "offered", "answered", "abandoned", "staffed"):
            await expect(cell(board, queue, metric)).to_have_text(str(figures[metric]))
    # one definition per figure: on the page, and as the title of its column
    terms = await board.locator("#definitions dt").all_text_contents()
    assert terms == [m.label for m in QUEUE_METRICS + AGENT_METRICS]
    for metric in QUEUE_METRICS + AGENT_METRICS:
        header = board.locator(f'thead th[data-metric="{metric.key}"]')
        await expect(header).to_have_attribute("title", metric.definition)
    await expect(board.locator("#scope")).to_contain_text("all queues")


async def test_an_agent_state_change_reaches_the_board_within_a_second(
        board: Page, platform: Platform) -> None:
    row = board.locator('#agents tr[data-agent="agent101"]')
    await expect(row).to_have_attribute("data-state", "logged_out")
    started = time.monotonic()
    await set_state(platform, "agent101", "available")
    await expect(row).to_have_attribute("data-state", "available", timeout=1000)
    assert time.monotonic() - started < 1.0
    await expect(cell(board, "support", "agents_by_state")).to_contain_text("1 Available")
    await expect(cell(board, "support", "staffed")).to_have_text("1", timeout=1000)
    # a pause reason with markup is shown as text, and nothing runs
    markup = "<img src=x onerror=alert(1)>"
    started = time.monotonic()
    await set_state(platform, "agent101", "paused", markup)
    await expect(row.locator(".reason")).to_have_text(markup, timeout=1000)
    assert time.monotonic() - started < 1.0
    assert await board.locator("#agents img").count() == 0
    # time in state counts up in the page
    await expect(row.locator('[data-metric="time_in_state"]')).to_have_text("0:01",
                                                                          timeout=3000)


async def test_an_agent_on_a_call_of_their_own_shows_and_counts_on_a_call_not_paused(
        board: Page, platform: Platform, phones: dict[str, AgentPhone],
        tmp_path: Path) -> None:
    """An agent who places a call (click-to-talk) is paused ``outbound`` by the platform;
    the history counts that time busy, and so does the board. (A colleague consulting
    them, ``consult``: tests/browser/test_call_control_desktop.py.)"""
    row = board.locator('#agents tr[data-agent="agent101"]')
    states = cell(board, "support", "agents_by_state")
    await set_state(platform, "agent101", "available")
    await expect(cell(board, "support", "staffed")).to_have_text("1", timeout=1000)
    customer = Callee(tmp_path, _outbound_port(platform), free_ports(1)[0])
    await customer.start()
    try:
        async with EventWatcher(platform) as watcher:
            placed = await _click_to_talk(platform, "agent101", CUSTOMER)
            await watcher.wait_for(lambda e: e["type"] == "call.answered"
                                   and e["call_id"] == placed["call_id"], timeout=15)
            await expect(row).to_have_attribute("data-state", "on_call", timeout=1000)
            await expect(row.locator('[data-metric="state"]')).to_have_text("On call outbound")
            await expect(row).to_have_attribute("data-reason", "outbound")
            await expect(states).to_contain_text("1 On call", timeout=1000)
            await expect(states).not_to_contain_text("Paused")
            await expect(cell(board, "support", "staffed")).to_have_text("1", timeout=1000)
            figures = (await api(platform, "GET", "/api/v1/agents"))["agents"]["agent101"]
            assert (figures["state"], figures["reason"]) == ("paused", "outbound")
            await phones["agent101"].command("/hangup")
            await watcher.wait_for(lambda e: e["type"] == "call.ended"
                                   and e["call_id"] == placed["call_id"])
        assert (await customer.finished())[0] == 0  # the customer got the BYE
    finally:
        await customer.stop()
    await expect(row).not_to_have_attribute("data-state", "on_call", timeout=5000)
    figures = (await api(platform, "GET", "/api/v1/agents"))["agents"]["agent101"]
    assert figures["paused_for_calls"] > 0
    # a break is a pause: counted so, and out of staffed
    await set_state(platform, "agent101", "paused", "break")
    await expect(row).to_have_attribute("data-state", "paused", timeout=1000)
    await expect(states).to_contain_text("1 Paused", timeout=1000)
    await expect(states).not_to_contain_text("On call")
    await expect(cell(board, "support", "staffed")).to_have_text("0", timeout=1000)


def _outbound_port(platform: Platform) -> int:
    """The port of the platform's outbound peer, where the customer's phone answers."""
    return int(yaml.safe_load(platform.config.read_text())["asterisk"]["outbound_port"])


async def _click_to_talk(platform: Platform, agent: str, number: str) -> dict[str, Any]:
    """The agent clicks ``number`` (as themselves, with their own token)."""
    token = await asyncio.to_thread(platform.login, agent, PASSWORDS[agent])
    own = dataclasses.replace(platform, token=token)
    return dict(await api(own, "POST", "/api/v1/click-to-talk", {"number": number}))


async def test_a_waiting_caller_and_their_hang_up_move_the_queue_within_a_second(
        board: Page, platform: Platform) -> None:
    before = (await api(platform, "GET", "/api/v1/queues"))["queues"]["support"]
    async with EventWatcher(platform) as watcher:
        caller = place_call(platform, new_caller(), "2", hold_ms=3500)  # nobody is available
        await watcher.wait_for(lambda e: e["type"] == "call.queued")
        await expect(cell(board, "support", "waiting")).to_have_text("1", timeout=1000)
        await expect(cell(board, "support", "longest_wait")).to_have_text("0:01", timeout=3000)
        assert (await caller).returncode == 0
        await watcher.wait_for(lambda e: e["type"] == "call.abandoned")
        abandoned = str(before["abandoned"] + 1)
        await expect(cell(board, "support", "abandoned")).to_have_text(abandoned, timeout=1000)
        await expect(cell(board, "support", "waiting")).to_have_text("0", timeout=1000)


async def test_the_live_call_is_on_the_board_with_listen_whisper_and_barge(
        board: Page, platform: Platform, supervisor_phone: AgentPhone) -> None:
    await set_state(platform, "agent101", "available")
    row = board.locator('#agents tr[data-agent="agent101"]')
    async with EventWatcher(platform) as watcher:
        caller = place_call(platform, ADA, "2", hold_ms=6000)
        await watcher.wait_for(lambda e: e["type"] == "call.answered")
        await expect(row).to_have_attribute("data-state", "on_call", timeout=1000)
        current = row.locator('[data-metric="current_call"]')
        await expect(current).to_have_text(f"{ADA} · support")
        await expect(current).to_have_attribute("data-engine", "asterisk")  # as recorded
        await expect(row.locator('[data-metric="calls"]')).to_have_text("1")
        for mode in ("listen", "whisper", "barge"):
            await expect(row.locator(f'button[data-mode="{mode}"]')).to_be_visible()
        # another agent's phone is refused: monitoring rings only the supervisor's own
        await board.fill("#my-phone", "agent102")
        await row.locator('button[data-mode="listen"]').click()
        result = board.locator("#monitor-result")
        await expect(result).to_have_attribute("data-result", "refused")
        await expect(result).to_contain_text("not your phone")
        options = board.locator("#endpoints option")
        assert await options.evaluate_all("os => os.map(o => o.value)") == [
            "supervisor1", "supervisor1-web"]
        # the supervisor listens from their own phone (which answers by itself)
        await board.fill("#my-phone", "supervisor1")
        await row.locator('button[data-mode="listen"]').click()
        await expect(result).to_have_attribute("data-result", "ok")
        await expect(result).to_contain_text("listen: your phone rings")
        assert (await caller).returncode == 0
        await expect(row).to_have_attribute("data-state", "wrap_up", timeout=5000)


async def test_the_wallboard_shows_each_queue_big_and_follows_the_agents(
        browser: Browser, platform: Platform, phones: dict[str, AgentPhone]) -> None:
    await set_state(platform, "agent102", "logged_out")
    wall = await sign_in(browser, platform, "supervisor", "/wallboard")
    try:
        stats = (await api(platform, "GET", "/api/v1/queues"))["queues"]
        for queue, figures in stats.items():
            tile = wall.locator(f'.tile[data-queue="{queue}"]')
            await expect(tile.locator('[data-metric="waiting"]')).to_have_text(
                str(figures["waiting"]))
            await expect(tile.locator('[data-metric="abandoned"]')).to_have_text(
                str(figures["abandoned"]))
        terms = await wall.locator("#definitions dt").all_text_contents()
        assert terms == [m.label for m in QUEUE_METRICS]
        states = wall.locator('.tile[data-queue="sales"] [data-metric="agents_by_state"]')
        started = time.monotonic()
        await set_state(platform, "agent102", "available")
        await expect(states).to_contain_text("1 Available", timeout=1000)
        assert time.monotonic() - started < 1.0
    finally:
        await wall.context.close()
        await set_state(platform, "agent102", "logged_out")
