"""A call's recording, over the HTTP API, for every role: the agent who took the call,
the supervisor of its queue and admins hear it; another agent, a supervisor of another
queue, a manager, sales, marketing and anyone not signed in do not. The audio is served
behind a signed link made for one user, with ranges, never cached, never from outside
the recordings' folder; each play and each deletion by retention is in the audit log."""

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
from contactcenter.recordings.tokens import LINK_LIFETIME
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.recording_routes import RECORDINGS, add_recording_routes
from contactcenter.web.scope import Scopes
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.models import AuditEntry, Interaction, User
from crm_core.users import load_users
from tests.crm.api_client import password_hash
from tests.recording_support import tone_wav

CUSTOMER = "+15550007001"
#: name -> (role, agent endpoint): one of each role, two agents, two scoped supervisors
PEOPLE = {"root": ("admin", None), "sue": ("supervisor", None), "otto": ("supervisor", None),
          "agent101": ("agent", "agent101"), "agent102": ("agent", "agent102"),
          "max": ("manager", None), "sam": ("sales", None), "mia": ("marketing", None)}
#: who hears agent101's support call, and who is refused (None: not signed in)
HEARS = ("agent101", "sue", "root")
REFUSED = (("agent102", 403), ("otto", 403), ("max", 403), ("sam", 403), ("mia", 403),
           (None, 401))

#: when the agent users were given their agent ids: long before any call here
HIRED = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)

@dataclass
class Served:
    client: TestClient
    auth: Authenticator
    folder: Path
    engine: AsyncEngine
    ids: dict[str, int]  #: call id -> interaction id

    def headers(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        role, agent = PEOPLE[who]
        token = self.auth.issue(Principal(who, role, agent), time.time())
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, who: str | None, **headers: str) -> tuple[int, Any]:
        async with self.client.get(path, headers=self.headers(who) | headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, (await response.read(), response.headers)

    async def status(self, call_id: str, who: str | None) -> tuple[int, Any]:
        return await self.get(f"/api/v1/interactions/{self.ids[call_id]}/recording", who)

    async def link(self, call_id: str, who: str) -> str:
        status, body = await self.status(call_id, who)
        assert status == 200 and body["status"] == "available", body
        return str(body["url"])


def _call(call_id: str, recording: str, *, agent: str = "agent101", queue: str = "support",
          ago: float = 3600) -> CallSummary:
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=ago)
    return CallSummary(call_id=call_id, caller=CUSTOMER, dialed="5000", started=started,
                       ended=started + dt.timedelta(seconds=60), outcome="answered",
                       queue=queue, agent=agent, talk_seconds=55.0, recording=recording,
                       engine="asterisk")


@pytest.fixture
async def served(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Served]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=agent, active=True,
                             password_hash=password_hash(), agent_since=HIRED)
                        for name, (role, agent) in PEOPLE.items())
    folder = tmp_path / "recording"
    tone_wav(folder / "call-c1.wav")
    tone_wav(folder / "call-c3.wav")
    (tmp_path / "secret.txt").write_text("not a recording")
    await record_calls(crm, [_call("c1", "call-c1"), _call("c2", "call-c2"),
                             _call("c3", "call-c3", agent="agent102", queue="sales"),
                             _call("c4", "../secret.txt"), _call("c5", "/etc/passwd")])
    async with crm() as session:
        ids = dict((await session.execute(select(Interaction.call_id, Interaction.id))).all())
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    scopes = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"})},
                    {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"})})
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


@pytest.mark.parametrize("who", HEARS)
async def test_those_who_may_hear_it_get_a_link_and_the_audio(served: Served, who: str) -> None:
    status, body = await served.status("c1", who)
    assert status == 200, body
    assert body["status"] == "available" and body["type"] == "audio/wav"
    assert body["url"].startswith("/api/v1/recordings/")
    assert "call-c1" not in body["url"]  # the link names no file: it is signed, not guessed
    status, (data, headers) = await served.get(body["url"], who)
    assert status == 200
    assert data == (served.folder / "call-c1.wav").read_bytes() and data[:4] == b"RIFF"
    assert headers["Content-Type"] == "audio/wav"
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(("who", "expected"), REFUSED)
async def test_everyone_else_is_refused_the_recording_and_its_audio(
        served: Served, who: str | None, expected: int) -> None:
    status, body = await served.status("c1", who)
    assert status == expected, body
    assert "url" not in body
    # nor does a link made for someone who may hear it play for them
    status, body = await served.get(await served.link("c1", "agent101"), who)
    assert status == expected, body


async def test_each_agent_hears_their_own_calls_and_each_supervisor_their_queues(
        served: Served) -> None:
    assert (await served.status("c3", "agent102"))[0] == 200
    assert (await served.status("c3", "otto"))[0] == 200
    assert (await served.status("c3", "agent101"))[0] == 403
    assert (await served.status("c3", "sue"))[0] == 403


async def test_a_link_is_bound_to_its_user_its_recording_and_its_time(served: Served) -> None:
    link = await served.link("c1", "agent101")
    payload, mac = link.rsplit("/", 1)[1].split(".")
    other = (await served.link("c3", "agent102")).rsplit("/", 1)[1].split(".")
    # another recording's payload under this link's signature, and the other way round
    for forged in (f"{other[0]}.{mac}", f"{payload}.{other[1]}", f"{payload}x.{mac}",
                   "", ".", "a.b.c", "%2e%2e", "x.%C3%A9", "%ED%B3%BF.x", "x" * 2000):
        status, body = await served.get(f"/api/v1/recordings/{forged}", "agent101")
        assert status in (403, 404), (forged, status, body)
    # an expired link: the same one, a moment after its lifetime
    recordings = served.client.app[RECORDINGS]
    recordings.clock = lambda: time.time() + LINK_LIFETIME + 1
    status, body = await served.get(link, "agent101")
    assert status == 403 and body["field"] == "link"


async def test_ranges_let_the_player_seek(served: Served) -> None:
    link = await served.link("c1", "agent101")
    whole = (served.folder / "call-c1.wav").read_bytes()
    status, (part, headers) = await served.get(link, "agent101", Range="bytes=1000-1999")
    assert status == 206
    assert part == whole[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(whole)}"
    assert headers["Content-Type"] == "audio/wav"
    status, _ = await served.get(link, "agent101", Range=f"bytes={len(whole) + 10}-")
    assert status == 416


async def test_no_name_reads_a_file_outside_the_recordings_folder(served: Served) -> None:
    for call_id in ("c4", "c5"):  # names with ../ and an absolute path, in the database
        status, body = await served.status(call_id, "root")
        assert (status, body["status"]) == (200, "missing")
    (served.folder / "call-c6.wav").symlink_to(served.folder.parent / "secret.txt")
    assert RecordingStore(served.folder).find("call-c6") is None
    for name in ("../secret.txt", "..", "/etc/passwd", ".hidden", "a/b", "call-c1.wav/.."):
        assert RecordingStore(served.folder).path_of(name) is None, name
    for path in ("/api/v1/recordings/..%2F..%2Fsecret.txt", "/api/v1/recordings/../secret.txt"):
        status, _ = await served.get(path, "root")
        assert status in (403, 404)


async def _audit(served: Served, entity: str) -> list[AuditEntry]:
    async with sessions(served.engine)() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.entity == entity)
                                          .order_by(AuditEntry.id)))


async def test_every_play_is_in_the_audit_log_and_seeking_is_not_another(
        served: Served) -> None:
    link = await served.link("c1", "sue")
    await served.get(link, "sue", Range="bytes=0-")
    await served.get(link, "sue", Range="bytes=4000-")  # the same play, seeking
    await served.get(link, "sue")
    plays = await _audit(served, "recording_play")
    assert [(p.username, p.action, p.entity_id) for p in plays] == [
        ("sue", "create", served.ids["c1"])] * 2
    assert plays[0].changes["recording"]["after"] == "call-c1"
    assert plays[0].changes["call_id"]["after"] == "c1"


async def test_retention_deletes_old_recordings_and_the_record_says_so(served: Served) -> None:
    old = time.time() - 40 * 86400
    os.utime(served.folder / "call-c1.wav", (old, old))
    store, crm = RecordingStore(served.folder), sessions(served.engine)
    link = await served.link("c1", "agent101")
    assert (await purge(store, crm, days=0, now=time.time())).deleted == 0  # for ever
    counted = await purge(store, crm, days=30, now=time.time(), dry_run=True)
    assert (counted.deleted, counted.kept) == (1, 1)
    assert (served.folder / "call-c1.wav").exists()
    done = await purge(store, crm, days=30, now=time.time())
    assert (done.deleted, done.kept) == (1, 1)
    assert not (served.folder / "call-c1.wav").exists()
    assert (served.folder / "call-c3.wav").exists()  # younger than 30 days
    status, body = await served.status("c1", "agent101")
    assert (status, body["status"], body["reason"]) == (200, "deleted", "retention")
    assert body["deleted_at"][:10] == dt.datetime.now(dt.UTC).date().isoformat()
    status, body = await served.get(link, "agent101")
    assert status == 410 and "retention" in body["error"]
    [deletion] = await _audit(served, "recording")
    assert (deletion.action, deletion.entity_id) == ("delete", served.ids["c1"])
    assert deletion.changes["recording"]["before"] == "call-c1"


async def test_the_contact_card_has_a_player_only_for_those_who_may_hear(
        served: Served) -> None:
    contact = await _contact(served)
    support = {"c1", "c2", "c4", "c5"}  # agent101's calls: c2's file was never written
    for who, heard in (("agent101", support), ("agent102", {"c3"}), ("sue", support),
                       ("otto", {"c3"}), ("root", support | {"c3"}), ("max", set())):
        status, card = await served.get(f"/api/v1/contacts/{contact}/card", who)
        assert status == 200, card
        items = {item["call_id"]: item for item in card["timeline"]["items"]}
        playable = {call for call, item in items.items()
                    if item.get("recording_play", {}).get("status") == "available"}
        assert playable == heard & {"c1", "c3"}, who
        shown = {call for call, item in items.items() if "recording_play" in item}
        assert shown == heard, who
        if "c2" in heard:
            assert items["c2"]["recording_play"] == {
                "status": "missing", "part": 1, "name": "call-c2", "agent": "agent101",
                "queue": "support", "started_at": None}
    status, page = await served.get(f"/api/v1/contacts/{contact}/timeline", "agent102")
    assert status == 200
    assert [i["call_id"] for i in page["items"] if "recording_play" in i] == ["c3"]


async def _contact(served: Served) -> int:
    async with served.client.post("/api/v1/contacts", headers=served.headers("root"), json={
            "first_name": "Rita", "last_name": "Recorded",
            "phones": [{"number": CUSTOMER}]}) as response:
        assert response.status == 201, await response.text()
        contact = int((await response.json())["id"])
    async with sessions(served.engine)() as session, session.begin():  # link the calls
        for interaction in await session.scalars(select(Interaction)):
            interaction.contact_id = contact
    return contact
