"""Edge cases of the managers' analytics pages in headless Chromium."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, Route, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from contactcenter.web.sessions import COOKIE
from crm_core import rfm
from crm_core.db import make_engine, migrate, sessions
from crm_core.models import User
from crm_core.seed import seed_demo
from crm_core.users import hash_password, load_users
from tests.browser.test_analytics_pages import (
    AGENT,
    MANAGER,
    PASSWORD,
    SUPERVISOR,
    Site,
    _bundle,
    _signed_in,
)
from tests.support import until

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _crm(folder: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'crm.db'}")
    await migrate(engine)
    crm = sessions(engine)
    await seed_demo(crm, customers=200)
    today = dt.datetime.now(dt.UTC).date()
    await rfm.recompute(crm, as_of=today, now=dt.datetime.now(dt.UTC))
    secret = hash_password(PASSWORD)
    async with crm() as session, session.begin():
        await session.execute(update(User).where(User.username.in_((SUPERVISOR, AGENT)))
                              .values(password_hash=secret, active=True))
        session.add(User(username=MANAGER, role="manager", active=True, password_hash=secret))
    return engine


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    _bundle()
    folder = tmp_path_factory.mktemp("analytics-edges")
    engine = await _crm(folder)
    auth = Authenticator(await load_users(sessions(engine)), load_secret(folder))
    journal = CallJournal(folder / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, auth=auth, health_check=dict,
                     database=sessions(engine))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Site(client, auth, engine)
    finally:
        await client.close()
        journal.close()
        await engine.dispose()


async def test_signing_in_ends_on_the_page_asked_for_with_the_session_cookie(
        browser: Browser, site: Site) -> None:
    """The 401 an agent got opening a page right after /crm/contacts: the sign-in helper's
    ``**/crm/contacts`` glob matched the sign-in page itself (``/login?next=/crm/contacts``),
    so the next page was asked for before the sign-in had answered, with no cookie."""
    page = await _signed_in(browser, site, AGENT, "/crm/contacts")
    assert urlsplit(page.url).path == "/crm/contacts"
    assert COOKIE in {cookie["name"] for cookie in await page.context.cookies()}
    await page.context.close()


async def test_an_agent_opens_pages_one_after_another_without_a_401(
        browser: Browser, site: Site) -> None:
    """No wait between pages: each answers at once, none sends the agent to sign in."""
    page = await _signed_in(browser, site, AGENT, "/crm/contacts")
    answers = []
    for path in ("/agent", "/crm/contacts", "/analytics", "/crm/contacts", "/help",
                 "/crm/contacts", "/analytics/customers"):
        got = await page.goto(path)
        answers.append((path, got.status if got else None, urlsplit(page.url).path))
    assert answers == [("/agent", 200, "/agent"), ("/crm/contacts", 200, "/crm/contacts"),
                       ("/analytics", 403, "/analytics"),
                       ("/crm/contacts", 200, "/crm/contacts"), ("/help", 200, "/help"),
                       ("/crm/contacts", 200, "/crm/contacts"),
                       ("/analytics/customers", 403, "/analytics/customers")]
    await page.context.close()


async def test_an_answer_that_comes_late_does_not_replace_a_later_choice(
        browser: Browser, site: Site) -> None:
    """The weekly history asked first and answered last was drawn over the hourly one the
    manager chose after it: the picker said hour, the charts and the table showed weeks."""
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await expect(page.locator("#history-status")).to_have_attribute("data-state", "shown")
    weekly_asked = asyncio.Event()
    release = asyncio.Event()

    async def hold_weekly(route: Route) -> None:
        if "interval=week" in route.request.url:
            weekly_asked.set()
            await release.wait()
        await route.continue_()

    await page.route("**/api/v1/analytics/calls?*", hold_weekly)
    await page.select_option("#interval", "week")
    await until(weekly_asked.is_set, what="the weekly history was never asked for")
    await page.select_option("#interval", "hour")
    status = page.locator("#history-status")
    await expect(status).to_contain_text("hour by queue")
    hourly = await page.locator("#history-table tbody tr").count()
    async with page.expect_response(lambda answer: "interval=week" in answer.url):
        release.set()
    await expect(page.locator("body")).to_have_attribute("data-history-answers", "3")
    await expect(status).to_contain_text("hour by queue")
    await expect(page.locator("#history-table tbody tr")).to_have_count(hourly)
    await page.context.close()


async def test_a_refused_history_or_staffing_leaves_no_old_figures_on_the_page(
        browser: Browser, site: Site) -> None:
    """After a refusal the page said "Not shown" beside the charts and table of the
    answer before, as if they were the figures of what had just been asked."""
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await expect(page.locator("#history-status")).to_have_attribute("data-state", "shown")
    await expect(page.locator("#staffing-status")).to_have_attribute("data-state", "shown")
    await page.fill("#to", await page.input_value("#from"))  # to not after from: a 422
    await page.click("#history-form button[type=submit]")
    await expect(page.locator("#history-status")).to_have_attribute("data-state", "error")
    await expect(page.locator("#history-table tbody tr")).to_have_count(0)
    await expect(page.locator("#history-charts canvas")).to_have_count(0)
    # its CSV would have been the refusal saved as a file
    assert await page.get_attribute("#history-csv", "href") is None
    far = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=60)
    await page.fill("#day", far.isoformat())  # beyond the days a forecast may reach
    await page.click("#staffing-form button[type=submit]")
    await expect(page.locator("#staffing-status")).to_have_attribute("data-state", "error")
    assert await page.evaluate("() => window.analyticsChart('staffing-chart')") is None
    assert await page.get_attribute("#staffing-csv", "href") is None
    await page.context.close()


def _row(start: str, offered: int) -> dict[str, object]:
    return {"key": "sales", "start": start, "offered": offered, "answered": offered,
            "service_level": 1.0}


async def test_a_day_without_calls_keeps_its_place_on_the_chart(
        browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await expect(page.locator("#history-status")).to_have_attribute("data-state", "shown")
    answer = {"from": "2026-11-02T00:00:00+00:00", "to": "2026-11-05T00:00:00+00:00",
              "by": "queue", "interval": "day",
              "rows": [_row("2026-11-02T00:00:00+00:00", 5),
                       _row("2026-11-04T00:00:00+00:00", 7)]}

    async def gap(route: Route) -> None:
        await route.fulfill(json=answer)

    await page.route("**/api/v1/analytics/calls?*", gap)
    await page.click("#history-form button[type=submit]")
    await expect(page.locator("#history-status")).to_contain_text("2 rows")
    drawn = await page.evaluate("() => window.analyticsChart('chart-offered')")
    assert drawn["labels"] == ["2026-11-02 00:00", "2026-11-03 00:00", "2026-11-04 00:00"]
    assert drawn["datasets"][0]["data"] == [5, 0, 7]
