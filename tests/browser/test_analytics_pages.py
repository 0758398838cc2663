"""The managers' analytics pages in headless Chromium, on the app over a CRM seeded with
the demo's synthetic company (two years of calls, orders, an RFM run): a manager sees
the history's charts drawn with the API's own figures, changes the interval and sees
the table follow, downloads the CSV; the customers page charts the RFM segments and
hands out the scores as Parquet; an agent is refused both pages and has no link to
them; a supervisor reads the call history. With ``CC_SCREENSHOTS=DIR`` (``make
screenshots``) the pages' pictures are saved there."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, Page, expect
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from crm_core import rfm
from crm_core.db import make_engine, migrate, sessions
from crm_core.models import ScoreRunRecord, User
from crm_core.scores import recompute_scores
from crm_core.seed import seed_demo
from crm_core.users import hash_password, load_users
from tests.integration.platform import ROOT
from tests.support import require_tool

pytestmark = pytest.mark.asyncio(loop_scope="session")
PASSWORD = "analytics-page-pass"
#: who signs in: the seeded supervisor and agent101, and a manager of the test's own
MANAGER, SUPERVISOR, AGENT = "manager", "supervisor", "agent101"
CUSTOMERS = 2_000


def _bundle() -> None:
    """The charts' bundle, built (or found up to date) the way `make test` does."""
    require_tool("npm")
    require_tool("make")
    done = subprocess.run(["make", "-s", "dashboards"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"make dashboards failed:\n{done.stdout}\n{done.stderr}"


class Site:
    """The app on a loopback port over the seeded CRM, and its API."""

    def __init__(self, client: TestClient, auth: Authenticator, engine: AsyncEngine) -> None:
        self.client = client
        self.auth = auth
        self.engine = engine
        self.url = str(client.make_url("")).rstrip("/")

    async def get(self, path: str) -> Any:
        """An API answer as the manager (a bearer token)."""
        token = self.auth.issue(Principal(MANAGER, "manager", None), time.time())
        async with self.client.get(path, headers={"Authorization": f"Bearer {token}"}) as got:
            assert got.status == 200, await got.text()
            return await got.json() if got.content_type == "application/json" else await got.read()


async def _crm(folder: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'crm.db'}")
    await migrate(engine)
    crm = sessions(engine)
    await seed_demo(crm, customers=CUSTOMERS)
    today = dt.datetime.now(dt.UTC).date()
    await rfm.recompute(crm, as_of=today, now=dt.datetime.now(dt.UTC))
    await recompute_scores(engine, as_of=today)  # lifetime value and churn
    secret = hash_password(PASSWORD)
    async with crm() as session, session.begin():
        await session.execute(update(User).where(User.username.in_((SUPERVISOR, AGENT)))
                              .values(password_hash=secret, active=True))
        session.add(User(username=MANAGER, role="manager", active=True, password_hash=secret))
    return engine


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    _bundle()
    folder = tmp_path_factory.mktemp("analytics-pages")
    engine = await _crm(folder)
    crm = sessions(engine)
    auth = Authenticator(await load_users(crm), load_secret(folder))
    journal = CallJournal(folder / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, auth=auth, health_check=dict,
                     database=crm)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Site(client, auth, engine)
    finally:
        await client.close()
        journal.close()
        await engine.dispose()


#: what each page's scripts said was wrong (console errors, uncaught exceptions, a
#: script or style the Content-Security-Policy refused), by page
TROUBLE: dict[Page, list[str]] = {}


async def _signed_in(browser: Browser, site: Site, user: str, path: str) -> Page:
    context = await browser.new_context(base_url=site.url, accept_downloads=True,
                                        viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    trouble = TROUBLE.setdefault(page, [])
    page.on("console", lambda message: trouble.append(
        f"{message.text} ({message.location.get('url')})")
        # the browser's own ask for /favicon.ico, which the platform does not serve
        if message.type == "error" and "favicon" not in str(message.location) else None)
    page.on("pageerror", lambda error: trouble.append(str(error)))
    await page.goto(f"/login?next={path}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("#sign-in")
    # the path itself: a glob like **/analytics also matches /login?next=/analytics, the
    # page the browser is still on, and the next page would be asked for without a cookie
    await page.wait_for_url(lambda url: urlsplit(url).path == path)
    return page


async def _drawn_pixels(page: Page, canvas: str) -> int:
    """How many pixels of the canvas are not blank."""
    return int(await page.evaluate("""(id) => {
        const canvas = document.getElementById(id);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width,
                                                              canvas.height).data;
        let drawn = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) drawn += 1;
        return drawn;
    }""", canvas))


#: the figures that count calls: none in a bucket is 0 (a rate over none is no figure)
COUNTED = {"offered", "answered", "abandoned", "short_abandoned", "other", "answered_within",
           "handle_seconds", "handle_share", "first_contact_resolved", "busy_seconds",
           "available_seconds", "paused_seconds", "staffed_seconds"}


def _by_key(rows: list[dict[str, Any]], figure: str, interval: str = "day"
            ) -> dict[str, list[Any]]:
    """A figure per queue, aligned on every bucket of the period (0 or None where a queue
    had no calls), as the chart should hold it."""
    today = dt.datetime.now(dt.UTC).date()
    first = dt.datetime.combine(today - dt.timedelta(days=27), dt.time(0), dt.UTC)
    if interval == "week":
        first -= dt.timedelta(days=first.weekday())
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), dt.UTC)
    step = dt.timedelta(weeks=1) if interval == "week" else dt.timedelta(days=1)
    starts = [(first + n * step).isoformat() for n in range((end - first) // step + 1)
              if first + n * step < end]
    at = {(row["key"], row["start"]): row[figure] for row in rows}
    none = 0 if figure in COUNTED else None
    return {key: [at.get((key, start), none) for start in starts]
            for key in sorted({row["key"] for row in rows})}


async def _history(site: Site, interval: str) -> list[dict[str, Any]]:
    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=27)
    body = await site.get(f"/api/v1/analytics/calls?from={start}&to="
                          f"{today + dt.timedelta(days=1)}&interval={interval}&by=queue")
    rows: list[dict[str, Any]] = body["rows"]
    return rows


async def _shown(page: Page, status: str) -> None:
    await expect(page.locator(f"#{status}")).to_have_attribute("data-state", "shown",
                                                              timeout=15_000)


async def test_a_manager_reads_the_history_charts_changes_the_interval_and_downloads_csv(
        browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await _shown(page, "history-status")
    rows = await _history(site, "day")
    assert rows, "the seeded company has calls in the last four weeks"
    for figure in ("offered", "service_level", "aht", "fcr"):
        drawn = await page.evaluate("(id) => window.analyticsChart(id)", f"chart-{figure}")
        assert {d["label"]: d["data"] for d in drawn["datasets"]} == _by_key(rows, figure)
        assert await _drawn_pixels(page, f"chart-{figure}") > 1_000
    table = page.locator("#history-table tbody tr")
    await expect(table).to_have_count(len(rows))
    await expect(page.locator("#definitions")).to_contain_text("average speed of answer")
    nav = page.locator("header.top nav")
    await expect(nav.locator("a[href='/analytics']")).to_have_attribute("aria-current", "page")
    await expect(nav.locator("a[href='/analytics/customers']")).to_have_count(1)

    await page.select_option("#interval", "week")
    weekly = await _history(site, "week")
    assert len(weekly) < len(rows)
    await expect(table).to_have_count(len(weekly))
    first = weekly[0]["start"].replace("T", " ")[:16]
    await expect(table.first.locator("td[data-figure='start']")).to_have_text(first)
    offered = await page.evaluate("() => window.analyticsChart('chart-offered')")
    assert {d["label"]: d["data"] for d in offered["datasets"]} == _by_key(weekly, "offered", "week")

    async with page.expect_download() as download_info:
        await page.click("#history-csv")
    download = await download_info.value
    lines = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
    assert len(lines) == len(weekly)
    assert [int(line["offered"]) for line in lines] == [row["offered"] for row in weekly]
    assert TROUBLE[page] == []  # Chart.js runs under the pages' Content-Security-Policy
    await page.context.close()


async def test_the_staffing_chart_holds_the_erlang_c_and_a_agents(
        browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await _shown(page, "staffing-status")
    today = dt.datetime.now(dt.UTC).date()
    body = await site.get(f"/api/v1/analytics/staffing?day={today}&target=0.8&within=20")
    drawn = await page.evaluate("() => window.analyticsChart('staffing-chart')")
    series = {d["label"]: d["data"] for d in drawn["datasets"]}
    assert series["Erlang C agents"] == [slot["erlang_c_agents"] for slot in body["slots"]]
    assert series["Erlang A agents"] == [slot["erlang_a_agents"] for slot in body["slots"]]
    assert series["Calls forecast"] == [slot["calls"] for slot in body["slots"]]
    await expect(page.locator("#staffing-table tbody tr")).to_have_count(48)
    assert await _drawn_pixels(page, "staffing-chart") > 1_000
    await page.context.close()


async def test_the_customers_page_charts_the_rfm_segments_and_gives_the_parquet(
        browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, MANAGER, "/analytics/customers")
    await _shown(page, "rfm-run")
    run = await site.get("/api/v1/rfm")
    drawn = await page.evaluate("() => window.analyticsChart('rfm-chart')")
    assert drawn["datasets"][0]["data"] == [run["segments"][name] for name in rfm.SEGMENT_NAMES]
    champions = page.locator("#rfm-table tr[data-segment='champions'] td[data-figure='contacts']")
    await expect(champions).to_have_text(str(run["segments"]["champions"]))
    await expect(page.locator("#definitions")).to_contain_text("the number of counted orders")
    async with page.expect_download() as download_info:
        await page.click("#rfm-parquet")
    table = pq.read_table(await (await download_info.value).path())
    assert table.num_rows == run["customers"] > 0

    scored = (await site.get("/api/v1/scores"))["run"]
    await _shown(page, "scores-status")
    await expect(page.locator("#scores-table td[data-figure='customers']")).to_have_text(
        str(scored["customers"]))
    drawn = await page.evaluate("() => window.analyticsChart('scores-chart')")
    assert drawn["datasets"][0]["data"] == [scored["auc"], scored["p_alive_auc"]]
    async with page.expect_download() as download_info:
        await page.click("#scores-parquet")
    table = pq.read_table(await (await download_info.value).path())
    assert table.num_rows == scored["customers"] > 0
    async with page.expect_download() as download_info:
        await page.click("#scores-csv")
    [line] = csv.DictReader(io.StringIO(Path(await (await download_info.value).path())
                                        .read_text()))
    assert float(line["auc"]) == scored["auc"]
    assert TROUBLE[page] == []
    await page.context.close()


async def test_an_agent_is_refused_and_has_no_link(browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, AGENT, "/analytics")
    await expect(page.locator("main")).to_contain_text("Not for your role")
    assert await page.locator("header.top nav a[href^='/analytics']").count() == 0
    response = await page.goto("/analytics/customers")
    assert response is not None and response.status == 403, await page.content()
    await expect(page.locator("main")).to_contain_text("Not for your role")
    desk = await page.goto("/crm/contacts")
    assert desk is not None and desk.status == 200
    await expect(page.locator("header.top nav a[href='/crm/contacts']")).to_have_count(1)
    assert await page.locator("header.top nav a[href^='/analytics']").count() == 0
    await page.context.close()


async def test_a_supervisor_sees_the_call_history(browser: Browser, site: Site) -> None:
    page = await _signed_in(browser, site, SUPERVISOR, "/analytics")
    await _shown(page, "history-status")
    assert await _drawn_pixels(page, "chart-service_level") > 1_000
    await page.context.close()


async def test_screenshots_of_both_pages(browser: Browser, site: Site,
                                         tmp_path: Path) -> None:
    """Pictures for docs/ (``CC_SCREENSHOTS=docs/screenshots``), else into a folder of the
    test's, so that taking them is tested too."""
    out = Path(os.environ.get("CC_SCREENSHOTS") or tmp_path)
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await _shown(page, "history-status")
    await _shown(page, "staffing-status")
    await page.screenshot(path=str(out / "analytics-calls.png"), full_page=True)
    await page.goto("/analytics/customers")
    await _shown(page, "rfm-run")
    await _shown(page, "scores-status")
    await page.screenshot(path=str(out / "analytics-customers.png"), full_page=True)
    assert (out / "analytics-calls.png").stat().st_size > 10_000
    await page.context.close()


async def test_before_any_scores_run_the_page_says_not_computed_yet(
        browser: Browser, site: Site) -> None:
    """(Last: it deletes the module's scores run.)"""
    async with sessions(site.engine)() as session, session.begin():
        await session.execute(delete(ScoreRunRecord))
    page = await _signed_in(browser, site, MANAGER, "/analytics/customers")
    scores = page.locator("#scores-status")
    await expect(scores).to_have_attribute("data-state", "empty")
    await expect(scores).to_contain_text("not computed yet")
    await expect(page.locator("#scores-parquet")).to_be_hidden()
    await page.context.close()
