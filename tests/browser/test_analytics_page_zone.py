"""/analytics in the contact center's time zone: the chart's axis is the answer's own list
of buckets (a 23-hour day in New York keeps its place), and the status and the table
name the zone."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Route, expect

from tests.browser.test_analytics_pages import MANAGER, Site, _signed_in
from tests.browser.test_analytics_pages_edges import site  # noqa: F401 (the fixture)

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _row(start: str, offered: int) -> dict[str, object]:
    return {"key": "sales", "start": start, "offered": offered, "answered": offered,
            "service_level": 1.0}


async def test_new_york_days_are_drawn_on_the_answer_s_buckets(
        browser: Browser, site: Site) -> None:  # noqa: F811 (the fixture)
    page = await _signed_in(browser, site, MANAGER, "/analytics")
    await expect(page.locator("#history-status")).to_have_attribute("data-state", "shown")
    days = ["2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00",
            "2026-03-09T00:00:00-04:00"]
    answer = {"from": days[0], "to": "2026-03-10T00:00:00-04:00", "by": "queue",
              "interval": "day", "time_zone": "America/New_York", "buckets": days,
              "rows": [_row(days[0], 5), _row(days[2], 7)]}

    async def fake(route: Route) -> None:
        await route.fulfill(json=answer)

    await page.route("**/api/v1/analytics/calls?*", fake)
    await page.click("#history-form button[type=submit]")
    await expect(page.locator("#history-status")).to_contain_text(
        "from 2026-03-07 to 2026-03-10 (America/New_York)")
    drawn = await page.evaluate("() => window.analyticsChart('chart-offered')")
    assert drawn["labels"] == ["2026-03-07 00:00", "2026-03-08 00:00", "2026-03-09 00:00"]
    assert drawn["datasets"][0]["data"] == [5, 0, 7]
    header = page.locator("#history-table th[data-figure=start]")
    await expect(header).to_have_text("From (America/New_York)")
    await page.context.close()
