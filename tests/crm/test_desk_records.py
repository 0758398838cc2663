"""What the agent adds to a call (disposition, notes, the script's answers) reaches the
call's interaction, on SQLite and PostgreSQL: with the call when it came before the end,
filled in afterwards when it came in the wrap-up, and through the journal and the outbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox, summarise
from contactcenter.events.journal import CallJournal
from crm_core.call_records import CallSummary, record_calls
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone, Interaction
from tests.support import until

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _call(call_id: str, **desk: object) -> CallSummary:
    return CallSummary(call_id=call_id, caller="+15550001001", dialed="5000", started=START,
                       ended=START + dt.timedelta(minutes=3), outcome="answered",
                       queue="sales", agent="agent101", **desk)  # type: ignore[arg-type]


async def _row(engine: AsyncEngine, call_id: str) -> Interaction:
    async with sessions(engine)() as session:
        row = await session.scalar(select(Interaction).where(Interaction.call_id == call_id))
    assert row is not None
    return row


async def test_a_disposition_given_with_the_call_lands_with_it(engine: AsyncEngine) -> None:
    answers = {"needs": "An upgrade", "budget": 6000, "interested": True}
    await record_calls(sessions(engine), [_call("c1", disposition="sale", notes="Wants it",
                                                answers=answers)])
    row = await _row(engine, "c1")
    assert (row.disposition, row.notes, row.answers) == ("sale", "Wants it", answers)


async def test_a_call_without_answers_has_none_not_a_json_null(engine: AsyncEngine) -> None:
    await record_calls(sessions(engine), [_call("c1")])
    async with sessions(engine)() as session:
        empty = await session.scalar(select(Interaction.id).where(
            Interaction.call_id == "c1", Interaction.answers.is_(None)))
    assert empty is not None


async def test_what_comes_in_the_wrap_up_fills_the_interaction_in(engine: AsyncEngine) -> None:
    crm = sessions(engine)
    assert await record_calls(crm, [_call("c1", answers={"needs": "Pricing information"})]) == 1
    assert await record_calls(crm, [_call("c1", disposition="no_sale", notes="Later",
                                          answers={"needs": "Pricing information",
                                                   "interested": False})]) == 0
    row = await _row(engine, "c1")
    assert (row.disposition, row.notes) == ("no_sale", "Later")
    assert row.answers == {"needs": "Pricing information", "interested": False}
    # a second disposition (the agent corrected it) wins; what a call lacks stays
    await record_calls(crm, [_call("c1", disposition="callback_requested")])
    row = await _row(engine, "c1")
    assert (row.disposition, row.notes) == ("callback_requested", "Later")
    assert row.answers == {"needs": "Pricing information", "interested": False}


async def test_the_outbox_writes_disposition_notes_and_answers_to_the_timeline(
        engine: AsyncEngine, tmp_path: Path) -> None:
    async with sessions(engine)() as session, session.begin():
        ada = Contact(first_name="Ada", last_name="Lovelace",
                      phones=[ContactPhone(e164="+15550001001")])
        session.add(ada)
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    outbox = CrmOutbox(journal, sessions(engine), first_pause=0.05)
    task = asyncio.ensure_future(outbox.run(bus))
    now = time.time()

    def publish(event: dict[str, object]) -> None:
        journal.append(event)
        bus.publish(event)

    try:
        await asyncio.sleep(0)
        for event in (
                {"type": "call.arrived", "caller": "+15550001001", "dialed": "5000"},
                {"type": "call.queued", "queue": "sales"},
                {"type": "call.answered", "queue": "sales", "agent": "agent101", "wait": 2},
                {"type": "script.answers", "agent": "agent101", "answers": {"needs": "x"}},
                {"type": "call.ended", "outcome": "answered", "cause": "normal"},
                {"type": "script.answers", "agent": "agent101",
                 "answers": {"needs": "x", "budget": 10}},
                {"type": "call.disposed", "agent": "agent101", "code": "sale",
                 "notes": "Premium plan"}):
            publish({**event, "call_id": "c9", "time": now})
        disposed: list[Interaction] = []

        async def the_disposition_is_in() -> bool:
            async with sessions(engine)() as session:
                found = await session.scalar(select(Interaction)
                                             .where(Interaction.call_id == "c9"))
            if found is None or found.disposition is None:
                return False
            disposed.append(found)
            return True

        await until(the_disposition_is_in, seconds=10,
                    what="the disposition never reached the CRM", every=0.05)
        row = disposed[0]
        assert (row.disposition, row.notes) == ("sale", "Premium plan")
        assert row.answers == {"needs": "x", "budget": 10}
        record = journal.records["c9"]
        assert (record.disposition, record.notes, record.answers) == (
            "sale", "Premium plan", {"needs": "x", "budget": 10})
        assert summarise(record).disposition == "sale"
        # and it is on her timeline, as the next screen-pop shows it
        view = await CustomerService(sessions(engine)).by_phone("+15550001001")
        assert view is not None
        assert [(i["call_id"], i["disposition"], i["notes"])
                for i in view.recent_interactions] == [("c9", "sale", "Premium plan")]
    finally:
        task.cancel()
        journal.close()


async def test_a_disposition_for_a_call_the_journal_forgot_opens_no_record(
        tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    assert journal.append({"type": "call.disposed", "call_id": "gone", "time": 1.0,
                           "code": "sale", "notes": ""}) is None
    assert journal.append({"type": "script.answers", "call_id": "gone", "time": 1.0,
                           "answers": {}}) is None
    assert "gone" not in journal.records
    journal.close()
