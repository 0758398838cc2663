"""Voicemail as the pages follow it, on SQLite and PostgreSQL: each user's event stream
carries a message's news the moment it changes (a message left in a queue's box reaches
every agent of the queue) exactly when they may see the message; the handled messages
are listed, the last handled first, with who handled them, when and how, page by page."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import ClientWebSocketResponse

from contactcenter.events.journal import CallJournal
from contactcenter.voicemail.outbox import VoicemailOutbox
from tests.crm import test_voicemail_api
from tests.crm.test_voicemail_api import BOXES, CUSTOMER, SEES, Served

served = test_voicemail_api.served  # the messages, users and app of the API's tests

#: who follows the stream, and the last of the agents' state changes published after a
#: change (in this order: agent101, agent102, agent103) that their stream carries
LISTENERS = {"root": "agent103", "sue": "agent103", "otto": "agent102",
             "agent101": "agent101", "agent102": "agent102", "agent103": "agent103"}


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
                 ) -> dict[str, list[tuple[str, int, str | None]]]:
    """What each stream carried of the change just made: (type, message, agent), read
    up to the agents' state changes published after it (every listener sees one)."""
    for agent in ("agent101", "agent102", "agent103"):
        served.bus.publish({"type": "agent.state", "time": time.time(), "call_id": None,
                            "agent": agent, "state": "available", "reason": None,
                            "since": time.time()})
    heard: dict[str, list[tuple[str, int, str | None]]] = {}
    for who, socket in sockets.items():
        heard[who] = []
        while (event := await socket.receive_json(timeout=5))["agent"] != LISTENERS[who] \
                or event["type"] != "agent.state":
            if event["type"] != "agent.state":
                heard[who].append((event["type"], event["message"], event["agent"]))
    return heard


async def _leave(served: Served, tmp_path: Path, call_id: str, mailbox: str) -> int:
    """A message left for ``mailbox`` through the call journal, as ``serve`` writes one."""
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
    status, body = await served.call("GET", "/api/v1/voicemail?status=new", "root")
    assert status == 200
    return next(m["id"] for m in body["messages"] if m["call_id"] == call_id)


async def test_a_message_in_a_queues_box_reaches_each_agent_of_the_queue_at_once(
        served: Served, tmp_path: Path) -> None:
    async with _streams(served) as sockets:
        left = await _leave(served, tmp_path, "live-1", "main")  # support's box
        heard = await _heard(served, sockets)
    assert heard["agent101"] == [("voicemail.notice", left, "agent101")]
    assert heard["agent103"] == [("voicemail.notice", left, "agent103")]
    assert heard["agent102"] == [] and heard["otto"] == []  # sales'
    assert ("voicemail.message", left, None) in heard["sue"]
    assert ("voicemail.message", left, None) in heard["root"]


async def test_each_change_reaches_exactly_those_who_see_the_message(
        served: Served) -> None:
    async with _streams(served) as sockets:
        for call_id, action, who, body in (
                ("c-support", "take", "agent101", {}),
                ("c-sales", "handle", "otto", {"disposition": "no_action"}),
                ("c-agent102", "assign", "root", {"agent": "agent101"})):
            assert (await served.act(call_id, action, who, body))[0] == 200
            heard = await _heard(served, sockets)
            for listener in LISTENERS:
                told = {message for _type, message, _agent in heard[listener]}
                expected = {served.ids[call_id]} if call_id in SEES[listener] or (
                    call_id == "c-agent102" and listener in ("agent101", "sue")) else set()
                assert told == expected, (call_id, listener, heard[listener])
    # the agent whose box it is hears of it once it is given to someone else
    assert heard["agent102"] == [("voicemail.notice", served.ids["c-agent102"], "agent102")]
    assert heard["agent101"] == [("voicemail.assigned", served.ids["c-agent102"], "agent101")]


async def _handled(served: Served, who: str, query: str = "") -> list[dict[str, Any]]:
    status, body = await served.call("GET", f"/api/v1/voicemail?status=handled{query}", who)
    assert status == 200, body
    return list(body["messages"])


async def test_handled_messages_are_listed_with_who_handled_them_when_and_how(
        served: Served) -> None:
    assert (await served.act("c-support", "take", "agent101"))[0] == 200
    assert (await served.act("c-support", "handle", "agent101",
                             {"disposition": "called_back", "notes": "all sorted"}))[0] == 200
    assert (await served.act("c-sales", "handle", "otto",
                             {"disposition": "wrong_number"}))[0] == 200
    for who, seen in SEES.items():
        listed = await _handled(served, who)
        assert {m["call_id"] for m in listed} == seen - {"c-agent102"}, who
    first, second = await _handled(served, "root")
    assert (first["call_id"], first["disposition"], first["handled_by"]) == (
        "c-sales", "wrong_number", "otto")  # the last handled first
    assert (second["call_id"], second["disposition"], second["handled_by"],
            second["assignee"], second["notes"]) == (
        "c-support", "called_back", "agent101", "agent101", "all sorted")
    assert first["handled_at"] > second["handled_at"]
    assert [m["call_id"] for m in await _handled(served, "root", "&limit=1&offset=1")] \
        == ["c-support"]
    status, body = await served.call("GET", "/api/v1/voicemail?status=open", "root")
    assert status == 200 and [m["call_id"] for m in body["messages"]] == ["c-agent102"]
    status, body = await served.call("GET", "/api/v1/voicemail?status=done", "root")
    assert (status, body["field"]) == (422, "status")
