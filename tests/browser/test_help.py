"""The help centre (/help) in headless Chromium against the real platform: customers
search the knowledge base, read an article, open a case and ask for a callback, with
no account; its forms refuse a post without the visitor's CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import api, browser_platform
from tests.integration.platform import EventWatcher, Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    # the demo's 555 numbers could ring anywhere in North America: callbacks to them are
    # accepted at any hour of the test only with a window of the whole day
    all_day = {"dialer": {"calling_hours": ["00:00", "23:59"]}}
    with browser_platform(tmp_path_factory.mktemp("help"), asterisk_install,
                          all_day) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def help_page(browser: Browser, platform: Platform) -> AsyncIterator[Page]:
    """A visitor with no account on the help centre."""
    context = await browser.new_context(base_url=platform.base_url)
    page = await context.new_page()
    response = await page.goto("/help")
    assert response is not None and response.status == 200
    try:
        yield page
    finally:
        await context.close()


async def test_a_customer_searches_the_knowledge_base_and_reads_an_article(
        help_page: Page) -> None:
    await help_page.fill("#q", "delivery tracking")
    await help_page.click("#search-form button")
    results = help_page.locator("#results li")
    await expect(results.first).to_be_visible()
    await expect(help_page.locator("#results")).to_contain_text("Track your delivery")
    assert await help_page.locator("#results mark").count() > 0  # the words found, marked
    await help_page.click("#results a:text('Track your delivery')")
    await expect(help_page.locator("#article-title")).to_have_text("Track your delivery")
    await expect(help_page.locator("#article-body")).to_contain_text("tracking link")
    # words nobody wrote about: say so, and point to the case form
    await help_page.goto("/help?q=zeppelinwaffle")
    await expect(help_page.locator("#no-results")).to_contain_text("zeppelinwaffle")


async def test_a_customer_opens_a_case_that_reaches_the_crm(
        help_page: Page, platform: Platform) -> None:
    subject = "<b>Earbuds</b> arrived broken"
    form = help_page.locator("#case-form")
    await form.locator("[name=name]").fill("Ada Lovelace")
    await form.locator("[name=email]").fill("ada@example.com")
    await form.locator("[name=phone]").fill("+1 555 000 1001")
    await form.locator("[name=type]").select_option("problem")
    await form.locator("[name=subject]").fill(subject)
    await form.locator("[name=description]").fill("The left one <script>is</script> silent.")
    await form.locator("button").click()
    notice = help_page.locator("#notice")
    await expect(notice).to_contain_text("Your case number is")
    case_id = re.search(r"case number is (\d+)", await notice.inner_text())
    assert case_id is not None
    case = await api(platform, "GET", f"/api/v1/cases/{case_id[1]}")
    assert (case["subject"], case["channel"], case["type"]) == (subject, "web", "problem")
    assert "ada@example.com" in case["description"]
    ada = (await api(platform, "GET", "/api/v1/customers/lookup?phone=+15550001001"))
    assert case["contact_id"] == ada["contact"]["id"]  # the number on the form is Ada's


async def test_a_customer_asks_for_a_callback_that_waits_in_the_support_queue(
        help_page: Page, platform: Platform) -> None:
    before = (await api(platform, "GET", "/api/v1/queues"))["queues"]["support"]
    form = help_page.locator("#callback-form")
    await form.locator("[name=name]").fill("Grace Hopper")
    await form.locator("[name=phone]").fill("(555) 000-1002")
    await form.locator("[name=topic]").fill("my invoice")
    async with EventWatcher(platform) as watcher:
        await form.locator("button").click()
        await expect(help_page.locator("#notice")).to_contain_text("call you back")
        queued = await watcher.wait_for(lambda e: e["type"] == "call.queued"
                                        and str(e["call_id"]).startswith("web-"))
    assert queued["queue"] == "support"
    after = (await api(platform, "GET", "/api/v1/queues"))["queues"]["support"]
    assert after["waiting"] == before["waiting"] + 1
    # a number nobody can call is refused with the reason
    await help_page.goto("/help")
    await help_page.locator("#callback-form [name=name]").fill("Nobody")
    await help_page.locator("#callback-form [name=phone]").fill("not a number")
    await help_page.locator("#callback-form button").click()
    await expect(help_page.locator("#help-error")).to_contain_text("not a phone number")


async def test_the_forms_refuse_a_post_without_the_visitors_token(
        help_page: Page, platform: Platform) -> None:
    fields = {"name": "Mallory", "email": "m@example.com", "subject": "x", "description": "y"}
    request = help_page.context.request
    refused = await request.post("/help/case", form=fields)  # the cookie, but no token
    assert refused.status == 403
    assert "expired" in await refused.text()
    token = await help_page.locator("#case-form [name=csrf]").get_attribute("value")
    assert token
    stranger = await help_page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=platform.base_url)
    try:  # another visitor's token does not fit this visitor's cookie
        await stranger.request.get("/help")
        refused = await stranger.request.post("/help/case", form={**fields, "csrf": token})
        assert refused.status == 403
    finally:
        await stranger.close()
    # another site cannot post even with a token
    refused = await request.post("/help/callback", form={"csrf": token, "name": "x",
                                                          "phone": "+15550001002"},
                                 headers={"Origin": "https://evil.example"})
    assert refused.status == 403
