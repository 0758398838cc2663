"""The dialer in headless Chromium against the real platform: a campaign manager's board
pushed live as a campaign dials people (sipp behind the outbound peer), started and
paused from the page, a start refused with its reason; an agent on the desktop joins a
preview campaign from their baresip phone, sees each record with its CRM contact and a
countdown, skips one and dials the next, talks, and ends the wrap-up; the routes
refuse the roles they are not for."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Locator, Page, expect

from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.web.pages.campaign_stream import PREVIEW_SECONDS
from contactcenter.web.pages.campaigns import CAMPAIGN_METRICS
from tests.browser.support import ADA, SCRIPTS, agent_phones, api
from tests.integration.baresip import AgentPhone
from tests.integration.dial_callees import BUSY, HUMAN, DialedPeople, number
from tests.integration.platform import ROOT, Platform, running_platform
from tests.support import free_ports

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="session")]
BASE = "/api/v1/dialer/campaigns"
OUTBOUND_PORT, OUTBOUND_MEDIA = free_ports(2)
MANAGER = ("mia", "demo-marketing-pass")
PASSWORDS = {"mia": MANAGER[1], "agent101": "demo-agent101-pass",
             "agent102": "demo-agent102-pass", "sales1": "demo-sales-pass",
             "admin": "demo-admin-pass", "supervisor": "demo-supervisor-pass"}
#: a user of each role
ROLES = {"admin": "admin", "supervisor": "supervisor", "agent": "agent101",
         "sales": "sales1", "marketing": "mia"}
#: path parameters that name nothing: an allowed call is a 404 (or 200), never a change
NOTHING = {"name": "nosuch", "agent": "agent101", "dial_id": "nosuch-1", "action": "start",
           "answer": "dial"}
#: spring dials two people and a busy line; callme shows Ada (in the CRM) first, then two
#: strangers; silent has no caller ID
SPRING = {number(HUMAN, 1): 1, number(HUMAN, 2): 1, number(BUSY, 1): 1}
CALLME = {ADA: 2, number(HUMAN, 3): 1, number(HUMAN, 4): 0}
ONCE = {"delay": 3600, "max_attempts": 1}


def _campaigns(tmp: Path) -> Path:
    def listed(name: str, people: dict[str, int]) -> dict[str, str]:
        rows = "".join(f"{phone},{priority}\n" for phone, priority in people.items())
        (tmp / f"{name}.csv").write_text("phone,priority\n" + rows)
        return {"csv": f"{name}.csv"}

    def campaign(mode: str, queue: str, people: dict[str, int], name: str,
                 caller_id: str | None = "+15550009000") -> dict[str, Any]:
        spec = {"mode": mode, "queue": queue, "max_lines": 2, "ring_seconds": 15,
                "machine": {"action": "drop"}, "list": listed(name, people),
                "retries": {kind: ONCE for kind in ("busy", "no_answer", "machine",
                                                    "failed", "abandoned")}}
        return spec | ({"caller_id": caller_id} if caller_id else {})

    path = tmp / "campaigns.yaml"
    path.write_text(yaml.safe_dump({"campaigns": {
        "spring": campaign("progressive", "sales", SPRING, "spring"),
        "callme": campaign("preview", "support", CALLME, "callme"),
        "silent": campaign("progressive", "sales", {number(HUMAN, 5): 1}, "silent", None)}}))
    return path


def _users() -> list[dict[str, Any]]:
    """The demo's users, a campaign manager and a salesperson."""
    demo = yaml.safe_load((ROOT / "config/demo.yaml").read_text())["users"]
    return [*demo, {"username": MANAGER[0], "password": MANAGER[1], "role": "marketing"},
            {"username": "sales1", "password": PASSWORDS["sales1"], "role": "sales"}]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, asterisk_install: AsteriskInstall,
             tools: None) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("dialer-pages")
    queue = {"strategy": "longest_idle", "ring_timeout": 6, "announce_on_join": False}
    # spring's agents wrap up in a second; callme's for a minute (the agent ends it)
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "sales": queue | {"wrap_up": 1}, "support": queue | {"wrap_up": 60},
        "operator": queue | {"wrap_up": 1}}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        agent: {"skills": {"sales": 5}, "queues": {"sales": 1, "support": 1}}
        for agent in ("agent101", "agent102")}}))
    with running_platform(tmp, {"dir": str(ROOT / "config/ivr")}, asterisk_install,
                          acd={"queues": str(tmp / "queues.yaml"),
                               "agents": str(tmp / "agents.yaml")},
                          asterisk={"outbound_host": "127.0.0.1",
                                    "outbound_port": OUTBOUND_PORT},
                          sections={**SCRIPTS, "users": _users(), "dialer": {
                              "calling_hours": ["00:00", "23:59"],
                              "campaigns": str(_campaigns(tmp))}}) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def people(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DialedPeople]:
    dialed = DialedPeople(tmp_path_factory.mktemp("people"), OUTBOUND_PORT, OUTBOUND_MEDIA)
    await dialed.start()
    try:
        yield dialed
    finally:
        await dialed.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def phones(platform: Platform, tmp_path_factory: pytest.TempPathFactory
                 ) -> AsyncIterator[dict[str, AgentPhone]]:
    async with agent_phones(platform, tmp_path_factory.mktemp("phones"),
                            ("agent101", "agent102")) as started:
        yield started


async def sign_in(browser: Browser, platform: Platform, user: str, path: str) -> Page:
    """A fresh browser context signed in as ``user`` through the sign-in page."""
    context = await browser.new_context(base_url=platform.base_url,
                                        viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(f"/login?next={path}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORDS[user])
    await page.click("#sign-in")
    await page.wait_for_url(f"**{path}")
    await page.wait_for_selector('body[data-live="live"]')  # (the URL matched at once)
    return page


async def _as(platform: Platform, user: str, method: str, path: str) -> tuple[int, Any]:
    """Status and body of one request with ``user``'s own token, off the event loop."""
    return await asyncio.to_thread(_call, platform, user, method, path)


def _call(platform: Platform, user: str, method: str, path: str) -> tuple[int, Any]:
    token = platform.login(user, PASSWORDS[user])
    request = urllib.request.Request(f"{platform.base_url}{path}", method=method,
                                     data=b"{}", headers={"Authorization": f"Bearer {token}",
                                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, _body(response.read(), response.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, _body(refused.read(), refused.headers)


def _body(text: bytes, headers: Any) -> Any:
    """JSON, or the text of a page."""
    kind = headers.get("Content-Type", "")
    return json.loads(text or b"null") if "json" in kind else text.decode()


def figure(card: Locator, key: str) -> Locator:
    return card.locator(f'[data-metric="{key}"] .value')


async def _one_definition_each(page: Page, card: Locator) -> None:
    """Every figure's definition: listed once on the page, and the title of the figure."""
    terms = await page.locator("#definitions dt").all_text_contents()
    assert terms == [metric.label for metric in CAMPAIGN_METRICS]
    for metric in CAMPAIGN_METRICS:
        await expect(card.locator(f'[data-metric="{metric.key}"] dt')).to_have_attribute(
            "title", metric.definition)


async def _refused_without_caller_id(page: Page) -> None:
    silent = page.locator('article[data-campaign="silent"]')
    await silent.locator('button[data-action="start"]').click()
    await expect(silent.locator(".move-error")).to_contain_text("no caller ID")
    await expect(figure(silent, "state")).to_have_text("Idle")


async def test_a_campaign_manager_starts_a_campaign_and_watches_its_board_move(
        browser: Browser, platform: Platform, people: DialedPeople,
        phones: dict[str, AgentPhone]) -> None:
    await api(platform, "POST", f"{BASE}/spring/seats", {"agent": "agent101"})
    page = await sign_in(browser, platform, MANAGER[0], "/campaigns")
    await page.wait_for_selector("body[data-ready=true]")
    asked: list[str] = []  # the board asked for again (it must only be pushed)
    page.on("request", lambda r: asked.append(r.url) if r.method == "GET"
            and r.url.endswith(BASE) else None)
    await expect(page.locator("header.top nav")).to_contain_text("Campaigns")
    card = page.locator('article[data-campaign="spring"]')
    await expect(figure(card, "state")).to_have_text("Idle")
    await expect(figure(card, "agents_by_state")).to_have_text("1 ready", timeout=15_000)
    await _one_definition_each(page, card)
    await _refused_without_caller_id(page)

    await card.locator('button[data-action="start"]').click()
    await expect(figure(card, "state")).to_have_text("Running")
    await expect(card.locator('button[data-action="start"]')).to_be_disabled()
    await expect(figure(card, "dialed")).to_have_text("3", timeout=90_000)
    await expect(figure(card, "records_reached")).to_have_text("2", timeout=90_000)
    for key, shown in (("humans", "2"), ("connected", "2"), ("busy", "1"), ("ringing", "0"),
                       ("abandoned", "0"), ("records_exhausted", "1"), ("records_left", "0"),
                       ("rate_today", "0.00 %"), ("rate_24h", "0.00 %"),
                       ("target", "3.00 %"), ("machines", "0")):
        await expect(figure(card, key)).to_have_text(shown)
    await expect(figure(card, "talk_minutes_per_hour")).to_have_text(re.compile(r"^\d+\.\d$"))
    assert asked == []  # every change came pushed on the stream

    await card.locator('button[data-action="pause"]').click()
    await expect(figure(card, "state")).to_have_text("Paused")
    await expect(card.locator('button[data-action="resume"]')).to_be_enabled()
    await api(platform, "DELETE", f"{BASE}/spring/seats/agent101")
    await expect(figure(card, "agents_by_state")).to_have_text("none", timeout=15_000)
    await page.context.close()


async def _joined(desk: Page, campaign: str) -> Locator:
    """The agent joins from the desktop; their baresip answers and the line stays open."""
    await desk.wait_for_selector("#outbound[data-ready=true]")
    item = desk.locator(f'#campaign-seats li[data-campaign="{campaign}"]')
    await expect(item).to_have_attribute("data-seat", "none")
    await item.locator("button.join").click()
    await expect(item).to_have_attribute("data-seat", "ready", timeout=15_000)
    return item


async def _shown(desk: Page, phone: str, contact: Locator, who: str) -> str:
    """The record on the desktop with its attempt and contact; its dial's id."""
    panel = desk.locator("#preview-panel")
    await expect(panel).to_be_visible(timeout=10_000)
    await expect(desk.locator("#preview-number")).to_have_text(phone)
    await expect(desk.locator("#preview-attempt")).to_have_text("1")
    await expect(contact).to_have_text(who)
    await expect(desk.locator("#preview-dial")).to_be_enabled()
    dial_id = await panel.get_attribute("data-dial-id")
    assert dial_id
    return dial_id


async def _put_through(desk: Page, item: Locator, phone: str) -> None:
    """The person answers: a campaign call on the desktop, then wrap-up once they hang up."""
    await expect(desk.locator("#call-caller")).to_contain_text(phone, timeout=30_000)
    await expect(desk.locator("#call-kind")).to_be_visible()
    await expect(desk.locator("#call-campaign")).to_have_text("· callme")
    await expect(item).to_have_attribute("data-seat", "wrap_up", timeout=30_000)
    await expect(desk.locator("#call-status")).to_have_text("ended")


async def test_an_agent_joins_a_preview_campaign_skips_a_record_and_dials_the_next(
        browser: Browser, platform: Platform, people: DialedPeople,
        phones: dict[str, AgentPhone]) -> None:
    desk = await sign_in(browser, platform, "agent102", "/agent")
    item = await _joined(desk, "callme")
    spring = desk.locator('#campaign-seats li[data-campaign="spring"]')
    await spring.locator("button.join").click()  # one campaign at a time
    await expect(desk.locator("#outbound-result")).to_contain_text("works campaign 'callme'")
    await expect(spring).to_have_attribute("data-seat", "none")
    await desk.select_option("#pause-reason", "lunch")  # paused, no record is shown
    await item.locator("button.pause").click()
    await expect(item).to_have_attribute("data-seat", "paused")
    await api(platform, "POST", f"{BASE}/callme/start")
    await expect(desk.locator("#outbound-result")).to_have_text("Paused in callme (lunch).")
    await expect(item).to_contain_text("preview · running")
    await expect(desk.locator("#preview-panel")).to_be_hidden()
    await item.locator("button.unpause").click()
    await expect(item).to_have_attribute("data-seat", "ready")
    ada = await _shown(desk, ADA, desk.locator("#preview-contact-name"), "Ada Lovelace")
    countdown = desk.locator("#preview-countdown")
    await expect(countdown).to_have_text(re.compile(r"^0:[0-3]\d$"))
    await expect(countdown).not_to_have_text(await countdown.text_content() or "")
    status, body = await _as(platform, "agent101", "POST", f"{BASE}/callme/previews/{ada}/dial")
    assert status == 403, body  # another agent's record

    await desk.click("#preview-skip")  # the next record is shown at once
    await _shown(desk, number(HUMAN, 3), desk.locator("#preview-contact"), "not in the CRM")
    status, body = await _as(platform, "agent102", "POST", f"{BASE}/callme/previews/{ada}/dial")
    assert status == 409, body  # skipped: no longer offered
    await desk.click("#preview-dial")
    await expect(desk.locator("#preview-result")).to_contain_text("Dialing")
    await _put_through(desk, item, number(HUMAN, 3))
    await item.locator("button.ready").click()
    await expect(item).to_have_attribute("data-seat", "ready")

    # the next record, left alone, is dialed when its countdown runs out
    await _shown(desk, number(HUMAN, 4), desk.locator("#preview-contact"), "not in the CRM")
    await expect(desk.locator("#preview-result")).to_contain_text(
        "Dialing", timeout=int(PREVIEW_SECONDS * 1000) + 15_000)
    await _put_through(desk, item, number(HUMAN, 4))
    # the campaign's "call back" code takes the agreed time; saved, it ends the wrap-up
    await desk.check('#disposition-codes input[value="call_back"]')
    await desk.click("#disposition-save")
    await expect(desk.locator("#disposition-result")).to_have_text(
        "Say when to call back first.")
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)
    await desk.fill("#callback-at", tomorrow.strftime("%Y-%m-%dT10:00"))
    await desk.click("#disposition-save")
    await expect(desk.locator("#disposition-result")).to_have_text("Saved.")
    await expect(item).to_have_attribute("data-seat", "ready")
    await item.locator("button.leave").click()
    await expect(item).to_have_attribute("data-seat", "none", timeout=15_000)
    await desk.context.close()


async def test_every_dialer_route_with_every_role_is_allowed_or_a_403(
        platform: Platform) -> None:
    """As the permission table says (the API document's ``x-permission``)."""
    paths = (await api(platform, "GET", "/api/v1/openapi.json"))["paths"]
    routes = [(method.upper(), path, operation["x-permission"]["roles"])
              for path, methods in paths.items() if path.startswith("/api/v1/dialer")
              or path == "/campaigns" for method, operation in methods.items()]
    assert len(routes) >= 10
    for method, path, allowed in routes:
        concrete = re.sub(r"\{(\w+)\}", lambda m: NOTHING[m.group(1)], path)
        for role, user in ROLES.items():
            status, body = await _as(platform, user, method, concrete)
            assert (status != 403) == (role in allowed), (role, method, path, status, body)
            assert status not in (401, 500), (role, method, path, status, body)


async def test_the_dialer_routes_refuse_the_roles_they_are_not_for(
        platform: Platform, browser: Browser) -> None:
    for user, method, path in (
            ("agent101", "GET", BASE),
            ("agent101", "POST", f"{BASE}/spring/start"),
            ("sales1", "GET", "/api/v1/dialer/seats/mine"),
            ("sales1", "POST", f"{BASE}/callme/previews/callme-1/skip"),
            ("mia", "POST", f"{BASE}/spring/seats"),
            ("mia", "GET", "/agent")):
        status, body = await _as(platform, user, method, path)
        assert status == 403, (user, method, path, body)
    status, mine = await _as(platform, "agent101", "GET", "/api/v1/dialer/seats/mine")
    assert status == 200 and {c["campaign"] for c in mine["campaigns"]} == {
        "spring", "callme", "silent"}
    status, _ = await _as(platform, "agent101", "POST", f"{BASE}/callme/previews/callme-999/dial")
    assert status == 404
    # the page is the campaign managers': an agent's browser is told so
    desk = await sign_in(browser, platform, "agent101", "/agent")
    await expect(desk.locator("header.top nav")).not_to_contain_text("Campaigns")
    answer = await desk.goto("/campaigns")
    assert answer is not None and answer.status == 403
    await expect(desk.locator("#forbidden")).to_contain_text("/campaigns")
    await desk.context.close()
