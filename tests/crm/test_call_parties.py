"""A call's hold time and its parties' times, from the call control events to its CRM
interaction: an attended transfer after a hold, and a blind transfer back to a queue."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.catalogue import CATALOGUE
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal, CallRecord
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone, Interaction
from tests.crm.api_client import Api
from tests.support import until

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
T = START.timestamp()
CALLER = "+15550001001"
VARIABLES = {"language": "en", "skill": "support", "priority": "0"}


def _at(seconds: float) -> str:
    """A time of the call as the CRM's API writes it."""
    return (START + dt.timedelta(seconds=seconds)).isoformat()


def _event(type_: str, seconds: float, call_id: str, /, **data: Any) -> dict[str, Any]:
    return {"type": type_, "call_id": call_id, "time": T + seconds, **data}


def _queued_to_agent101(call_id: str) -> list[dict[str, Any]]:
    """The caller picks support in the menu and agent101 answers after 12 s."""
    return [
        _event("call.arrived", 0, call_id, caller=CALLER, caller_name="", dialed="5000",
               flow="main"),
        _event("ivr.step", 0.5, call_id, node="main_menu", node_type="menu"),
        _event("ivr.digits", 3, call_id, node="main_menu", digits="2"),
        _event("ivr.exit", 3, call_id, kind="queue", target="support", reason="support",
               variables=VARIABLES),
        _event("call.queued", 3, call_id, queue="support", priority=0, skill="support",
               variables=VARIABLES),
        _event("call.offered", 9, call_id, queue="support", agent="agent101"),
        _event("call.answered", 12, call_id, queue="support", agent="agent101", wait=9.0),
    ]


def attended_transfer(call_id: str) -> list[dict[str, Any]]:
    """agent101 holds the caller 5 s, consults agent103 (the caller held again, 30 s),
    and hands the call over; agent103 talks on until the caller hangs up."""
    return [
        *_queued_to_agent101(call_id),
        _event("call.held", 40, call_id, agent="agent101"),
        _event("call.retrieved", 45, call_id, agent="agent101", held=5.0),
        _event("call.consulting", 60, call_id, agent="agent101", to_kind="agent",
               to="agent103"),
        _event("call.consult_answered", 66, call_id, agent="agent101", to_kind="agent",
               to="agent103"),
        _event("call.transferred", 90, call_id, agent="agent101", kind="attended",
               to_kind="agent", to="agent103"),
        _event("call.completed", 90, call_id, queue="support", agent="agent101", talk=78.0),
        _event("call.party_left", 90, call_id, agent="agent101", role="agent", who="agent101",
               talked=78.0),
        _event("call.completed", 150, call_id, queue="support", agent="agent103", talk=60.0),
        _event("call.party_left", 150, call_id, agent="agent103", role="agent",
               who="agent103", talked=84.0),
        _event("call.control_ended", 150, call_id, agent=None, held_total=35.0,
               handled_by=["agent101", "agent103"]),
        _event("call.ended", 150, call_id, cause="normal", outcome="answered",
               duration=150.0),
        _event("call.wrapped", 180, call_id, queue="support", agent="agent103", wrap=30.0),
    ]


def blind_transfer(call_id: str) -> list[dict[str, Any]]:
    """agent101 sends the caller back to support after 18 s; agent103 answers 4 s later
    and is on the call until it ends."""
    return [
        *_queued_to_agent101(call_id),
        _event("call.transferred", 30, call_id, agent="agent101", kind="blind",
               to_kind="queue", to="support"),
        _event("call.party_left", 30, call_id, agent="agent101", role="agent", who="agent101",
               talked=18.0),
        _event("call.requeued", 30, call_id, agent=None, queue="support", to_agent=None,
               held_total=0.0),
        _event("call.queued", 30, call_id, queue="support", priority=0, skill=None,
               variables={**VARIABLES, "transferred_by": "agent101"}),
        _event("call.offered", 30, call_id, queue="support", agent="agent103"),
        _event("call.answered", 34, call_id, queue="support", agent="agent103", wait=31.0),
        _event("call.ended", 94, call_id, cause="normal", outcome="answered", duration=94.0),
    ]


def _catalogued(events: list[dict[str, Any]]) -> None:
    """Each event has a type of the catalogue, every field it must have, no other, and
    each of the type the catalogue says (as the suite's strict checking has it)."""
    for event in events:
        spec = CATALOGUE[event["type"]]
        known = {item.name: item.types for item in spec.fields}
        assert spec.required <= event.keys(), event
        assert event.keys() <= {*known, "type", "time", "call_id"}, event
        for name, types in known.items():
            assert name not in event or isinstance(event[name], types), (event, name)


def _replayed(folder: Path, events: list[dict[str, Any]]) -> CallJournal:
    _catalogued(events)
    journal = CallJournal(folder / "calls.jsonl")
    journal.open()
    for event in events:
        journal.append(event)
    return journal


async def _written_by_the_outbox(engine: AsyncEngine, journal: CallJournal,
                                 call_id: str) -> Interaction:
    outbox = CrmOutbox(journal, sessions(engine))
    task = asyncio.ensure_future(outbox.run(EventBus()))
    try:
        await until(lambda: outbox.written == 1)
    finally:
        task.cancel()
    async with sessions(engine)() as session:
        row = await session.scalar(select(Interaction).where(Interaction.call_id == call_id))
    assert row is not None
    return row


def _has_the_attended_transfer(record: CallRecord) -> None:
    assert record.held == 35.0
    assert record.agents == ["agent101", "agent103"]
    assert record.agent == "agent103"
    assert record.parties == [
        {"role": "caller", "who": CALLER, "joined": T, "left": T + 150},
        {"role": "agent", "who": "agent101", "joined": T + 12, "left": T + 90},
        {"role": "consulted", "who": "agent103", "joined": T + 66, "left": T + 150,
         "took_over": True},
    ]


async def test_an_attended_transfer_after_a_hold(engine: AsyncEngine, tmp_path: Path) -> None:
    events = attended_transfer("att-1")
    journal = _replayed(tmp_path, events[:9])  # up to the end of the hold
    record = journal.records["att-1"]
    assert (record.held, record.agents, record.agent) == (5.0, ["agent101"], "agent101")
    for event in events[9:]:
        journal.append(event)
    # the 5 s hold, and the 30 s the caller waited on hold while agent101 consulted
    _has_the_attended_transfer(record)
    row = await _written_by_the_outbox(engine, journal, "att-1")
    journal.close()
    assert (row.agent, row.hold_seconds, row.talk_seconds) == ("agent103", 35.0, 138.0)
    assert row.parties == [
        {"role": "caller", "who": CALLER, "joined": _at(0), "left": _at(150)},
        {"role": "agent", "who": "agent101", "joined": _at(12), "left": _at(90)},
        {"role": "consulted", "who": "agent103", "joined": _at(66), "left": _at(150),
         "took_over": True},
    ]


async def test_a_blind_transfer_to_a_queue(engine: AsyncEngine, tmp_path: Path) -> None:
    events = blind_transfer("blind-1")
    journal = _replayed(tmp_path, events[:12])  # back in the queue, offered to agent103
    record = journal.records["blind-1"]
    # waiting again since they first joined; still agent101's until agent103 answers
    assert (record.state, record.queued, record.agent) == ("queued", T + 3, "agent101")
    for event in events[12:]:
        journal.append(event)
    assert (record.agent, record.agents, record.held) == (
        "agent103", ["agent101", "agent103"], 0.0)
    assert record.parties == [
        {"role": "caller", "who": CALLER, "joined": T, "left": T + 94},
        {"role": "agent", "who": "agent101", "joined": T + 12, "left": T + 30},
        {"role": "agent", "who": "agent103", "joined": T + 34, "left": T + 94},
    ]
    row = await _written_by_the_outbox(engine, journal, "blind-1")
    journal.close()
    assert (row.agent, row.hold_seconds, row.talk_seconds) == ("agent103", 0.0, 60.0)
    assert row.parties == [
        {"role": "caller", "who": CALLER, "joined": _at(0), "left": _at(94)},
        {"role": "agent", "who": "agent101", "joined": _at(12), "left": _at(30)},
        {"role": "agent", "who": "agent103", "joined": _at(34), "left": _at(94)},
    ]


async def test_a_call_no_agent_had_has_neither_hold_time_nor_agents(
        engine: AsyncEngine, tmp_path: Path) -> None:
    events = [*_queued_to_agent101("gone-1")[:5],
              _event("call.ended", 20, "gone-1", cause="normal",
                     outcome="abandoned_in_queue", duration=20.0)]
    journal = _replayed(tmp_path, events)
    row = await _written_by_the_outbox(engine, journal, "gone-1")
    journal.close()
    assert row.hold_seconds is None
    assert row.parties == [{"role": "caller", "who": CALLER, "joined": _at(0),
                            "left": _at(20)}]


async def test_the_api_reads_the_hold_time_and_the_parties(api: Api, tmp_path: Path) -> None:
    async with sessions(api.engine)() as session, session.begin():
        ada = Contact(first_name="Ada", last_name="Lovelace",
                      phones=[ContactPhone(e164=CALLER)])
        session.add(ada)
        await session.flush()
        ada_id = ada.id
    journal = _replayed(tmp_path, attended_transfer("att-2"))
    await _written_by_the_outbox(api.engine, journal, "att-2")
    journal.close()
    parties = [
        {"role": "caller", "who": CALLER, "joined": _at(0), "left": _at(150)},
        {"role": "agent", "who": "agent101", "joined": _at(12), "left": _at(90)},
        {"role": "consulted", "who": "agent103", "joined": _at(66), "left": _at(150),
         "took_over": True}]
    status, page = await api.call("GET", "/api/v1/interactions?call_id=att-2", "supervisor")
    assert status == 200, page
    [item] = page["items"]
    assert (item["hold_seconds"], item["parties"], item["contact_id"]) == (35.0, parties,
                                                                            ada_id)
    status, timeline = await api.call("GET", f"/api/v1/contacts/{ada_id}/timeline",
                                      "supervisor")
    assert status == 200, timeline
    [entry] = timeline["items"]
    assert (entry["hold_seconds"], entry["parties"]) == (35.0, parties)
    status, item = await api.call("GET", f"/api/v1/interactions/{item['id']}", "agent")
    assert status == 200 and item["hold_seconds"] == 35.0
    _, document = await api.call("GET", "/api/v1/openapi.json", role=None)
    properties = document["components"]["schemas"]["Interaction"]["properties"]
    assert {"hold_seconds", "parties"} <= properties.keys()
