"""A transferred call's recordings over the HTTP API, on SQLite and PostgreSQL: the call
keeps every part (the first agent's and the second's), each listed in order with the
agent who took it, each playable by whoever may hear the call through a link of its
own, each in the audit log when played, and each deleted by retention in its time with
the call's record saying so for that part. A call written before parts were kept (its
one recording on the interaction) is listed as one part."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.recordings.retention import purge
from contactcenter.recordings.store import RecordingStore
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.recording_routes import add_recording_routes
from contactcenter.web.scope import Scopes
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.models import AuditEntry, CallRecording, Interaction, User
from crm_core.recordings import recorded_parts
from crm_core.users import load_users
from tests.crm.api_client import password_hash
from tests.recording_support import tone_wav

CUSTOMER = "+15550007002"
PEOPLE = {"root": ("admin", None), "sue": ("supervisor", None), "otto": ("supervisor", None),
          "vic": ("supervisor", None), "agent101": ("agent", "agent101"),
          "agent102": ("agent", "agent102"), "agent103": ("agent", "agent103"),
          "max": ("manager", None)}
STARTED = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
#: agent101 took t1 in support and transferred it to the sales queue, where agent102 took it
PARTS: list[dict[str, object]] = [
    {"name": "call-t1", "agent": "agent101", "queue": "support",
     "started": STARTED.isoformat()},
    {"name": "call-t1-2", "agent": "agent102", "queue": "sales",
     "started": (STARTED + dt.timedelta(seconds=40)).isoformat()}]

#: when the agent users were given their agent ids: long before any call here
HIRED = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)

@dataclass
class Served:
    client: TestClient
    auth: Authenticator
    folder: Path
    engine: AsyncEngine
    ids: dict[str, int]

    async def get(self, path: str, who: str | None, **headers: str) -> tuple[int, Any]:
        sent = dict(headers)
        if who is not None:
            role, agent = PEOPLE[who]
            token = self.auth.issue(Principal(who, role, agent), time.time())
            sent["Authorization"] = f"Bearer {token}"
        async with self.client.get(path, headers=sent) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def parts(self, call_id: str, who: str) -> tuple[int, Any]:
        return await self.get(f"/api/v1/interactions/{self.ids[call_id]}/recordings", who)


def _call(call_id: str, **fields: Any) -> CallSummary:
    return CallSummary(call_id=call_id, caller=CUSTOMER, dialed="5000", started=STARTED,
                       ended=STARTED + dt.timedelta(seconds=90), outcome="answered",
                       talk_seconds=85.0, engine="asterisk", **fields)


@pytest.fixture
async def served(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Served]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=agent, active=True,
                             password_hash=password_hash(), agent_since=HIRED)
                        for name, (role, agent) in PEOPLE.items())
        # a call written before the parts were kept: its one recording on the interaction
        session.add(Interaction(call_id="o1", caller=CUSTOMER, started_at=STARTED,
                                queue="support", agent="agent101", recording="call-o1"))
    folder = tmp_path / "recording"
    for name in ("call-t1", "call-t1-2", "call-o1"):
        tone_wav(folder / f"{name}.wav", seconds=0.5 if name == "call-t1" else 1.0)
    await record_calls(crm, [_call("t1", queue="sales", agent="agent102",
                                   recording="call-t1-2", recordings=PARTS)])
    async with crm() as session:
        ids = {str(call_id): id_ for call_id, id_ in await session.execute(
            select(Interaction.call_id, Interaction.id))}
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    scopes = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"}),
                     "vic": frozenset({"billing"})},
                    {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"}),
                     "agent103": frozenset({"support", "sales"})})
    app = create_app(bus=EventBus(), journal=journal, auth=auth, health_check=dict,
                     database=crm, supervised=scopes)
    add_recording_routes(app, RecordingStore(folder), load_secret(tmp_path))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Served(client, auth, folder, engine, ids)
    finally:
        await client.close()
        journal.close()


async def test_the_store_keeps_both_parts_in_order_with_their_agents(served: Served) -> None:
    crm = sessions(served.engine)
    async with crm() as session:
        rows = (await session.execute(select(CallRecording.part, CallRecording.name,
                                             CallRecording.agent, CallRecording.queue)
                                      .order_by(CallRecording.part))).all()
    assert [tuple(row) for row in rows] == [(1, "call-t1", "agent101", "support"),
                                            (2, "call-t1-2", "agent102", "sales")]
    found = await recorded_parts(crm, [{"id": served.ids["t1"], "recording": "call-t1-2"},
                                       {"id": served.ids["o1"], "recording": "call-o1",
                                        "agent": "agent101", "queue": "support"}])
    assert [(p["name"], p["agent"]) for p in found[served.ids["t1"]]] == [
        ("call-t1", "agent101"), ("call-t1-2", "agent102")]
    assert found[served.ids["t1"]][0]["started_at"] == STARTED.isoformat()
    assert found[served.ids["o1"]] == [{"part": 1, "name": "call-o1", "agent": "agent101",
                                        "queue": "support", "started_at": None}]
    # the same call offered again (the outbox after a crash) writes no second set
    await record_calls(crm, [_call("t1", recording="call-t1-2", recordings=PARTS)])
    async with crm() as session:
        assert len((await session.scalars(select(CallRecording.id))).all()) == 2


@pytest.mark.parametrize("who", ["agent101", "agent102", "sue", "otto", "root"])
async def test_whoever_may_hear_the_call_plays_each_part(served: Served, who: str) -> None:
    status, body = await served.parts("t1", who)
    assert status == 200, body
    parts = body["parts"]
    assert [(p["part"], p["name"], p["agent"], p["status"]) for p in parts] == [
        (1, "call-t1", "agent101", "available"), (2, "call-t1-2", "agent102", "available")]
    for part in parts:
        status, wav = await served.get(part["url"], who)
        assert status == 200
        assert wav == (served.folder / f"{part['name']}.wav").read_bytes()
    # one part at a time (a player renewing its link), and the last as the call's recording
    status, first = await served.get(
        f"/api/v1/interactions/{served.ids['t1']}/recordings/1", who)
    assert (status, first["name"], first["agent"]) == (200, "call-t1", "agent101")
    status, last = await served.get(f"/api/v1/interactions/{served.ids['t1']}/recording", who)
    assert (status, last["name"]) == (200, "call-t1-2")
    status, _ = await served.get(f"/api/v1/interactions/{served.ids['t1']}/recordings/3", who)
    assert status == 404


@pytest.mark.parametrize("who", ["agent103", "vic", "max"])
async def test_anyone_else_gets_no_part(served: Served, who: str) -> None:
    assert (await served.parts("t1", who))[0] == 403
    _, body = await served.parts("t1", "agent101")
    for part in body["parts"]:
        status, _ = await served.get(part["url"], who)
        assert status == 403


async def test_each_part_s_play_is_logged_with_its_own_recording(served: Served) -> None:
    _, body = await served.parts("t1", "agent101")
    for part in body["parts"]:
        await served.get(part["url"], "agent101")
    async with sessions(served.engine)() as session:
        plays = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "recording_play").order_by(AuditEntry.id)))
    assert [(p.username, p.entity_id, p.changes["recording"]["after"]) for p in plays] == [
        ("agent101", served.ids["t1"], "call-t1"), ("agent101", served.ids["t1"], "call-t1-2")]


async def test_retention_deletes_the_first_part_and_the_record_says_so_for_it(
        served: Served) -> None:
    old = time.time() - 40 * 86400
    os.utime(served.folder / "call-t1.wav", (old, old))
    _, before = await served.parts("t1", "agent101")
    done = await purge(RecordingStore(served.folder), sessions(served.engine), days=30,
                       now=time.time())
    assert done.deleted == 1
    status, body = await served.parts("t1", "agent101")
    assert status == 200
    first, second = body["parts"]
    assert (first["status"], first["reason"], first["agent"]) == (
        "deleted", "retention", "agent101")
    assert first["deleted_at"][:10] == dt.datetime.now(dt.UTC).date().isoformat()
    assert second["status"] == "available"
    assert (await served.get(before["parts"][0]["url"], "agent101"))[0] == 410
    assert (await served.get(before["parts"][1]["url"], "agent101"))[0] == 200
    async with sessions(served.engine)() as session:
        [deletion] = await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "recording"))
    # the first part's deletion names its call, though the interaction names the second
    assert (deletion.entity_id, deletion.changes["recording"]["before"]) == (
        served.ids["t1"], "call-t1")


async def test_the_contact_card_lists_every_part_and_an_old_call_its_one(
        served: Served) -> None:
    async with served.client.post("/api/v1/contacts", headers={
            "Authorization": "Bearer " + served.auth.issue(Principal("root", "admin"),
                                                           time.time())},
            json={"first_name": "Tess", "last_name": "Transferred",
                  "phones": [{"number": CUSTOMER}]}) as response:
        assert response.status == 201, await response.text()
        contact = int((await response.json())["id"])
    async with sessions(served.engine)() as session, session.begin():  # link the calls
        for interaction in await session.scalars(select(Interaction)):
            interaction.contact_id = contact
    for who, heard in (("agent101", {"t1", "o1"}), ("agent102", {"t1"}), ("agent103", set())):
        status, card = await served.get(f"/api/v1/contacts/{contact}/card", who)
        assert status == 200, card
        items = {item["call_id"]: item for item in card["timeline"]["items"]}
        assert {call for call, item in items.items() if "recording_parts" in item} == heard
        if "t1" in heard:
            assert [(p["name"], p["agent"], p["status"])
                    for p in items["t1"]["recording_parts"]] == [
                ("call-t1", "agent101", "available"), ("call-t1-2", "agent102", "available")]
            assert items["t1"]["recording_play"]["name"] == "call-t1-2"
        if "o1" in heard:
            assert [p["name"] for p in items["o1"]["recording_parts"]] == ["call-o1"]
