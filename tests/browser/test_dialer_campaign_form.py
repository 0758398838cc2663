"""A campaign manager makes a dialer campaign on the campaigns page in headless Chromium,
against the real platform started without a campaigns file: a caller ID that is no
number is refused next to its field, then the campaign is made with its list uploaded
as a CSV file (the bad rows listed with their lines), shows on the board pushed by the
stream, and is changed with the edit form."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from tests.browser.support import api, browser_platform
from tests.integration.platform import ROOT, Platform

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
MANAGER = ("mia", "demo-marketing-pass")
BASE = "/api/v1/dialer/campaigns"
CSV = ("phone,name\n"
       "+1 212 555 0101,Ann\n"
       "(212) 555-0102,Bob\n"
       "not a number,Cid\n"
       "+12125550101,Ann again\n")


def _users() -> list[dict[str, Any]]:
    demo = yaml.safe_load((ROOT / "config/demo.yaml").read_text())["users"]
    return [*demo, {"username": MANAGER[0], "password": MANAGER[1], "role": "marketing"}]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("campaign-form")
    with browser_platform(tmp, asterisk_install, sections={
            "users": _users(), "dialer": {"calling_hours": ["00:00", "23:59"]}}) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, platform: Platform) -> Any:
    context = await browser.new_context(base_url=platform.base_url,
                                        viewport={"width": 1400, "height": 1000})
    signed = await context.new_page()
    await signed.goto("/login?next=/campaigns")
    await signed.fill("#username", MANAGER[0])
    await signed.fill("#password", MANAGER[1])
    await signed.click("#sign-in")
    await signed.wait_for_url("**/campaigns")
    await signed.wait_for_selector("body[data-ready=true]")
    yield signed
    await context.close()


async def _fill_new(page: Page, csv: Path) -> None:
    await page.click("#new-campaign")
    await page.fill("#cf-name", "autumn")
    await page.select_option("#cf-mode", "progressive")
    await page.select_option("#cf-queue", "sales")
    await page.select_option("#cf-script", "sales")
    await page.fill("#cf-caller_id", "555-CALL")
    await page.fill("#cf-hours-start", "09:00")
    await page.fill("#cf-hours-end", "20:00")
    await page.fill("#cf-max_lines", "3")
    await page.fill("#cf-retry-busy-delay", "600")
    await page.fill("#cf-retry-busy-max", "2")
    await page.select_option("#cf-source", "upload")
    await page.set_input_files("#cf-file", str(csv))


async def test_a_campaign_manager_makes_a_campaign_from_a_csv_and_sees_it_on_the_board(
        page: Page, platform: Platform, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text(CSV)
    await expect(page.locator("#campaigns")).to_contain_text("No campaign yet.")
    await _fill_new(page, csv)
    await page.click("#cf-save")
    await expect(page.locator('[data-error-for="caller_id"]')).to_contain_text("E.164")
    await expect(page.locator('article[data-campaign="autumn"]')).to_have_count(0)

    await page.fill("#cf-caller_id", "+15550009000")
    await page.click("#cf-save")
    await expect(page.locator("#cf-loaded")).to_contain_text("List loaded: 2 numbers")
    await expect(page.locator("#cf-loaded")).to_contain_text("1 rows merged")
    await expect(page.locator('#cf-bad-rows li[data-line="4"]')).to_contain_text(
        "'not a number' is not a phone number")
    card = page.locator('article[data-campaign="autumn"]')
    await expect(card.locator('[data-metric="state"] .value')).to_have_text("Idle")
    await expect(card.locator('[data-metric="records_left"] .value')).to_have_text(
        "2", timeout=10_000)  # pushed on the stream once the list loaded
    await expect(card.locator('[data-metric="lines"] .value')).to_have_text("0 of 3")
    await expect(card.locator('button[data-action="start"]')).to_be_enabled()

    # changed with the edit form: the settings come back, the board follows, and what the
    # form does not show (set through the API) is kept
    await api(platform, "PATCH", f"{BASE}/autumn", {"ring_seconds": 25})
    await page.click("#cf-cancel")
    await card.locator("button.edit").click()
    await expect(page.locator("#cf-caller_id")).to_have_value("+15550009000")
    await expect(page.locator("#cf-retry-busy-max")).to_have_value("2")
    await page.fill("#cf-max_lines", "5")
    await page.click("#cf-save")
    await expect(page.locator("#cf-result")).to_contain_text("Saved autumn.")
    await expect(card.locator('[data-metric="lines"] .value')).to_have_text(
        "0 of 5", timeout=10_000)
    settings = (await api(platform, "GET", f"{BASE}/autumn"))["settings"]
    assert (settings["ring_seconds"], settings["max_lines"], settings["script"]) == (
        25, 5, "sales")


async def test_the_campaign_made_on_the_page_runs_again_after_a_restart(
        page: Page, platform: Platform) -> None:
    """(After the test above.) The CRM kept its settings and its list: the board shows it
    again with its records once the platform is back."""
    await asyncio.to_thread(platform.stop)
    await asyncio.to_thread(platform.start)
    boards = (await api(platform, "GET", BASE))["campaigns"]
    autumn = next(board for board in boards if board["campaign"] == "autumn")
    assert (autumn["state"], autumn["lines"]["max"], autumn["records"]["left"]) == (
        "idle", 5, 2)
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    card = page.locator('article[data-campaign="autumn"]')
    await expect(card.locator('[data-metric="records_left"] .value')).to_have_text("2")


async def test_a_campaign_made_whose_file_is_refused_takes_another_file_on_the_next_save(
        page: Page, platform: Platform, tmp_path: Path) -> None:
    """The campaign is made before its file is sent: a file refused leaves the form on
    the campaign made, and the next save sends the file chosen again (no 409 for a name
    that is now taken)."""
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("name\nAnn\n")
    good.write_text("phone\n+12125550107\n")
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await page.click("#new-campaign")
    await page.fill("#cf-name", "winter")
    await page.select_option("#cf-queue", "sales")
    await page.fill("#cf-caller_id", "+15550009000")
    await page.select_option("#cf-source", "upload")
    await page.set_input_files("#cf-file", str(bad))
    await page.click("#cf-save")
    await expect(page.locator('[data-error-for="file"]')).to_contain_text("phone")
    await expect(page.locator("#cf-save")).to_have_text("Save changes")
    await page.set_input_files("#cf-file", str(good))
    await page.click("#cf-save")
    await expect(page.locator("#cf-loaded")).to_contain_text("List loaded: 1 numbers")
    await expect(page.locator("#cf-error")).to_have_text("")


async def test_the_edit_form_keeps_a_segment_it_cannot_list(
        page: Page, platform: Platform) -> None:
    """A campaign's saved segment that the form's list lacks (removed since, or beyond
    the segments it lists) stays the campaign's when another setting is changed."""
    segment = await api(platform, "POST", "/api/v1/segments",
                        {"name": "gone soon", "definition": {"min_orders": 1}})
    made = await api(platform, "POST", BASE, {
        "name": "spring", "mode": "progressive", "queue": "sales",
        "caller_id": "+15550009000", "list": {"segment": "gone soon"}})
    assert made["settings"]["list"]["segment"] == "gone soon"
    await api(platform, "DELETE", f"/api/v1/segments/{segment['id']}")
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await page.locator('article[data-campaign="spring"] button.edit').click()
    await expect(page.locator("#cf-caller_id")).to_have_value("+15550009000")
    await page.select_option("#cf-script", "support")
    await page.click("#cf-save")
    await expect(page.locator("#cf-result")).to_contain_text("Saved spring.")
    settings = (await api(platform, "GET", f"{BASE}/spring"))["settings"]
    assert (settings["script"], settings["list"]) == ("support", {
        "segment": "gone soon", "members": False, "leads": None, "csv": None,
        "upload": False})
