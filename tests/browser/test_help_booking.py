"""The help centre's callback form, booked for a time slot, in headless Chromium against
the real platform: the visitor picks one of the times the support queue offers and is
told when they will be called; a number the calling rules refuse is told so on the
spot; the supervisor's board lists the booking with its slot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import AGENTS, QUEUE, SCRIPTS, api, sign_in
from tests.integration.platform import ROOT, Platform, running_platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]

#: open around the clock, so that the test finds slots at any hour it runs
HOURS = {"timezone": "America/New_York",
         "weekly": {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                   "sun")}}
BLOCKED = "+15550009996"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    tmp: Path = tmp_path_factory.mktemp("help-booking")
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "support": {**QUEUE, "hours": HOURS, "callback_slots": {"slot_seconds": 1800}},
        "sales": QUEUE, "operator": QUEUE}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": AGENTS}))
    # the demo's 555 numbers could ring anywhere in North America: a window of the whole
    # day lets the test book at any hour it runs
    sections = {**SCRIPTS, "dialer": {"calling_hours": ["00:00", "23:59"]}}
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          sections=sections) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def help_page(browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=platform.base_url)
    page = await context.new_page()
    response = await page.goto("/help")
    assert response is not None and response.status == 200
    try:
        yield page
    finally:
        await context.close()


async def test_a_visitor_books_a_time_and_is_told_when_they_will_be_called(
        help_page: Page, platform: Platform, browser: Browser) -> None:
    form = help_page.locator("#callback-form")
    await expect(form).to_contain_text("times in America/New York time")
    choices = form.locator("#slot option")
    await expect(choices.first).to_have_text("As soon as an agent is free")
    assert await choices.count() > 2
    label = await choices.nth(2).inner_text()
    await form.locator("[name=name]").fill("Grace Hopper")
    await form.locator("[name=phone]").fill("(555) 000-1002")
    await form.locator("[name=topic]").fill("my invoice")
    await form.locator("#slot").select_option(index=2)
    await form.locator("button").click()
    await expect(help_page.locator("#notice")).to_contain_text(
        f"We will call you back on {label}")
    listed = await api(platform, "GET", "/api/v1/callbacks/bookings")
    booking = listed["bookings"][-1]
    assert (booking["number"], booking["source"], booking["name"], booking["state"]) == (
        "+15550001002", "web", "Grace Hopper", "booked")
    # the supervisor's board lists it with its slot
    board = await sign_in(browser, platform, "supervisor", "/supervisor")
    try:
        row = board.locator(f"#bookings tr[data-booking='{booking['id']}']")
        await expect(row).to_contain_text("+15550001002")
        await expect(row).to_contain_text("my invoice")
        await expect(row).to_contain_text("booked")
    finally:
        await board.context.close()


async def test_a_number_the_rules_refuse_is_told_so_when_it_books(
        help_page: Page, platform: Platform) -> None:
    await api(platform, "POST", "/api/v1/contacts", {
        "first_name": "Dee", "last_name": "Nocall", "do_not_call": True,
        "phones": [{"number": BLOCKED}]})
    form = help_page.locator("#callback-form")
    await form.locator("[name=name]").fill("Dee Nocall")
    await form.locator("[name=phone]").fill(BLOCKED)
    await form.locator("#slot").select_option(index=1)
    await form.locator("button").click()
    await expect(help_page.locator("#help-error")).to_contain_text("do-not-call list")
    listed = await api(platform, "GET", "/api/v1/callbacks/bookings")
    assert BLOCKED not in [booking["number"] for booking in listed["bookings"]]


async def test_a_visitor_moves_then_cancels_their_booking_from_its_private_link(
        help_page: Page, platform: Platform, browser: Browser) -> None:
    form = help_page.locator("#callback-form")
    await form.locator("[name=name]").fill("Ada Lovelace")
    await form.locator("[name=phone]").fill("(555) 000-1003")
    await form.locator("#slot").select_option(index=3)
    await form.locator("button").click()
    # the thanks is on the booking's own page, whose address is the private link
    await expect(help_page.locator("#notice")).to_contain_text("We will call you back on")
    assert "/help/bookings/booking-" in help_page.url
    listed = await api(platform, "GET", "/api/v1/callbacks/bookings")
    booking = next(b for b in listed["bookings"] if b["number"] == "+15550001003")
    board = await sign_in(browser, platform, "supervisor", "/supervisor")
    try:
        row = board.locator(f"#bookings tr[data-booking='{booking['id']}']")
        await expect(row).to_contain_text("booked")
        label = await help_page.locator("#move-slot option").first.inner_text()
        await help_page.locator("#move-slot").select_option(index=0)
        await help_page.locator("#move-form button").click()
        await expect(help_page.locator("#notice")).to_contain_text(
            f"Your call is moved: we will call you back on {label}")
        await help_page.locator("#cancel-form button").click()
        await expect(help_page.locator("#notice")).to_contain_text("Your call is cancelled")
        await expect(help_page.locator("#booking-fixed")).to_contain_text(
            "It can no longer be changed")
        # the board heard the change (callback.changed) and read its list again
        await expect(row).to_contain_text("cancelled")
    finally:
        await board.context.close()
