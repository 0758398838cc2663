"""Voicemail messages over the HTTP API, for every role, on SQLite and PostgreSQL: who
sees which box, who plays a message (a signed link of their own), takes, assigns and
handles one; the disposition on the contact's timeline; the messages written from
the call journal once each; the age check that flags a message once."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.recordings.store import RecordingStore
from contactcenter.voicemail.boxes import Box, Mailboxes
from contactcenter.voicemail.config import VoicemailConfig
from contactcenter.voicemail.outbox import OverdueCheck, VoicemailOutbox
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.recording_routes import add_recording_routes
from contactcenter.web.scope import Scopes
from contactcenter.web.voicemail_routes import Voicemail, add_voicemail_routes
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.models import AuditEntry, Contact, ContactPhone, Interaction, User
from crm_core.users import load_users
from crm_core.voicemail import NewMessage, record_messages
from tests.crm.api_client import password_hash
from tests.recording_support import tone_wav
from tests.support import until

CUSTOMER = "+15550007101"
PEOPLE = {"root": ("admin", None), "sue": ("supervisor", None), "otto": ("supervisor", None),
          "agent101": ("agent", "agent101"), "agent102": ("agent", "agent102"),
          "agent103": ("agent", "agent103"), "max": ("manager", None),
          "sam": ("sales", None), "mia": ("marketing", None)}
BOXES = Mailboxes(declared={"main": Box(name="main", queue="support")},
                  queues=frozenset({"support", "sales"}),
                  agents=frozenset({"agent101", "agent102", "agent103"}),
                  members={"agent101": frozenset({"support"}),
                           "agent102": frozenset({"sales"}),
                           "agent103": frozenset({"support"})},
                  max_age={"support": 7200.0})
#: who sees which of the three messages (support's box, sales' box, agent102's box)
SEES = {"root": {"c-support", "c-sales", "c-agent102"}, "sue": {"c-support"},
        "otto": {"c-sales", "c-agent102"}, "agent101": {"c-support"},
        "agent103": {"c-support"}, "agent102": {"c-sales", "c-agent102"}}
REFUSED = (("max", 403), ("sam", 403), ("mia", 403), (None, 401))
#: the users have held their agent ids since long before the messages were left
HELD_SINCE = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)


@dataclass
class Served:
    client: TestClient
    auth: Authenticator
    crm: async_sessionmaker[AsyncSession]
    bus: EventBus
    ids: dict[str, int]  #: call id -> message id
    contact: int

    def headers(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        role, agent = PEOPLE[who]
        return {"Authorization": f"Bearer {self.auth.issue(Principal(who, role, agent), time.time())}"}

    async def call(self, method: str, path: str, who: str | None, body: Any = None,
                   **headers: str) -> tuple[int, Any]:
        async with self.client.request(method, path, json=body,
                                       headers=self.headers(who) | headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def act(self, call_id: str, action: str, who: str,
                  body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", f"/api/v1/voicemail/{self.ids[call_id]}/{action}",
                               who, body if body is not None else {})


def _message(call_id: str, mailbox: str, *, ago: float = 600) -> NewMessage:
    box = BOXES.box(mailbox)
    return NewMessage(call_id=call_id, mailbox=box.name, queue=box.queue, agent=box.agent,
                      caller=CUSTOMER, duration=4.5, recording=f"voicemail-{mailbox}-{call_id}",
                      left_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=ago))


@pytest.fixture
async def served(engine: Any, tmp_path: Path) -> AsyncIterator[Served]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=agent, active=True,
                             password_hash=password_hash(), agent_since=HELD_SINCE)
                        for name, (role, agent) in PEOPLE.items())
        contact = Contact(first_name="Vera", last_name="Caller")
        session.add(contact)
        await session.flush()
        session.add(ContactPhone(contact_id=contact.id, e164=CUSTOMER))
        contact_id = contact.id
    folder = tmp_path / "recording"
    for call_id, mailbox in (("c-support", "main"), ("c-sales", "sales"),
                             ("c-agent102", "agent102")):
        tone_wav(folder / f"voicemail-{mailbox}-{call_id}.wav")
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=600)
    await record_calls(crm, [CallSummary(call_id="c-support", caller=CUSTOMER, dialed="5000",
                                         started=started, ended=started, outcome="voicemail")])
    rows = await record_messages(crm, [_message("c-support", "main"),
                                       _message("c-sales", "sales"),
                                       _message("c-agent102", "agent102", ago=60)])
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    scopes = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"})},
                    BOXES.members)
    bus = EventBus()
    app = create_app(bus=bus, journal=journal, auth=auth, health_check=dict, database=crm,
                     supervised=scopes)
    add_recording_routes(app, RecordingStore(folder), load_secret(tmp_path))
    add_voicemail_routes(app, Voicemail(BOXES, VoicemailConfig()))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Served(client, auth, crm, bus, {r["call_id"]: r["id"] for r in rows}, contact_id)
    finally:
        await client.close()
        journal.close()


@pytest.mark.parametrize("who", sorted(SEES))
async def test_each_role_lists_the_boxes_it_may_see(served: Served, who: str) -> None:
    status, body = await served.call("GET", "/api/v1/voicemail", who)
    assert status == 200, body
    assert {m["call_id"] for m in body["messages"]} == SEES[who]
    for call_id, message_id in served.ids.items():
        status, _ = await served.call("GET", f"/api/v1/voicemail/{message_id}", who)
        assert status == (200 if call_id in SEES[who] else 404), (who, call_id)


@pytest.mark.parametrize(("who", "expected"), REFUSED)
async def test_others_are_refused_every_message(served: Served, who: str | None,
                                                expected: int) -> None:
    assert (await served.call("GET", "/api/v1/voicemail", who))[0] == expected
    assert (await served.act("c-support", "take", who or "max"))[0] in (403, expected)


async def test_a_message_names_its_caller_their_contact_and_its_time(served: Served) -> None:
    status, body = await served.call("GET", "/api/v1/voicemail?status=new&mailbox=main",
                                     "agent101")
    assert status == 200
    (message,) = body["messages"]
    assert (message["caller"], message["contact_id"], message["contact_name"]) == (
        CUSTOMER, served.contact, "Vera Caller")
    assert message["contact_url"] == f"/crm/contacts/{served.contact}"
    assert message["queue"] == "support" and message["status"] == "new"
    assert message["overdue"] is False and message["left_at"]
    assert {d["code"] for d in body["dispositions"]} >= {"called_back", "no_action"}


async def test_the_message_plays_behind_a_link_made_for_its_listener(served: Served) -> None:
    message = served.ids["c-support"]
    status, body = await served.call("GET", f"/api/v1/voicemail/{message}/recording",
                                     "agent101")
    assert status == 200 and body["status"] == "available", body
    link = body["url"]
    assert link.startswith("/api/v1/voicemail/audio/") and "c-support" not in link
    status, data = await served.call("GET", link, "agent101")
    assert status == 200 and data[:4] == b"RIFF"
    status, part = await served.call("GET", link, "agent101", Range="bytes=100-199")
    assert status == 206 and len(part) == 100
    async with served.crm() as session:  # the play is on the record, the seek is not
        plays = (await session.execute(select(AuditEntry.username, AuditEntry.entity_id)
                                       .where(AuditEntry.entity == "voicemail_play"))).all()
    assert plays == [("agent101", message)]
    # the same link in another's session, the link on the calls' route, another's box
    assert (await served.call("GET", link, "agent103"))[0] == 403
    call_route = link.replace("/api/v1/voicemail/audio/", "/api/v1/recordings/")
    assert (await served.call("GET", call_route, "agent101"))[0] in (403, 404)
    assert (await served.call("GET", f"/api/v1/voicemail/{served.ids['c-sales']}/recording",
                              "agent101"))[0] == 404


async def test_an_agent_takes_one_of_their_queue_and_nobody_else_can(served: Served) -> None:
    status, body = await served.act("c-support", "take", "agent101")
    assert status == 200 and (body["status"], body["assignee"]) == ("assigned", "agent101")
    status, body = await served.act("c-support", "take", "agent103")
    assert status == 409 and body["field"] == "id"
    assert (await served.act("c-sales", "take", "agent101"))[0] == 404  # not their queue
    assert (await served.act("c-support", "assign", "agent101", {"agent": "agent103"}))[0] \
        == 403  # agents do not assign


async def test_a_supervisor_assigns_and_the_assignee_handles_it(served: Served) -> None:
    status, body = await served.act("c-support", "assign", "sue", {"agent": "nobody"})
    assert (status, body["field"]) == (422, "agent")
    status, body = await served.act("c-support", "assign", "sue", {"agent": "agent103"})
    assert status == 200 and body["assignee"] == "agent103"
    assert (await served.act("c-sales", "assign", "sue", {"agent": "agent103"}))[0] == 404
    assert (await served.act("c-support", "handle", "agent101",
                             {"disposition": "called_back"}))[0] == 403  # not theirs
    status, body = await served.act("c-support", "handle", "agent103", {"disposition": "x"})
    assert (status, body["field"]) == (422, "disposition")
    status, body = await served.act("c-support", "handle", "agent103",
                                    {"disposition": "called_back", "notes": "new address"})
    assert status == 200, body
    assert (body["status"], body["disposition"], body["handled_by"]) == (
        "handled", "called_back", "agent103")
    status, body = await served.act("c-support", "handle", "sue", {"disposition": "resolved"})
    assert status == 409
    status, timeline = await served.call(
        "GET", f"/api/v1/contacts/{served.contact}/timeline", "root")
    assert status == 200
    entries = {entry["kind"]: entry for entry in timeline["items"]}
    assert entries["activity"]["subject"] == (
        f"Voicemail from {CUSTOMER} handled: Called back")
    assert "new address" in entries["activity"]["body"]
    assert entries["interaction"]["disposition"] == "called_back"


async def test_an_agent_handles_a_message_of_their_own_box(served: Served) -> None:
    status, body = await served.act("c-agent102", "handle", "agent102",
                                    {"disposition": "no_action"})
    assert status == 200 and body["assignee"] == "agent102"
    status, body = await served.act("c-sales", "handle", "agent102",
                                    {"disposition": "no_action"})
    assert status == 403  # a queue's message: taken first


async def test_an_unhandled_message_past_its_limit_is_flagged_once(served: Served) -> None:
    watched = served.bus.subscribe()
    later = time.time() + 7200  # support's limit is 2 hours; the others' 4
    check = OverdueCheck(served.crm, BOXES, served.bus, clock=lambda: later)
    assert await check.run_once() == [served.ids["c-support"]]
    event = watched.get_nowait()
    assert event is not None and event["type"] == "voicemail.overdue"
    assert (event["queue"], event["limit"]) == ("support", 7200.0)
    assert await check.run_once() == []  # once
    # past the default limit (4 hours): the sales box's and the agent's box's too
    much_later = time.time() + 4 * 3600
    check = OverdueCheck(served.crm, BOXES, served.bus, clock=lambda: much_later)
    assert sorted(await check.run_once()) == sorted(
        [served.ids["c-sales"], served.ids["c-agent102"]])
    status, body = await served.call("GET", "/api/v1/voicemail?mailbox=main", "sue")
    assert status == 200 and body["messages"][0]["overdue_at"] is not None
    assert body["messages"][0]["overdue"] is False  # by the page's clock: 10 minutes old


async def test_messages_come_from_the_call_journal_once_each(served: Served,
                                                             tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "left.jsonl")
    journal.open()
    now = time.time()
    for event in ({"type": "call.arrived", "caller": CUSTOMER, "dialed": "5000"},
                  {"type": "voicemail.started", "mailbox": "agent101",
                   "recording": "voicemail-agent101-j1"},
                  {"type": "voicemail.recorded", "mailbox": "agent101",
                   "recording": "voicemail-agent101-j1", "duration": 3.0, "status": "done"},
                  {"type": "call.ended", "outcome": "voicemail"}):
        journal.append({**event, "call_id": "j1", "time": now})
    watched = served.bus.subscribe()
    for _ in range(2):  # offered again, as after a restart: still one message
        outbox = VoicemailOutbox(journal, served.crm, BOXES, served.bus)
        outbox.offer(journal.ended())
        await outbox.flush()
    journal.close()
    status, body = await served.call("GET", "/api/v1/voicemail", "agent101")
    assert status == 200
    mine = [m for m in body["messages"] if m["call_id"] == "j1"]
    assert len(mine) == 1 and (mine[0]["agent"], mine[0]["duration"]) == ("agent101", 3.0)
    published = watched.get_nowait()  # agent101's box: nobody else to tell
    assert published is not None and published["type"] == "voicemail.message"
    assert watched.get_nowait() is None
    async with served.crm() as session:
        assert (await session.scalar(select(Interaction.id).where(
            Interaction.call_id == "j1"))) is None  # the calls' outbox writes that


class _DownAtFirst:
    """A session maker whose database refuses the first ``times`` sessions."""

    def __init__(self, real: async_sessionmaker[AsyncSession], times: int) -> None:
        self.real, self.times = real, times

    def __call__(self) -> AsyncSession:
        if self.times:
            self.times -= 1
            raise OSError("the database is unreachable")
        return self.real()


async def test_a_message_waits_for_a_database_that_is_down(served: Served,
                                                           tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "down.jsonl")
    journal.open()
    for event in ({"type": "call.arrived", "caller": CUSTOMER, "dialed": "5000"},
                  {"type": "voicemail.recorded", "mailbox": "main",
                   "recording": "voicemail-main-d1", "duration": 2.0, "status": "done"},
                  {"type": "call.ended", "outcome": "voicemail"}):
        journal.append({**event, "call_id": "d1", "time": time.time()})
    down = _DownAtFirst(served.crm, 2)
    outbox = VoicemailOutbox(journal, down, BOXES, served.bus,  # type: ignore[arg-type]
                             first_pause=0.01)
    task = asyncio.ensure_future(outbox.run())
    try:
        async def kept() -> bool:
            return any(m["call_id"] == "d1" for m in (await served.call(
                "GET", "/api/v1/voicemail", "sue"))[1]["messages"])

        await until(kept, seconds=10, what="the message never reached the CRM", every=0.05)
    finally:
        task.cancel()
        journal.close()
    assert outbox.failures == 2 and outbox.written == 1


async def test_a_database_down_is_tried_again_after_the_pause_not_at_every_event(
        served: Served, tmp_path: Path) -> None:
    """The bus carries every queue's figures: while the CRM is down each event must not
    be another attempt (a connection and a warning each)."""
    journal = CallJournal(tmp_path / "down-long.jsonl")
    journal.open()
    down = _DownAtFirst(served.crm, 1_000)
    outbox = VoicemailOutbox(journal, down, BOXES, served.bus,  # type: ignore[arg-type]
                             first_pause=30.0)
    task = asyncio.ensure_future(outbox.run())
    try:
        journal.append({"type": "call.arrived", "caller": CUSTOMER, "dialed": "5000",
                        "call_id": "d2", "time": time.time()})
        journal.append({"type": "voicemail.recorded", "mailbox": "main", "call_id": "d2",
                        "recording": "voicemail-main-d2", "duration": 2.0, "status": "done",
                        "time": time.time()})
        journal.append({"type": "call.ended", "outcome": "voicemail", "call_id": "d2",
                        "time": time.time()})
        served.bus.publish({"type": "call.ended", "call_id": "d2", "outcome": "voicemail",
                            "time": time.time()})
        await until(lambda: outbox.failures == 1, what="the first attempt failed")
        for _ in range(20):  # the calls go on: events arrive one by one
            served.bus.publish({"type": "call.ended", "call_id": "d2",
                                "outcome": "voicemail", "time": time.time()})
            await asyncio.sleep(0.01)
        assert outbox.failures == 1  # the next attempt waits its 30 s
    finally:
        task.cancel()
        journal.close()


async def test_a_list_of_no_messages_is_refused_naming_the_limit(served: Served) -> None:
    for limit in ("0", "201", "x"):
        status, body = await served.call("GET", f"/api/v1/voicemail?limit={limit}", "sue")
        assert status in (400, 422) and body["field"] == "limit", (limit, body)
    status, body = await served.call("GET", "/api/v1/voicemail?limit=1", "sue")
    assert status == 200 and len(body["messages"]) == 1
