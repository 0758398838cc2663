"""Agent ids are handed on to new hires: over the HTTP API and the event stream, on
SQLite and PostgreSQL, the new holder of an agent id does not list, open, play, take or
hear news of the messages left in its box, or assigned to it, before it was theirs;
their own later ones they do; the supervisors and admins keep them all. And the list's
query keeps exactly what the rule lets each one see, times and all."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.recordings.store import RecordingStore
from contactcenter.recordings.tokens import LINK_LIFETIME, Grant
from contactcenter.voicemail.access import Owned, may_see, visible_filter
from contactcenter.voicemail.boxes import Mailboxes
from contactcenter.voicemail.config import VoicemailConfig
from contactcenter.voicemail.outbox import VoicemailOutbox
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.recording_routes import RECORDINGS, add_recording_routes
from contactcenter.web.scope import Scopes
from contactcenter.web.voicemail_routes import PLAY, Voicemail, add_voicemail_routes
from crm_core.db import sessions
from crm_core.models import User, VoicemailMessage
from crm_core.users import load_users
from crm_core.voicemail import NewMessage, Visible, assign, list_messages, record_messages
from tests.crm.api_client import password_hash
from tests.recording_support import tone_wav

CUSTOMER = "+15550007107"
NOW = dt.datetime.now(dt.UTC)
NINA_SINCE = NOW - dt.timedelta(days=2)
#: name -> (role, agent id, since when it is theirs, active): ann held agent107 and
#: left; nina was given agent107 two days ago; bo holds agent108
PEOPLE: dict[str, tuple[str, str | None, dt.datetime, bool]] = {
    "root": ("admin", None, NOW - dt.timedelta(days=900), True),
    "sue": ("supervisor", None, NOW - dt.timedelta(days=900), True),  # support's
    "otto": ("supervisor", None, NOW - dt.timedelta(days=900), True),  # sales'
    "ann": ("agent", "agent107", NOW - dt.timedelta(days=600), False),
    "nina": ("agent", "agent107", NINA_SINCE, True),
    "bo": ("agent", "agent108", NOW - dt.timedelta(days=300), True)}
MEMBERS = {"agent107": frozenset({"sales"}), "agent108": frozenset({"support"})}
BOXES = Mailboxes(queues=frozenset({"support", "sales"}),
                  agents=frozenset({"agent107", "agent108"}), members=MEMBERS)
SCOPES = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"})}, MEMBERS)
OLD, RECENT = NOW - dt.timedelta(days=10), NOW - dt.timedelta(hours=1)
#: call id -> (mailbox, left, assigned to agent107 when): ann's and nina's messages
MESSAGES: dict[str, tuple[str, dt.datetime, dt.datetime | None]] = {
    "ann-box": ("agent107", OLD, None),  # left in agent107's box in ann's time
    "nina-box": ("agent107", RECENT, None),  # left in it in nina's
    "ann-given": ("support", OLD, OLD),  # support's, given to agent107 in ann's time
    "nina-given": ("support", OLD, RECENT),  # support's, given to agent107 in nina's
    "ann-sales": ("sales", OLD, OLD)}  # nina's queue's box, given to ann


@dataclass
class Served:
    client: TestClient
    auth: Authenticator
    crm: async_sessionmaker[AsyncSession]
    bus: EventBus
    ids: dict[str, int]  #: call id -> message id
    app: web.Application

    def headers(self, who: str) -> dict[str, str]:
        role, agent, _since, _active = PEOPLE[who]
        token = self.auth.issue(Principal(who, role, agent), time.time())
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, who: str, body: Any = None
                   ) -> tuple[int, Any]:
        async with self.client.request(method, path, json=body,
                                       headers=self.headers(who)) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def act(self, call_id: str, action: str, who: str,
                  body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", f"/api/v1/voicemail/{self.ids[call_id]}/{action}",
                               who, body if body is not None else {})

    async def listed(self, who: str) -> set[str]:
        status, body = await self.call("GET", "/api/v1/voicemail?limit=200", who)
        assert status == 200, body
        return {message["call_id"] for message in body["messages"]}


def _new(call_id: str, mailbox: str, left: dt.datetime) -> NewMessage:
    box = BOXES.box(mailbox)
    return NewMessage(call_id=call_id, mailbox=box.name, queue=box.queue, agent=box.agent,
                      caller=CUSTOMER, left_at=left, duration=3.0,
                      recording=f"voicemail-{mailbox}-{call_id}")


@pytest.fixture
async def served(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Served]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=agent, active=active,
                             password_hash=password_hash(), agent_since=since)
                        for name, (role, agent, since, active) in PEOPLE.items())
    folder = tmp_path / "recording"
    for call_id, (mailbox, _left, _given) in MESSAGES.items():
        tone_wav(folder / f"voicemail-{mailbox}-{call_id}.wav")
    rows = await record_messages(crm, [_new(call_id, mailbox, left) for call_id,
                                       (mailbox, left, _given) in MESSAGES.items()])
    ids = {row["call_id"]: row["id"] for row in rows}
    for call_id, (_mailbox, _left, given) in MESSAGES.items():
        if given is not None:
            await assign(crm, ids[call_id], expected="new", holder=None, assignee="agent107",
                         by="sue", now=given)
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    app = create_app(bus=bus, journal=journal, auth=auth, health_check=dict, database=crm,
                     supervised=SCOPES)
    add_recording_routes(app, RecordingStore(folder), load_secret(tmp_path))
    add_voicemail_routes(app, Voicemail(BOXES, VoicemailConfig()))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Served(client, auth, crm, bus, ids, app)
    finally:
        await client.close()
        journal.close()


async def test_each_one_lists_what_is_theirs_by_when_the_agent_id_was(
        served: Served) -> None:
    assert await served.listed("nina") == {"nina-box", "nina-given", "ann-sales"}
    # sales' supervisor: agent107 works sales, so its box and what it has, whoever held it
    assert await served.listed("otto") == set(MESSAGES)
    assert await served.listed("sue") == {"ann-given", "nina-given"}
    assert await served.listed("bo") == {"ann-given", "nina-given"}  # support's box
    assert await served.listed("root") == set(MESSAGES)


async def test_the_new_holder_neither_opens_nor_plays_the_former_holders_message(
        served: Served) -> None:
    for call_id in ("ann-box", "ann-given"):
        message = served.ids[call_id]
        assert (await served.call("GET", f"/api/v1/voicemail/{message}", "nina"))[0] == 404
        assert (await served.call("GET", f"/api/v1/voicemail/{message}/recording",
                                  "nina"))[0] == 404
        # a link signed for her (made before the id changed hands, say) plays nothing
        grant = Grant("nina", message, f"voicemail-{MESSAGES[call_id][0]}-{call_id}",
                      time.time() + LINK_LIFETIME, "voicemail")
        link = served.app[RECORDINGS].links.url(grant, PLAY)
        assert (await served.call("GET", link, "nina"))[0] == 403
        assert (await served.call("GET", f"/api/v1/voicemail/{message}", "root"))[0] == 200
    status, body = await served.call(
        "GET", f"/api/v1/voicemail/{served.ids['nina-box']}/recording", "nina")
    assert status == 200 and body["status"] == "available", body
    status, audio = await served.call("GET", body["url"], "nina")
    assert status == 200 and audio[:4] == b"RIFF"


async def test_the_new_holder_neither_takes_nor_handles_the_former_holders_message(
        served: Served) -> None:
    handled = {"disposition": "called_back"}
    for call_id in ("ann-box", "ann-given"):
        assert (await served.act(call_id, "take", "nina"))[0] == 404
        assert (await served.act(call_id, "handle", "nina", handled))[0] == 404
    # ann's message of nina's queue's box: nina sees it, and takes it before handling it
    assert (await served.act("ann-sales", "handle", "nina", handled))[0] == 403
    status, body = await served.act("ann-sales", "take", "nina")
    assert status == 200 and body["assignee"] == "agent107", body
    assert (await served.act("ann-sales", "handle", "nina", handled))[0] == 200
    # her own: handled without taking; the supervisors keep ann's
    assert (await served.act("nina-box", "handle", "nina", handled))[0] == 200
    assert (await served.act("nina-given", "handle", "nina", handled))[0] == 200
    assert (await served.act("ann-box", "handle", "otto", handled))[0] == 200
    status, body = await served.act("ann-given", "assign", "sue", {"agent": "agent108"})
    assert status == 200 and body["assignee"] == "agent108"
    assert (await served.act("ann-given", "handle", "bo", handled))[0] == 200


#: who follows the stream, and the last of the agents' state changes published after a
#: change (agent107's, then agent108's) that their stream carries
LISTENERS = {"root": "agent108", "otto": "agent107", "nina": "agent107", "bo": "agent108"}


@contextlib.asynccontextmanager
async def _streams(served: Served) -> AsyncIterator[dict[str, ClientWebSocketResponse]]:
    async with contextlib.AsyncExitStack() as stack:
        sockets = {who: await stack.enter_async_context(served.client.ws_connect(
            "/api/v1/events?types=voicemail.*,agent.state", headers=served.headers(who)))
            for who in LISTENERS}
        for socket in sockets.values():
            assert (await socket.receive_json(timeout=5))["type"] == "hello"
        yield sockets


async def _heard(served: Served, sockets: dict[str, ClientWebSocketResponse]
                 ) -> dict[str, set[int]]:
    """The messages each stream carried news of since the last call, read up to the
    agents' state changes published now (every listener sees one)."""
    for agent in ("agent107", "agent108"):
        served.bus.publish({"type": "agent.state", "time": time.time(), "call_id": None,
                            "agent": agent, "state": "available", "reason": None,
                            "since": time.time()})
    heard: dict[str, set[int]] = {}
    for who, socket in sockets.items():
        heard[who] = set()
        while (event := await socket.receive_json(timeout=5))["type"] != "agent.state" \
                or event["agent"] != LISTENERS[who]:
            if event["type"] != "agent.state":
                heard[who].add(event["message"])
    return heard


async def _leave(served: Served, tmp_path: Path, call_id: str, mailbox: str) -> int:
    """A message left for ``mailbox`` now, through the call journal as ``serve`` does."""
    journal = CallJournal(tmp_path / f"{call_id}.jsonl")
    journal.open()
    now, name = time.time(), f"voicemail-{mailbox}-{call_id}"
    for event in ({"type": "call.arrived", "caller": CUSTOMER, "dialed": "5000"},
                  {"type": "voicemail.started", "mailbox": mailbox, "recording": name},
                  {"type": "voicemail.recorded", "mailbox": mailbox, "recording": name,
                   "duration": 3.0, "status": "done"},
                  {"type": "call.ended", "outcome": "voicemail"}):
        journal.append({**event, "call_id": call_id, "time": now})
    outbox = VoicemailOutbox(journal, served.crm, BOXES, served.bus)
    outbox.offer(journal.ended())
    await outbox.flush()
    journal.close()
    rows = await list_messages(served.crm, visible=None, mailbox=mailbox)
    return next(row["id"] for row in rows if row["call_id"] == call_id)


async def test_the_new_holder_hears_no_news_of_the_former_holders_messages(
        served: Served, tmp_path: Path) -> None:
    ids = served.ids
    async with _streams(served) as sockets:
        # ann's box's message given to bo: the notice to agent107 (its box) is not nina's
        assert (await served.act("ann-box", "assign", "root", {"agent": "agent108"}))[0] \
            == 200
        heard = await _heard(served, sockets)
        assert heard["nina"] == set() and heard["bo"] == {ids["ann-box"]}
        assert heard["otto"] == heard["root"] == {ids["ann-box"]}
        # the message given to ann, handled by support's supervisor: names agent107
        assert (await served.act("ann-given", "handle", "sue",
                                 {"disposition": "no_action"}))[0] == 200
        heard = await _heard(served, sockets)
        assert heard["nina"] == set() and heard["root"] == {ids["ann-given"]}
        # her own: the box's message given away, and a new one left in her box
        assert (await served.act("nina-box", "assign", "root", {"agent": "agent108"}))[0] \
            == 200
        assert (await _heard(served, sockets))["nina"] == {ids["nina-box"]}
        left = await _leave(served, tmp_path, "nina-new", "agent107")
        heard = await _heard(served, sockets)
        assert heard["nina"] == {left} and heard["bo"] == set()


#: a grid of messages: every box, assignee and time around nina's start
_QUEUES, _AGENTS = (None, "support", "sales"), (None, "agent107", "agent108")
_TIMES = (OLD, NINA_SINCE, RECENT)
VIEWERS = (Principal("nina", "agent", "agent107", NINA_SINCE),
           Principal("bo", "agent", "agent108", OLD),
           Principal("sue", "supervisor", None), Principal("otto", "supervisor", None),
           Principal("sal", "supervisor", "agent108", NINA_SINCE),  # sales', holds agent108
           Principal("max", "manager", None))


async def test_the_list_keeps_exactly_what_the_rule_lets_each_one_see(
        engine: AsyncEngine) -> None:
    crm = sessions(engine)
    grid = {f"g{n}": Owned(queue=queue, agent=agent, assignee=assignee, left_at=left,
                           assigned_at=given if assignee else None)
            for n, (queue, agent, assignee, left, given) in enumerate(itertools.product(
                _QUEUES, _AGENTS, _AGENTS, _TIMES, (None, *_TIMES)))
            if not (queue and agent)}  # a box is a queue's or an agent's
    await record_messages(crm, [NewMessage(
        call_id=call_id, mailbox=m.queue or m.agent or "lost", queue=m.queue, agent=m.agent,
        caller=CUSTOMER, left_at=m.left_at or OLD, duration=1.0, recording=call_id)
        for call_id, m in grid.items()])
    async with crm() as session, session.begin():
        for call_id, m in grid.items():
            if m.assignee:
                await session.execute(update(VoicemailMessage)
                                      .where(VoicemailMessage.call_id == call_id)
                                      .values(assignee=m.assignee, assigned_at=m.assigned_at,
                                              status="assigned"))
    scope = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"}),
                    "sal": frozenset({"sales"})}, MEMBERS)
    for viewer in VIEWERS:
        kept = visible_filter(viewer, scope)
        assert kept is not None
        listed: set[str] = set()
        for offset in range(0, len(grid), 200):
            listed.update(row["call_id"] for row in await list_messages(
                crm, visible=Visible(kept.queues, kept.agents, kept.own), limit=200,
                offset=offset))
        assert listed == {call_id for call_id, m in grid.items()
                          if may_see(viewer, m, scope)}, viewer.username
