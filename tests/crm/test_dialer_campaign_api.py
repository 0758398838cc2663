"""Campaign managers make and change dialer campaigns over the API, on both engines: the
settings checked by the campaigns file's own model (a bad one is a 4xx naming the field,
never a 500), a list uploaded as CSV (each bad row with its line and reason, the good
rows loaded), a new campaign on the board stream, and a campaign made so run again after
a restart with its list, a number dialed before not dialed again."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, load_acd
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.dialer.states import RecordState
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.campaign_admin import CampaignAdmin
from contactcenter.server.dialing import wire_campaigns
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.dialer_routes import add_dialer_routes
from crm_core import segments
from crm_core.db import sessions
from crm_core.dialer_service import DialerService
from crm_core.models import Contact, ContactPhone, ContactTag, Segment, User
from crm_core.users import load_users
from tests.crm.api_client import PEOPLE, password_hash
from tests.integration.platform import ROOT
from tests.support import until

BASE = "/api/v1/dialer/campaigns"
SPEC: dict[str, Any] = {
    "name": "autumn", "mode": "progressive", "queue": "sales", "script": "sales",
    "caller_id": "+15550009000", "calling_hours": ["09:00", "20:00"], "max_lines": 4,
    "retries": {"busy": {"delay": 300, "max_attempts": 2}},
    "machine": {"action": "drop"}, "priority": 2, "list": {"upload": True}}
CSV = ("phone,name,priority\n"
       "+1 212 555 0101,Ann,1\n"
       "(212) 555-0102,Bob,\n"
       "not a number,Cid,\n"
       "+12125550101,Ann again,5\n"
       ",Nobody,\n"
       "+12125550103,Dee,high\n"
       "+12125550104,Eve,99999999999\n")


@dataclass
class Platform:
    """The dialer's part of the platform over the test database, as ``serve`` wires it."""

    client: TestClient
    engine: Engine
    admin: CampaignAdmin
    book: CampaignBook
    auth: Authenticator
    journal: CallJournal

    async def call(self, method: str, path: str, role: str = "marketing",
                   **kwargs: Any) -> tuple[int, Any]:
        username, agent = PEOPLE[role]
        token = self.auth.issue(Principal(username, role, agent), time.time())
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        async with self.client.request(method, path, headers=headers, **kwargs) as answer:
            body = await answer.json() if answer.content_type == "application/json" else None
            return answer.status, body

    async def close(self) -> None:
        await self.client.close()
        assert self.engine.campaigns is not None
        await self.engine.campaigns.close()
        self.book.close()
        self.journal.close()


async def _platform(engine: AsyncEngine, tmp_path: Path) -> Platform:
    """One run of the platform: a restart is a second one over the same files and CRM."""
    crm = sessions(engine)
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    platform = Engine(flows={}, numbers={}, directory=Directory([]), bus=EventBus(),
                      journal=journal)
    queues = load_acd(ROOT / "config/queues.yaml", ROOT / "config/agents.yaml")
    distributor = platform.attach_acd(Acd(queues, now=platform.clock()))

    no_file = SimpleNamespace(dialer=SimpleNamespace(campaigns=None))  # the settings' part
    wire_campaigns(no_file, platform, queues, book)  # type: ignore[arg-type]
    admin = CampaignAdmin(platform, queues, {"sales", "support", "default"},
                          DialerService(crm), book, {}, window=CallingWindow())
    await admin.load_stored()
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    app = create_app(bus=platform.bus, journal=journal, auth=auth, health_check=dict,
                     database=crm, distributor=distributor)
    assert platform.campaigns is not None
    add_dialer_routes(app, platform.campaigns, distributor, admin)
    client = TestClient(TestServer(app))
    await client.start_server()
    return Platform(client, platform, admin, book, auth, journal)


@pytest.fixture
async def platform(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Platform]:
    async with sessions(engine)() as session, session.begin():
        session.add_all(User(username=username, role=role, agent=agent, active=True,
                             password_hash=password_hash())
                        for role, (username, agent) in PEOPLE.items())
    started = await _platform(engine, tmp_path)
    try:
        yield started
    finally:
        await started.close()


async def test_a_campaign_made_from_a_csv_loads_its_good_rows_and_reports_the_bad(
        platform: Platform) -> None:
    status, made = await platform.call("POST", BASE, json=SPEC)
    assert status == 201, made
    assert made["origin"] == "api" and made["board"]["state"] == "idle"
    assert made["settings"]["calling_hours"] == ["09:00:00", "20:00:00"]
    status, listed = await platform.call("POST", f"{BASE}/autumn/list", data=CSV,
                                         headers={"Content-Type": "text/csv"})
    assert status == 200, listed
    assert (listed["loaded"], listed["merged"]) == (2, 1)
    assert listed["bad"] == [
        {"line": 4, "reason": "phone: 'not a number' is not a phone number"},
        {"line": 6, "reason": "no phone number"},
        {"line": 7, "reason": "priority: 'high' is not a whole number"},
        {"line": 8, "reason": "priority: '99999999999' is beyond ±1000000"}]
    runner = platform.engine.campaigns.get("autumn")  # type: ignore[union-attr]
    assert runner is not None
    ann = runner.core.record("number:+12125550101")
    assert ann is not None and ann.priority == 5 + 2  # the merged rows' highest, + campaign's
    status, again = await platform.call("GET", BASE)
    assert status == 200 and [b["campaign"] for b in again["campaigns"]] == ["autumn"]


async def test_a_list_comes_as_a_form_file_too(platform: Platform) -> None:
    await platform.call("POST", BASE, json=SPEC)
    form = aiohttp.FormData()
    form.add_field("file", CSV.encode(), filename="people.csv", content_type="text/csv")
    status, listed = await platform.call("POST", f"{BASE}/autumn/list", data=form)
    assert status == 200 and listed["loaded"] == 2, listed
    status, refused = await platform.call("POST", f"{BASE}/autumn/list", data="name\nAnn\n",
                                          headers={"Content-Type": "text/csv"})
    assert status == 422 and refused["field"] == "file" and "phone" in refused["error"]
    for broken in (b"phone\n\xff\xfe\n", b"", b"\xff\xfe"):  # not UTF-8, nothing at all
        status, refused = await platform.call("POST", f"{BASE}/autumn/list", data=broken,
                                              headers={"Content-Type": "text/csv"})
        assert status == 422 and refused["field"] == "file", (broken, refused)
    form = aiohttp.FormData()
    form.add_field("file", "not a file")
    status, refused = await platform.call("POST", f"{BASE}/autumn/list", data=form)
    assert status == 422 and refused["field"] == "file", refused
    garbled = (b'--b\r\nContent-Disposition: form-data; name="\x0c"\r\n\r\nx\r\n--b--\r\n')
    status, refused = await platform.call(  # a part whose header is not HTTP: 400, not 500
        "POST", f"{BASE}/autumn/list", data=garbled,
        headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 400 and "form" in refused["error"], refused


@pytest.mark.parametrize(("change", "status", "field", "says"), [
    ({"mode": "turbo"}, 422, "mode", "preview"),
    ({"queue": "nosuch"}, 422, "queue", "no queue 'nosuch'"),
    ({"agents": ["agent101"]}, 422, "agents", "one of them"),
    ({"caller_id": "555-CALL"}, 422, "caller_id", "E.164"),
    ({"calling_hours": ["20:00", "09:00"]}, 422, "calling_hours", "start before"),
    ({"calling_hours": ["09:00+02:00", "20:00+02:00"]}, 422, "calling_hours", "local"),
    ({"calling_hours": ["21:00", "23:00"]}, 422, "calling_hours", "08:00-21:00"),
    ({"ring_seconds": 10}, 422, "ring_seconds", "15"),
    ({"abandon_target": 0.05}, 422, "abandon_target", "0.03"),
    ({"max_lines": 0}, 422, "max_lines", "1"),
    ({"max_lines": 10**12}, 422, "max_lines", "1000"),
    ({"retries": {"busy": {"delay": -1, "max_attempts": 2}}}, 422, "retries.busy.delay",
     "0"),
    ({"machine": {"action": "message"}}, 422, "machine", "recording"),
    ({"list": {"members": True, "upload": True}}, 422, "list", "exactly one"),
    ({"list": {"csv": "people.csv"}}, 422, "list.csv", "upload"),
    ({"list": {"segment": "nobody"}}, 422, "list.segment", "no segment 'nobody'"),
    ({"list": {"leads": "sleepy"}}, 422, "list.leads", "sleepy"),
    ({"script": "poetry"}, 422, "script", "no call script"),
    ({"colour": "blue"}, 422, "colour", "Extra"),
    ({"name": "a b"}, 422, "name", "letters"),
    ({"name": 7}, 422, "name", "letters"),
])
async def test_a_bad_campaign_is_refused_naming_the_field(
        platform: Platform, change: dict[str, Any], status: int, field: str,
        says: str) -> None:
    body = SPEC | change
    if "agents" in change:
        del body["queue"]
        body["queue"] = "sales"  # both given
    answer, refused = await platform.call("POST", BASE, json=body)
    assert (answer, refused["field"]) == (status, field), refused
    assert says in refused["error"]
    assert platform.engine.campaigns.get("autumn") is None  # type: ignore[union-attr]


async def test_requests_that_are_not_campaigns_are_4xx(platform: Platform) -> None:
    await platform.call("POST", BASE, json=SPEC)
    for method, path, kwargs, expected in (
            ("POST", BASE, {"json": SPEC}, 409),  # the name is taken
            ("POST", BASE, {"data": "[1]"}, 400),
            ("PUT", f"{BASE}/nosuch", {"json": SPEC}, 404),
            ("PATCH", f"{BASE}/autumn", {"json": {"name": "other"}}, 422),
            ("POST", f"{BASE}/nosuch/list", {"data": CSV,
                                             "headers": {"Content-Type": "text/csv"}}, 404),
            ("POST", f"{BASE}/autumn/list", {"json": {}}, 415),
            ("GET", f"{BASE}/nosuch", {}, 404)):
        status, body = await platform.call(method, path, **kwargs)
        assert status == expected, (method, path, body)
        assert body["error"]
    status, _ = await platform.call("POST", BASE, role="supervisor", json=SPEC | {"name": "x"})
    assert status == 403  # campaign managers and admins make campaigns
    status, _ = await platform.call("POST", BASE, role="agent", json=SPEC | {"name": "x"})
    assert status == 403


async def test_an_edit_applies_and_a_running_campaign_keeps_its_mode_and_list(
        platform: Platform) -> None:
    await platform.call("POST", BASE, json=SPEC)
    status, edited = await platform.call("PATCH", f"{BASE}/autumn",
                                         json={"mode": "power", "max_lines": 8})
    assert status == 200, edited
    runner = platform.engine.campaigns.get("autumn")  # type: ignore[union-attr]
    assert runner is not None and runner.core.campaign.strategy == "power"
    assert runner.core.campaign.max_lines == 8 and edited["settings"]["priority"] == 2
    status, moved = await platform.call("POST", f"{BASE}/autumn/start")
    assert status == 202, moved
    status, refused = await platform.call("PATCH", f"{BASE}/autumn", json={"mode": "preview"})
    assert status == 409 and refused["field"] == "mode" and "pause it" in refused["error"]
    status, refused = await platform.call("PATCH", f"{BASE}/autumn",
                                          json={"list": {"members": True}})
    assert status == 409 and refused["field"] == "list"
    # the script and the codes are the runner's own: they change as it runs
    status, edited = await platform.call("PATCH", f"{BASE}/autumn", json={"script": "support"})
    assert status == 200 and runner.script == "support"
    assert platform.engine.campaigns.get("autumn") is runner  # type: ignore[union-attr]
    await platform.call("POST", f"{BASE}/autumn/pause")
    status, edited = await platform.call("PUT", f"{BASE}/autumn",
                                         json=SPEC | {"mode": "preview"})
    assert status == 200 and edited["board"]["state"] == "idle", edited


async def test_a_campaign_of_the_file_is_not_changed_through_the_api(
        platform: Platform) -> None:
    from contactcenter.dialer.campaign_file import CampaignSpec
    spec = CampaignSpec.model_validate({k: v for k, v in SPEC.items() if k != "name"})
    platform.admin.specs["renewals"] = spec
    platform.admin.from_file = frozenset({"renewals"})
    platform.admin._run("renewals", spec, ())
    status, body = await platform.call("PATCH", f"{BASE}/renewals", json={"max_lines": 2})
    assert status == 409 and "campaigns file" in body["error"]
    status, body = await platform.call("POST", BASE, json=SPEC | {"name": "renewals"})
    assert status == 409 and body["field"] == "name"
    status, shown = await platform.call("GET", f"{BASE}/renewals")
    assert status == 200 and shown["origin"] == "file"


async def test_a_new_campaign_is_on_the_board_stream(platform: Platform) -> None:
    username, _ = PEOPLE["marketing"]
    token = platform.auth.issue(Principal(username, "marketing", None), time.time())
    async with platform.client.ws_connect("/api/v1/dialer/events", headers={
            "Authorization": f"Bearer {token}"}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        await platform.call("POST", BASE, json=SPEC)
        while True:
            event = await socket.receive_json(timeout=10)
            if event["type"] == "dialer.board" and event["campaign"] == "autumn":
                break
    assert event["state"] == "idle"


async def test_a_campaign_made_through_the_api_runs_again_after_a_restart(
        platform: Platform, engine: AsyncEngine, tmp_path: Path) -> None:
    await platform.call("POST", BASE, json=SPEC)
    await platform.call("POST", f"{BASE}/autumn/list", data=CSV,
                        headers={"Content-Type": "text/csv"})
    # Ann was dialed and reached before the restart (the runner's book says so)
    platform.book.write("autumn", "settled", dial="autumn-1", record="number:+12125550101",
                        attempts=1, next_due=None, outcome="human", at=time.time())
    await platform.close()
    again = await _platform(engine, tmp_path)
    try:
        runner = again.engine.campaigns.get("autumn")  # type: ignore[union-attr]
        assert runner is not None and runner.core.campaign.max_lines == 4
        ann = runner.core.record("number:+12125550101")
        bob = runner.core.record("number:+12125550102")
        assert ann is not None and ann.state is RecordState.DONE  # not dialed again
        assert bob is not None and bob.state is RecordState.WAITING
        status, shown = await again.call("GET", f"{BASE}/autumn")
        assert status == 200 and shown["settings"]["max_lines"] == 4
    finally:
        await again.close()


async def test_a_campaign_from_a_saved_segment(platform: Platform, engine: AsyncEngine
                                               ) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(Contact(first_name="Ann", last_name="Example", consent_marketing=True,
                            phones=[ContactPhone(e164="+15550003002", kind="mobile")],
                            tags=[ContactTag(tag="renewal")]))
    await segments.create_segment(sessions(engine), "renewals due",
                                  {"tags": {"all": ["renewal"]}},
                                  now=dt.datetime.now(dt.UTC))
    status, made = await platform.call("POST", BASE, json=SPEC | {
        "name": "renew", "list": {"segment": "renewals due"}})
    assert status == 201, made
    runner = platform.engine.campaigns.get("renew")  # type: ignore[union-attr]
    await until(lambda: runner is not None and len(runner.core.records()) == 1)


async def test_two_requests_making_one_name_make_one_campaign(platform: Platform) -> None:
    answers = await asyncio.gather(*(platform.call("POST", BASE, json=SPEC) for _ in range(3)))
    assert sorted(status for status, _ in answers) == [201, 409, 409]
    assert len(platform.engine.campaigns.runners) == 1  # type: ignore[union-attr]


async def test_two_rows_naming_one_contact_load_the_first_and_report_the_second(
        platform: Platform) -> None:
    await platform.call("POST", BASE, json=SPEC)
    rows = ("phone,name,contact_id\n+12125550101,Ann,12\n+12125550102,Ann at work,12\n"
            "+12125550103,Bob,\n")
    status, listed = await platform.call("POST", f"{BASE}/autumn/list", data=rows,
                                         headers={"Content-Type": "text/csv"})
    assert status == 200, listed
    assert listed["loaded"] == 2
    assert listed["bad"] == [{"line": 3, "reason": "contact_id: '12' is on line 2 already"}]
    runner = platform.engine.campaigns.get("autumn")  # type: ignore[union-attr]
    assert runner is not None and len(runner.core.records()) == 2


async def test_a_segment_or_lead_status_with_a_nul_is_refused(platform: Platform) -> None:
    for source in ({"segment": "a\u0000b"}, {"leads": "a\u0000b"}):
        status, refused = await platform.call("POST", BASE, json=SPEC | {"list": source})
        assert status == 422 and refused["field"].startswith("list"), refused


async def test_a_list_uploaded_again_replaces_the_one_before(platform: Platform) -> None:
    """A number on the first list and not on the second is not dialed, as after a restart
    (the CRM keeps the second list only); one on both keeps what the book says of it."""
    await platform.call("POST", BASE, json=SPEC)
    for rows in ("phone\n+12125550101\n+12125550102\n", "phone\n+12125550102\n+12125550103\n"):
        status, listed = await platform.call("POST", f"{BASE}/autumn/list", data=rows,
                                             headers={"Content-Type": "text/csv"})
        assert status == 200 and listed["loaded"] == 2, listed
    runner = platform.engine.campaigns.get("autumn")  # type: ignore[union-attr]
    assert runner is not None
    assert sorted(runner.core.records()) == ["number:+12125550102", "number:+12125550103"]
    status, boards = await platform.call("GET", BASE)
    assert boards["campaigns"][0]["records"]["left"] == 2


async def test_a_campaign_started_while_an_edit_reads_the_crm_is_not_replaced(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit's check that nothing is under way holds when the runner is replaced, not
    only before the CRM was asked for the list."""
    await platform.call("POST", BASE, json=SPEC)
    runner = platform.engine.campaigns.get("autumn")  # type: ignore[union-attr]
    assert runner is not None
    service = platform.admin.service
    assert service is not None
    reading, entered, real = asyncio.Event(), asyncio.Event(), service.start_campaign

    async def slow(*args: Any, **kwargs: Any) -> int:
        entered.set()
        await reading.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "start_campaign", slow)
    edit = asyncio.ensure_future(platform.call("PATCH", f"{BASE}/autumn",
                                               json={"max_lines": 2}))
    await until(entered.is_set, what="the edit never read the CRM")
    status, _ = await platform.call("POST", f"{BASE}/autumn/start")
    assert status == 202
    reading.set()
    status, refused = await edit
    assert status == 409 and "running" in refused["error"], refused
    assert platform.engine.campaigns.get("autumn") is runner  # type: ignore[union-attr]
    monkeypatch.undo()
    status, shown = await platform.call("GET", f"{BASE}/autumn")
    assert shown["settings"]["max_lines"] == 4
    stored = await service.stored_settings()
    assert stored["autumn"]["max_lines"] == 4


async def test_a_campaign_whose_segment_is_gone_still_runs_after_a_restart(
        platform: Platform, engine: AsyncEngine, tmp_path: Path) -> None:
    """Its list is empty (said in the log) until it is given another source: the
    campaign, its book and its callbacks are not lost from the board."""
    await segments.create_segment(sessions(engine), "renewals due",
                                  {"tags": {"all": ["renewal"]}},
                                  now=dt.datetime.now(dt.UTC))
    status, made = await platform.call("POST", BASE, json=SPEC | {
        "name": "renew", "list": {"segment": "renewals due"}})
    assert status == 201, made
    async with sessions(engine)() as session, session.begin():
        await session.execute(delete(Segment))
    await platform.close()
    again = await _platform(engine, tmp_path)
    try:
        runner = again.engine.campaigns.get("renew")  # type: ignore[union-attr]
        assert runner is not None and len(runner.core.records()) == 0
        status, shown = await again.call("PATCH", f"{BASE}/renew",
                                         json={"list": {"members": True}})
        assert status == 200, shown
    finally:
        await again.close()
