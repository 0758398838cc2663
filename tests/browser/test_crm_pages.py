"""The CRM pages in headless Chromium against the real platform: an agent finds a contact
by part of their number, opens the card and reads the timeline (a call's disposition,
notes, script answers and times; a case; a note), clicks a number and the platform rings
the agent's phone, then the customer, and the call lands on the timeline; numbers on the
do-not-call list or outside calling hours are refused with the reason; markup in a note
is text; marketing, who may not read contacts, gets 403."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, BrowserContext, Page, expect

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import make_engine, sessions
from tests.browser.support import (
    PASSWORDS,
    agent_phones,
    api,
    browser_platform,
    set_state,
    sign_in,
)
from tests.integration.baresip import AgentPhone
from tests.integration.callee import Callee
from tests.integration.platform import EventWatcher, Platform
from tests.support import free_ports

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
NOTE = "Router reset <script>document.body.dataset.pwned='crm'</script> <i>works now</i>"
CHARLOTTE = "+15550042001"
DEE = "+15550042002"
NIGHT_OWL = "+15550042003"
#: zones from UTC-10 to UTC+14: at any moment it is day in some and night in others
ZONES = ("Pacific/Honolulu", "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
         "Europe/London", "Europe/Berlin", "Asia/Dubai", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "Pacific/Auckland", "Pacific/Kiritimati")
OTHERS = {"mia": ("marketing", "mia-the-marketer"), "sam": ("sales", "sam-the-salesman")}


def _zone(day: bool) -> str:
    """A zone where it is well inside (or well outside) 08:00-21:00 now."""
    now = dt.datetime.now(dt.UTC)
    for name in ZONES:
        hour = now.astimezone(ZoneInfo(name)).hour
        if (10 <= hour <= 18) if day else (hour >= 23 or hour <= 5):
            return name
    raise AssertionError("no zone fits")  # pragma: no cover - the zones span 24 hours


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    with browser_platform(tmp_path_factory.mktemp("crm-pages"), asterisk_install) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phones(platform: Platform, tmp_path_factory: pytest.TempPathFactory,
                 ) -> AsyncIterator[dict[str, AgentPhone]]:
    async with agent_phones(platform, tmp_path_factory.mktemp("crm-phones"),
                            ("agent101",)) as started:
        yield started


async def _record_call(platform: Platform, **fields: Any) -> None:
    """A finished, disposed call in the platform's CRM, through the CRM's own service."""
    settings = load_settings(platform.config, environ=platform.environment())
    engine = make_engine(settings.database)
    try:
        await record_calls(sessions(engine), [CallSummary(**fields)])
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def people(platform: Platform) -> dict[str, dict[str, Any]]:
    """Charlotte (VIP, a disposed call, a case and a note), Dee (do not call), and a
    night owl whose calling hours are over; a marketing and a sales user."""
    account = await api(platform, "POST", "/api/v1/accounts", {
        "name": "Crm Page Works", "segment": "smb"})
    made = {}
    for key, body in {
        "charlotte": {"first_name": "Charlotte", "last_name": "Pagewright", "vip": True,
                      "email": "charlotte@pages.example", "time_zone": _zone(day=True),
                      "account_id": account["id"], "phones": [{"number": CHARLOTTE}]},
        "dee": {"first_name": "Dee", "last_name": "Pagewright", "do_not_call": True,
                "time_zone": _zone(day=True), "phones": [{"number": DEE}]},
        "owl": {"first_name": "Night", "last_name": "Owl", "time_zone": _zone(day=False),
                "phones": [{"number": NIGHT_OWL}]},
    }.items():
        made[key] = await api(platform, "POST", "/api/v1/contacts", body)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    await _record_call(
        platform, call_id="crm-page-call-1", caller=CHARLOTTE, dialed="5000",
        started=started, ended=started + dt.timedelta(seconds=200), outcome="answered",
        queue="support", agent="agent102", wait_seconds=12.0, talk_seconds=185.0,
        wrap_seconds=30.0, recording="support-crm-page-call-1.wav",
        ivr_path=["main", "support"], disposition="resolved", notes=NOTE,
        answers={"problem_area": "wifi", "verified": True})
    charlotte = made["charlotte"]["id"]
    await api(platform, "POST", "/api/v1/cases", {
        "subject": "Router <b>drops</b> at night", "contact_id": charlotte})
    await asyncio.sleep(1.1)  # SQLite keeps the note's time to the second: after the case
    await api(platform, "POST", "/api/v1/activities", {
        "kind": "note", "subject": "Prefers calls after lunch", "contact_id": charlotte,
        "body": "<img src=x onerror=\"document.body.dataset.pwned='img'\">"})
    for username, (role, password) in OTHERS.items():
        await api(platform, "POST", "/api/v1/users", {"username": username, "role": role,
                                                      "password": password})
    PASSWORDS.update({name: password for name, (_role, password) in OTHERS.items()})
    return made


class ScriptErrors(list[str]):
    """The uncaught errors of the pages' scripts in a browser context."""

    async def watch(self, context: BrowserContext) -> None:
        context.on("weberror", lambda error: self.append(str(error.error)))


@pytest_asyncio.fixture(loop_scope="session")
async def agent(browser: Browser, platform: Platform, phones: dict[str, AgentPhone],
                people: dict[str, dict[str, Any]]) -> AsyncIterator[Page]:
    """agent101 signed in on the contacts page; the pages' scripts never fail."""
    await set_state(platform, "agent101", "logged_out")
    errors = ScriptErrors()
    page = await sign_in(browser, platform, "agent101", "/crm/contacts", prepare=errors.watch)
    try:
        yield page
    finally:
        await page.context.close()
        await set_state(platform, "agent101", "logged_out")
    assert errors == []


async def _open_card(page: Page, contact: dict[str, Any]) -> None:
    await page.goto(f"/crm/contacts/{contact['id']}")
    await page.wait_for_selector('body[data-live="live"]')


async def test_an_agent_finds_a_contact_by_phone_and_reads_the_timeline(
        agent: Page, people: dict[str, dict[str, Any]]) -> None:
    await agent.fill("#q", "004-2001")  # part of the number, written any way
    await agent.click("#contact-search button")
    await agent.wait_for_url("**/crm/contacts?q=004-2001")
    rows = agent.locator("#contacts tbody tr")
    await expect(rows).to_have_count(1)
    row = rows.first
    await expect(row.locator("th")).to_have_text("Charlotte Pagewright")
    await expect(row).to_contain_text("Crm Page Works")
    await expect(row.locator(".badge.vip")).to_have_text("VIP")
    await expect(row.locator(f"button.phone[data-number='{CHARLOTTE}']")).to_be_visible()
    await expect(agent.locator("#result-count")).to_contain_text("1–1 of 1 contact")
    await row.locator("a.contact-link").click()
    await agent.wait_for_url(f"**/crm/contacts/{people['charlotte']['id']}")
    # the card
    await expect(agent.locator("#contact-name")).to_have_text("Charlotte Pagewright")
    await expect(agent.locator("#contact-account")).to_contain_text("Crm Page Works")
    await expect(agent.locator(f"#contact-phones button.phone[data-number='{CHARLOTTE}']")
                 ).to_be_visible()
    await expect(agent.locator("#contact-emails")).to_have_text("charlotte@pages.example")
    await expect(agent.locator("#contact-vip")).to_have_text("yes")
    await expect(agent.locator("#contact-dnc")).to_have_text("no")
    await expect(agent.locator("#open-cases")).to_contain_text("Router <b>drops</b> at night")
    # the timeline, newest first: the note, the case, then the call two hours ago
    entries = agent.locator("#timeline > li")
    await expect(entries).to_have_count(3)
    assert await entries.evaluate_all("nodes => nodes.map(n => n.dataset.kind)") == [
        "activity", "case", "interaction"]
    await expect(entries.nth(0)).to_contain_text("Note: Prefers calls after lunch")
    await expect(entries.nth(1)).to_contain_text("Router <b>drops</b> at night")
    call = entries.nth(2)
    await expect(call.locator(".entry-title")).to_have_text("Inbound call")
    await expect(call).to_contain_text("support · agent102 · answered")
    await expect(call.locator(".disposition")).to_have_text("resolved")
    await expect(call).to_contain_text("0:12 · 3:05 · 0:30")
    await expect(call.locator(".recording")).to_have_text("support-crm-page-call-1.wav")
    await expect(call.locator(".answers")).to_contain_text("problem_area")
    await expect(call.locator(".answers")).to_contain_text("wifi")
    # markup in a note, a case subject or an activity's body is text: nothing runs
    await expect(call.locator(".note")).to_have_text(NOTE)
    await expect(entries.nth(0).locator(".note")).to_contain_text("<img src=x")
    assert await agent.locator("#main script, #main i, #main b, #main img").count() == 0
    assert await agent.evaluate("document.body.dataset.pwned") is None
    # the account's card lists its contacts, numbers as buttons too
    await agent.click("#contact-account a")
    await expect(agent.locator("#account-name")).to_have_text("Crm Page Works")
    await expect(agent.locator(f"#contacts button.phone[data-number='{CHARLOTTE}']")
                 ).to_be_visible()


async def test_a_click_on_a_number_rings_the_agent_then_the_customer_and_lands_on_the_timeline(
        agent: Page, platform: Platform, phones: dict[str, AgentPhone],
        people: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    outbound = yaml.safe_load(platform.config.read_text())["asterisk"]["outbound_port"]
    customer = Callee(tmp_path, outbound, free_ports(1)[0])
    await customer.start()
    try:
        await set_state(platform, "agent101", "available")
        await _open_card(agent, people["charlotte"])
        async with EventWatcher(platform) as watcher:
            await agent.click(f"#contact-phones button.phone[data-number='{CHARLOTTE}']")
            result = agent.locator("#call-result")
            await expect(result).to_have_attribute("data-result", "ok")
            await expect(result).to_have_text(f"Your phone rings first, then {CHARLOTTE}.")
            offered = await watcher.wait_for(lambda e: e["type"] == "call.offered"
                                             and e.get("direction") == "outbound")
            assert offered["agent"] == "agent101"
            await phones["agent101"].wait_for("CALL_ESTABLISHED")  # the agent's phone first
            await watcher.wait_for(lambda e: e["type"] == "call.answered"
                                   and e["call_id"] == offered["call_id"], timeout=15)
            await asyncio.sleep(1)
            await phones["agent101"].command("/hangup")
            assert (await customer.finished())[0] == 0
        # the page reads the card again by itself: the call is the newest entry
        newest = agent.locator("#timeline > li").first
        await expect(newest.locator(".entry-title")).to_have_text("Outbound call",
                                                                  timeout=8000)
        await expect(newest).to_contain_text(CHARLOTTE)
        await expect(newest).to_contain_text("agent101 · answered")
    finally:
        await customer.stop()
        await set_state(platform, "agent101", "logged_out")


@pytest.mark.parametrize("who, number, why", [
    ("dee", DEE, f"{DEE} is on the do-not-call list"),
    ("owl", NIGHT_OWL, "outside calling hours: it is"),
])
async def test_a_number_the_rules_forbid_is_refused_with_the_reason(
        agent: Page, people: dict[str, dict[str, Any]], who: str, number: str,
        why: str) -> None:
    await _open_card(agent, people[who])
    if who == "dee":
        await expect(agent.locator("#contact-card .badge.dnc")).to_have_text("do not call")
    await agent.click(f"#contact-phones button.phone[data-number='{number}']")
    result = agent.locator("#call-result")
    await expect(result).to_have_attribute("data-result", "refused")
    await expect(result).to_contain_text(f"Not called: {why}")


async def test_search_pages_through_every_contact(agent: Page) -> None:
    await expect(agent.locator("#contacts tbody tr")).to_have_count(25)
    await expect(agent.locator("#result-count")).to_have_text(re.compile(r"^1–25 of \d+"))
    await agent.click("#pager a[rel=next]")
    await agent.wait_for_url("**/crm/contacts?offset=25")
    await expect(agent.locator("#result-count")).to_have_text(re.compile(r"^26–"))
    await expect(agent.locator("#pager a[rel=prev]")).to_be_visible()
    await agent.fill("#q", "nobody-by-this-name")
    await agent.click("#contact-search button")
    await expect(agent.locator("#result-count")).to_have_text(
        'No contact matches "nobody-by-this-name".')


async def test_marketing_may_not_open_the_crm_pages(
        browser: Browser, platform: Platform, people: dict[str, dict[str, Any]]) -> None:
    context = await browser.new_context(base_url=platform.base_url)
    page = await context.new_page()
    try:
        await page.goto("/login")
        await page.fill("#username", "mia")
        await page.fill("#password", PASSWORDS["mia"])
        await page.click("#sign-in")
        await page.wait_for_url("**/campaigns")  # a campaign manager's own page
        for path in ("/crm/contacts", f"/crm/contacts/{people['charlotte']['id']}"):
            response = await page.goto(path)
            assert response is not None and response.status == 403
            await expect(page.locator("#forbidden")).to_contain_text(path)
        card = await page.request.get(f"/api/v1/contacts/{people['charlotte']['id']}/card")
        assert card.status == 403
    finally:
        await context.close()


async def test_sales_reads_the_pages_and_sees_numbers_it_cannot_call(
        browser: Browser, platform: Platform, people: dict[str, dict[str, Any]]) -> None:
    page = await sign_in(browser, platform, "sam", "/crm/contacts")
    try:
        await _open_card(page, people["charlotte"])
        number = page.locator("#contact-phones .phone-text")
        await expect(number).to_have_text(CHARLOTTE)
        await expect(number).to_have_attribute("title", "the sales role does not place calls")
        assert await page.locator("button.phone").count() == 0
        await expect(page.locator("header nav a[aria-current=page]")).to_have_text("Contacts")
    finally:
        await page.context.close()


async def test_a_contact_that_is_not_there_is_a_404_page(agent: Page) -> None:
    response = await agent.goto("/crm/contacts/987654")
    assert response is not None and response.status == 404
    await expect(agent.locator("#missing")).to_contain_text("no contact with this number")
