"""Agent ids are handed on to new hires: over the HTTP API, on SQLite and PostgreSQL, the
new holder of an agent id does not hear the calls taken under it before it was theirs
(403), hears their own later ones, and an admin who re-links a user to an agent id
moves the user's start to that moment. Users from the config file hold their agent
id from the start that made their row or changed their ``agent``."""

from __future__ import annotations

import datetime as dt
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
from contactcenter.recordings.store import RecordingStore
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from contactcenter.web.recording_routes import add_recording_routes
from contactcenter.web.scope import Scopes
from crm_core.audit import utc
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.models import Interaction, User
from crm_core.users import ConfiguredUser, load_users, upsert_configured
from tests.crm.api_client import password_hash

CUSTOMER = "+15550007002"
NOW = dt.datetime.now(dt.UTC)
#: name -> (role, agent id, since when it is theirs, active): ann held agent107 and
#: left; nina was given agent107 two days ago; bo holds agent108
PEOPLE: dict[str, tuple[str, str | None, dt.datetime, bool]] = {
    "root": ("admin", None, NOW - dt.timedelta(days=900), True),
    "sue": ("supervisor", None, NOW - dt.timedelta(days=900), True),
    "ann": ("agent", "agent107", NOW - dt.timedelta(days=600), False),
    "nina": ("agent", "agent107", NOW - dt.timedelta(days=2), True),
    "bo": ("agent", "agent108", NOW - dt.timedelta(days=300), True)}


@dataclass
class Served:
    client: TestClient
    auth: Authenticator
    crm: Any
    folder: Path
    ids: dict[str, int]  #: call id -> interaction id

    def headers(self, who: str) -> dict[str, str]:
        role, agent, _since, _active = PEOPLE[who]
        token = self.auth.issue(Principal(who, role, agent), time.time())
        return {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, who: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.client.request(method, path, headers=self.headers(who),
                                       **kwargs) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def hears(self, call_id: str, who: str) -> int:
        """The status of the call's recording for ``who``; the audio too when heard."""
        status, body = await self.call(
            "GET", f"/api/v1/interactions/{self.ids[call_id]}/recordings", who)
        if status == 200:
            link = body["parts"][-1]["url"]
            played, audio = await self.call("GET", link, who)
            assert played == 200 and audio[:4] == b"RIFF"
        return status

    async def record(self, call_id: str, agent: str, started: dt.datetime) -> None:
        (self.folder / f"call-{call_id}.wav").write_bytes(b"RIFF" + bytes(60))
        await record_calls(self.crm, [CallSummary(
            call_id=call_id, caller=CUSTOMER, dialed="5000", started=started,
            ended=started + dt.timedelta(seconds=60), outcome="answered", queue="support",
            agent=agent, talk_seconds=55.0, recording=f"call-{call_id}", engine="asterisk")])
        async with self.crm() as session:
            self.ids.update((await session.execute(
                select(Interaction.call_id, Interaction.id))).all())


@pytest.fixture
async def served(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Served]:
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=name, role=role, agent=agent, active=active,
                             password_hash=password_hash(), agent_since=since)
                        for name, (role, agent, since, active) in PEOPLE.items())
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, auth=auth, health_check=dict,
                     database=crm, supervised=Scopes(
                         {"sue": frozenset({"support"})},
                         {"agent107": frozenset({"support"}),
                          "agent108": frozenset({"support"})}))
    folder = tmp_path / "recording"
    folder.mkdir()
    add_recording_routes(app, RecordingStore(folder), load_secret(tmp_path))
    client = TestClient(TestServer(app))
    await client.start_server()
    served = Served(client, auth, crm, folder, {})
    await served.record("ann1", "agent107", NOW - dt.timedelta(days=10))  # ann's
    await served.record("nina1", "agent107", NOW - dt.timedelta(hours=1))  # nina's
    await served.record("bo1", "agent108", NOW - dt.timedelta(hours=3))
    try:
        yield served
    finally:
        await client.close()
        journal.close()


async def test_the_new_holder_does_not_hear_the_previous_holders_call(served: Served) -> None:
    assert await served.hears("ann1", "nina") == 403
    assert await served.hears("nina1", "nina") == 200  # her own, since she holds it
    assert await served.hears("ann1", "sue") == 200  # the queue's supervisor still does
    assert await served.hears("ann1", "root") == 200
    assert await served.hears("bo1", "nina") == 403


async def test_the_contact_card_offers_the_new_holder_only_her_own_call(served: Served) -> None:
    status, made = await served.call("POST", "/api/v1/contacts", "root", json={
        "first_name": "Rita", "last_name": "Reused", "phones": [{"number": CUSTOMER}]})
    assert status == 201, made
    async with served.crm() as session, session.begin():
        for interaction in await session.scalars(select(Interaction)):
            interaction.contact_id = int(made["id"])
    status, card = await served.call("GET", f"/api/v1/contacts/{made['id']}/card", "nina")
    assert status == 200, card
    playable = {item["call_id"] for item in card["timeline"]["items"]
                if item.get("recording_play", {}).get("status") == "available"}
    assert playable == {"nina1"}


async def test_an_admin_relinking_an_agent_id_moves_the_start(served: Served) -> None:
    """bo is given agent107: ann's and nina's calls under it stay theirs, and his own
    call under agent108 is no longer his as its agent; his next call under agent107 is."""
    assert await served.hears("bo1", "bo") == 200
    status, users = await served.call("GET", "/api/v1/users?username=bo", "root")
    [user] = users["items"]
    before = utc(dt.datetime.fromisoformat(user["agent_since"]))
    status, changed = await served.call("PATCH", f"/api/v1/users/{user['id']}", "root",
                                        json={"agent": "agent107"})
    assert status == 200, changed
    since = utc(dt.datetime.fromisoformat(changed["agent_since"]))
    assert since > before and abs(since - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert await served.hears("ann1", "bo") == 403
    assert await served.hears("nina1", "bo") == 403
    assert await served.hears("bo1", "bo") == 403
    await served.record("bo2", "agent107", since + dt.timedelta(seconds=1))
    assert await served.hears("bo2", "bo") == 200
    assert await served.hears("bo2", "nina") == 200  # both hold agent107 now: it is hers too


async def test_a_change_that_keeps_the_agent_id_keeps_the_start(served: Served) -> None:
    status, users = await served.call("GET", "/api/v1/users?username=nina", "root")
    [user] = users["items"]
    status, changed = await served.call("PATCH", f"/api/v1/users/{user['id']}", "root",
                                        json={"full_name": "Nina N.", "agent": "agent107"})
    assert status == 200, changed
    assert changed["agent_since"] == user["agent_since"]
    assert await served.hears("nina1", "nina") == 200


async def test_a_config_user_holds_their_agent_id_from_the_start_that_gave_it(
        served: Served) -> None:
    crm = served.crm
    await upsert_configured(crm, [ConfiguredUser("zoe", "zoe-password", "agent", "agent109")])
    first = {user.username: user for user in await load_users(crm)}["zoe"].agent_since
    assert first is not None and abs(first - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    await upsert_configured(crm, [ConfiguredUser("zoe", "zoe-password", "agent", "agent109")])
    same = {user.username: user for user in await load_users(crm)}["zoe"].agent_since
    assert same == first  # a start that changes nothing moves nothing
    await upsert_configured(crm, [ConfiguredUser("zoe", "zoe-password", "agent", "agent110")])
    moved = {user.username: user for user in await load_users(crm)}["zoe"].agent_since
    assert moved is not None and moved > first
