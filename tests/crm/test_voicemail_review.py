"""Voicemail, reviewed, on SQLite and PostgreSQL: a message reassigned meanwhile is not
worked from a stale read; a play that skips the first byte is still on the audit log,
and the audio answers ranges as a call's recording does; retention keeps the file of
a message nobody has handled yet."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from contactcenter.recordings.retention import DAY, purge
from contactcenter.recordings.store import RecordingStore
from crm_core.models import Activity, AuditEntry, Contact, ContactPhone
from crm_core.voicemail import (
    Conflict,
    NewMessage,
    assign,
    get_message,
    handle,
    record_messages,
)
from tests.crm import test_voicemail_api as api
from tests.crm.test_voicemail_api import Served

NOW = dt.datetime.now(dt.UTC)
served = api.served  # the fixture: three messages, one of each kind of box


async def _plays(served: Served) -> list[tuple[str | None, int | None]]:
    async with served.crm() as session:
        return [tuple(row) for row in (await session.execute(
            select(AuditEntry.username, AuditEntry.entity_id)
            .where(AuditEntry.entity == "voicemail_play"))).all()]


async def test_the_former_assignee_does_not_handle_a_message_reassigned_meanwhile(
        served: Served) -> None:
    message = served.ids["c-support"]
    assert (await served.act("c-support", "assign", "sue", {"agent": "agent101"}))[0] == 200
    stale = await get_message(served.crm, message)  # agent101 reads it ...
    assert stale is not None
    assert (await served.act("c-support", "assign", "sue", {"agent": "agent103"}))[0] == 200
    with pytest.raises(Conflict):  # ... and handles it after it went to agent103
        await handle(served.crm, message, expected=stale["status"], holder=stale["assignee"],
                     disposition="resolved", label="Resolved", notes=None, by="agent101",
                     agent="agent101", now=NOW)
    with pytest.raises(Conflict):  # a second supervisor's reassignment from the same read
        await assign(served.crm, message, expected=stale["status"],
                     holder=stale["assignee"], assignee="agent101", by="root", now=NOW)
    now = await get_message(served.crm, message)
    assert now is not None and (now["status"], now["assignee"]) == ("assigned", "agent103")
    status, body = await served.act("c-support", "handle", "agent103",
                                    {"disposition": "resolved"})
    assert status == 200 and body["handled_by"] == "agent103"


async def _link(served: Served, who: str = "agent101") -> str:
    status, body = await served.call(
        "GET", f"/api/v1/voicemail/{served.ids['c-support']}/recording", who)
    assert status == 200 and body["status"] == "available", body
    return str(body["url"])


async def test_a_play_that_skips_the_first_byte_is_on_the_audit_log(served: Served) -> None:
    link = await _link(served)
    status, part = await served.call("GET", link, "agent101", Range="bytes=1-")
    assert status == 206 and part[:3] == b"IFF"
    assert await _plays(served) == [("agent101", served.ids["c-support"])]
    assert (await served.call("GET", link, "agent101", Range="bytes=100-"))[0] == 206
    assert len(await _plays(served)) == 1  # the same link seeking is the same play


async def test_the_audio_answers_ranges_as_a_call_recording_does(served: Served) -> None:
    link = await _link(served)
    status, whole = await served.call("GET", link, "agent101")
    assert status == 200 and whole[:4] == b"RIFF"
    size = len(whole)
    # past the end: 416 with the size; several ranges, or If-Range: the whole file
    async with served.client.get(link, headers=served.headers("agent101")
                                 | {"Range": f"bytes={size}-"}) as response:
        assert response.status == 416
        assert response.headers["Content-Range"] == f"bytes */{size}"
    for headers in ({"Range": "bytes=0-1,5-9"}, {"Range": "bytes=10-", "If-Range": "x"}):
        async with served.client.get(link, headers=served.headers("agent101")
                                     | headers) as response:
            assert response.status == 200 and len(await response.read()) == size
            assert response.headers["Cache-Control"] == "private, no-store"


async def test_retention_keeps_the_file_of_a_message_not_handled_yet(
        served: Served, tmp_path: Path) -> None:
    assert (await served.act("c-sales", "handle", "otto", {"disposition": "resolved"}))[0] \
        == 200
    store = RecordingStore(tmp_path / "recording")
    done = await purge(store, served.crm, days=1, now=time.time() + 3 * DAY)
    assert (done.deleted, done.kept) == (1, 2)
    left = {path.stem for path in (tmp_path / "recording").glob("*.wav")}
    assert left == {"voicemail-main-c-support", "voicemail-agent102-c-agent102"}
    status, body = await served.call(
        "GET", f"/api/v1/voicemail/{served.ids['c-support']}/recording", "agent101")
    assert (status, body["status"]) == (200, "available")


async def test_a_caller_entered_in_the_crm_after_the_message_gets_it_on_their_timeline(
        served: Served) -> None:
    unknown = "+15550007199"
    rows = await record_messages(served.crm, [NewMessage(
        call_id="c-unknown", mailbox="support", queue="support", agent=None, caller=unknown,
        left_at=NOW, duration=3.0, recording="voicemail-support-c-unknown")])
    assert rows[0]["contact_id"] is None  # nobody had the number when the message came
    async with served.crm() as session, session.begin():  # the agent calls back, enters them
        contact = Contact(first_name="Neil", last_name="New")
        session.add(contact)
        await session.flush()
        session.add(ContactPhone(contact_id=contact.id, e164=unknown))
        contact_id = contact.id
    served.ids["c-unknown"] = rows[0]["id"]
    status, body = await served.act("c-unknown", "handle", "sue",
                                    {"disposition": "called_back", "notes": "<b>ok</b>"})
    assert status == 200 and body["contact_id"] == contact_id
    assert body["contact_name"] == "Neil New"
    async with served.crm() as session:
        subjects = list(await session.scalars(
            select(Activity.subject).where(Activity.contact_id == contact_id)))
    assert subjects == [f"Voicemail from {unknown} handled: Called back"]
