"""A dialer campaign's attempts in the CRM, on both engines: each call on the callee's
timeline with its outcome, disposition and campaign, one campaign response per call
however often the outbox offers it, and the marketing metrics counting them."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.dial_campaigns import ensure_phone_campaign, parse_record_id
from crm_core.metrics import marketing, sales
from crm_core.models import (
    Base,
    Campaign,
    CampaignResponse,
    Contact,
    ContactPhone,
    Interaction,
    Lead,
    Order,
)
from crm_core.timeline import timeline
from tests.crm.metrics_support import at, measure, store
from tests.support import until

CALLER_ID = "+15550009000"  #: the campaign's caller ID (config/campaigns.yaml's renewals)
ADA = "+15550001001"
START = at(11, 10, 10)


async def _ada(engine: AsyncEngine, number: str = ADA) -> int:
    async with sessions(engine)() as session, session.begin():
        ada = Contact(first_name="Ada", last_name="Lovelace", phones=[ContactPhone(e164=number)])
        session.add(ada)
        await session.flush()
        return ada.id


def _dial_events(call_id: str, callee: str, now: float, *, outcome: str, attempt: int = 1,
                 record_id: str | None = None) -> list[dict[str, Any]]:
    """A dial's events as the engine journals them: dialed, answered by a person and
    disposed when ``outcome`` is human, ended, wrapped."""
    dialed = {"type": "call.dialed", "call_id": call_id, "time": now, "caller": CALLER_ID,
              "dialed": callee, "direction": "outbound", "agent": None,
              "campaign": "renewals", "attempt": attempt, "record_id": record_id}
    events = [dialed]
    if outcome == "human":
        events += [{"type": "call.answered", "call_id": call_id, "time": now + 8,
                    "agent": "agent101"},
                   {"type": "call.disposed", "call_id": call_id, "time": now + 60,
                    "code": "renewed", "notes": "two years"}]
    events.append({"type": "call.ended", "call_id": call_id, "time": now + 70,
                   "outcome": outcome})
    if outcome == "human":
        events.append({"type": "call.wrapped", "call_id": call_id, "time": now + 80,
                       "agent": "agent101", "wrap": 10.0})
    return events


def _journal(path: Path, bus: EventBus, events: list[dict[str, Any]]) -> CallJournal:
    journal = CallJournal(path)
    journal.open()
    for event in events:
        journal.append(event)
        bus.publish(event)
    return journal


async def _run_outbox(engine: AsyncEngine, journal: CallJournal, calls: int) -> None:
    """Start an outbox on the journal until it has written ``calls`` calls."""
    outbox = CrmOutbox(journal, sessions(engine), linger=0)
    task = asyncio.ensure_future(outbox.run(EventBus()))
    try:
        await until(lambda: outbox.written == calls)
    finally:
        task.cancel()


async def _count(engine: AsyncEngine, model: type[Base]) -> int:
    async with sessions(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_dial_lands_on_the_callees_timeline_with_outcome_disposition_and_campaign(
        engine: AsyncEngine, tmp_path: Path) -> None:
    ada = await _ada(engine)
    now = START.timestamp()
    journal = _journal(tmp_path / "calls.jsonl", EventBus(), [
        *_dial_events("d1", ADA, now, outcome="no_answer"),
        *_dial_events("d2", ADA, now + 3600, outcome="human", attempt=2)])
    await _run_outbox(engine, journal, 2)
    journal.close()
    async with engine.connect() as connection:
        page = await timeline(connection, ada)
    answered, missed = page.items
    assert (answered["call_id"], answered["direction"], answered["dialed"]) == (
        "d2", "outbound", ADA)
    assert (answered["outcome"], answered["disposition"], answered["notes"]) == (
        "human", "renewed", "two years")
    assert (answered["campaign"], answered["attempt"], answered["agent"]) == (
        "renewals", 2, "agent101")
    assert answered["wrap_seconds"] == 10.0
    assert (missed["outcome"], missed["attempt"], missed["disposition"]) == (
        "no_answer", 1, None)
    assert missed["campaign_id"] == answered["campaign_id"]


async def test_a_call_offered_twice_is_one_interaction_and_one_response(
        engine: AsyncEngine, tmp_path: Path) -> None:
    await _ada(engine)
    now = START.timestamp()
    journal = _journal(tmp_path / "calls.jsonl", EventBus(),
                       _dial_events("d1", ADA, now, outcome="human"))
    await _run_outbox(engine, journal, 1)
    # a crash before the journal knew the write went through: the next start offers it all
    journal.close()
    again = CallJournal(tmp_path / "calls.jsonl")
    again.open()
    outbox = CrmOutbox(again, sessions(engine), linger=0)
    task = asyncio.ensure_future(outbox.run(EventBus()))
    try:
        await until(lambda: outbox.transactions == 1)  # offered again, and written: none new
    finally:
        task.cancel()
        again.close()
    assert outbox.written == 0
    assert (await _count(engine, Interaction), await _count(engine, CampaignResponse)) == (1, 1)


def _summary(call_id: str, callee: str, outcome: str, *, record_id: str | None = None,
             campaign: str | None = "renewals", started: dt.datetime = START,
             disposition: str | None = None) -> CallSummary:
    return CallSummary(call_id=call_id, caller=CALLER_ID, dialed=callee, started=started,
                       ended=started + dt.timedelta(seconds=40), outcome=outcome,
                       direction="outbound", campaign=campaign, attempt=1,
                       record_id=record_id, disposition=disposition)


async def _responses(engine: AsyncEngine) -> dict[str | None, tuple[str, int | None, int | None]]:
    """Each call's response: kind, contact, lead."""
    query = (select(Interaction.call_id, CampaignResponse.kind, CampaignResponse.contact_id,
                    CampaignResponse.lead_id)
             .join(Interaction, Interaction.id == CampaignResponse.interaction_id))
    async with sessions(engine)() as session:
        return {call_id: (kind, contact, lead)
                for call_id, kind, contact, lead in await session.execute(query)}


async def test_each_dial_is_one_response_contacted_or_attempt(engine: AsyncEngine) -> None:
    ada = await _ada(engine)
    calls = [_summary(f"d-{outcome}", ADA, outcome) for outcome in (
        "human", "machine", "busy", "no_answer", "failed", "abandoned")]
    assert await record_calls(sessions(engine), calls) == 6
    assert await record_calls(sessions(engine), calls) == 0
    responses = await _responses(engine)
    assert responses == {"d-human": ("contacted", ada, None), "d-machine": ("attempt", ada, None),
                         "d-busy": ("attempt", ada, None), "d-no_answer": ("attempt", ada, None),
                         "d-failed": ("attempt", ada, None),
                         "d-abandoned": ("attempt", ada, None)}


async def test_the_list_record_names_the_contact_before_the_number(engine: AsyncEngine) -> None:
    ada = await _ada(engine)
    grace = await _ada(engine, "+15550001002")  # a second contact on another number
    shared = await _ada(engine)  # and a newer one sharing Ada's: the number would pick it
    calls = [_summary("by-record", ADA, "human", record_id=f"contact:{ada}"),
             _summary("by-number", ADA, "busy"),
             _summary("gone", "+15550001002", "busy", record_id="contact:999"),
             _summary("huge", "+15550001002", "busy", record_id="contact:99999999999999"),
             _summary("csv", "+15550001002", "busy", record_id="row-17")]
    await record_calls(sessions(engine), calls)
    async with sessions(engine)() as session:
        rows = dict((await session.execute(
            select(Interaction.call_id, Interaction.contact_id))).all())
    assert rows == {"by-record": ada, "by-number": shared, "gone": grace, "huge": grace,
                    "csv": grace}


async def test_a_lead_record_links_the_lead_and_counts_as_a_sales_call(
        engine: AsyncEngine) -> None:
    await store(engine, Lead(id=7, first_name="Ben", last_name="Lead", phone="+15550002002"))
    calls = [_summary("lead-1", "+15550002002", "no_answer", record_id="lead:7"),
             _summary("lead-2", "+15550002002", "human", record_id="lead:7",
                      started=START + dt.timedelta(days=1))]
    await record_calls(sessions(engine), calls)
    assert await _responses(engine) == {"lead-1": ("attempt", None, 7),
                                        "lead-2": ("contacted", None, 7)}
    assert await measure(engine, sales.sales_calls) == 2
    assert await measure(engine, sales.calls_per_lead) == 2.0


async def test_the_phone_campaign_is_found_by_name_or_made(engine: AsyncEngine) -> None:
    email = Campaign(name="renewals", channel="email", starts_on=START.date())
    await store(engine, email)
    async with sessions(engine)() as session, session.begin():
        made = await ensure_phone_campaign(session, "renewals", today=START.date(),
                                           cost=Decimal("120.00"))
        assert made != email.id  # the e-mail campaign of the same name is not the dialer's
        assert await ensure_phone_campaign(session, "renewals", today=START.date()) == made
        campaign = await session.get(Campaign, made)
        assert campaign is not None
        assert (campaign.channel, campaign.status, campaign.cost) == (
            "phone", "active", Decimal("120.00"))
    # a call of a campaign the CRM does not know yet makes it, dated from the call
    await record_calls(sessions(engine), [_summary("d1", ADA, "busy", campaign="win-back")])
    async with sessions(engine)() as session:
        found = (await session.execute(select(Campaign.channel, Campaign.starts_on)
                                       .where(Campaign.name == "win-back"))).all()
    assert found == [("phone", START.date())]


def test_record_ids_name_a_contact_or_a_lead_or_nobody() -> None:
    assert parse_record_id("contact:12") == ("contact", 12)
    assert parse_record_id("lead:7") == ("lead", 7)
    for nobody in (None, "", "row-3", "contact:", "contact:x", "lead:-1", "contact:0",
                   "contact:²", "account:3", "contact:99999999999"):
        assert parse_record_id(nobody) is None, nobody


async def test_marketing_metrics_count_a_dial_campaigns_attempts(engine: AsyncEngine) -> None:
    """Five dials, two of them reaching a person, one order: two responses, five
    interactions at 300.00 / 5 = 60.00 each, one purchase of 250.00."""
    ada = await _ada(engine)
    async with sessions(engine)() as session, session.begin():
        campaign = await ensure_phone_campaign(session, "renewals", today=at(11, 1).date(),
                                               cost=Decimal("300.00"))
    outcomes = ("human", "no_answer", "busy", "machine", "human")
    await record_calls(sessions(engine), [
        _summary(f"d{n}", ADA, outcome, record_id=f"contact:{ada}",
                 started=START + dt.timedelta(hours=n)) for n, outcome in enumerate(outcomes)])
    await store(engine, Order(contact_id=ada, campaign_id=campaign, ordered_at=at(11, 12),
                              total=Decimal("250.00"), status="placed"))

    def mine(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return next(row for row in rows if row["campaign_id"] == campaign)

    assert mine(await measure(engine, marketing.responses_per_campaign))["responses"] == 2
    cost = mine(await measure(engine, marketing.cost_per_interaction))
    assert (cost["responses"], cost["interactions"], cost["cost_per_interaction"]) == (
        2, 5, "60.00")
    assert mine(await measure(engine, marketing.purchases_per_campaign))["purchases"] == 1
    assert mine(await measure(engine, marketing.revenue_per_campaign))["revenue"] == "250.00"
    assert await measure(engine, marketing.campaigns) == 1


async def test_a_call_with_odd_campaign_fields_does_not_hold_up_the_others(
        engine: AsyncEngine) -> None:
    """What the database would refuse (a name longer than its column, an attempt that is
    not a whole number) is cut or left out: one such call must not block every write."""
    ada = await _ada(engine)
    odd = replace(_summary("odd", ADA, "busy", campaign="x" * 300, record_id="z" * 100),
                  attempt="two")  # type: ignore[arg-type]
    huge = replace(_summary("huge", ADA, "busy"), attempt=2**40)
    assert await record_calls(sessions(engine), [odd, huge, _summary("fine", ADA, "human")]) == 3
    async with sessions(engine)() as session:
        rows = {call_id: (contact, attempt, len(record or "")) for call_id, contact, attempt, record
                in await session.execute(select(Interaction.call_id, Interaction.contact_id,
                                                Interaction.attempt, Interaction.record_id))}
        names = set(await session.scalars(select(Campaign.name)))
    assert rows == {"odd": (ada, None, 64), "huge": (ada, None, 0), "fine": (ada, 1, 0)}
    assert names == {"x" * 200, "renewals"}
    assert await _count(engine, CampaignResponse) == 3
