"""``contactcenter db seed``'s synthetic company, on SQLite and PostgreSQL.

A small company (200 customers) dated back from a fixed day, so every run sees
the same data: the demo callers are customers with histories, the numbers add
up, stages and SLA targets follow the rules, seeding is idempotent and
reproducible, and it builds on a database that has rows already.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core import segments
from crm_core.db import make_engine, migrate, sessions
from crm_core.models import (
    CLOSED_STAGES,
    OPEN_CASE_STATUSES,
    STAGES,
    Account,
    Address,
    Base,
    Campaign,
    CampaignMember,
    Case,
    Contact,
    ContactPhone,
    Interaction,
    Invoice,
    Lead,
    Opportunity,
    OpportunityStage,
    Order,
    OrderLine,
    Segment,
    SlaPolicy,
    User,
)
from crm_core.seed import DEMO_CUSTOMERS, seed_demo
from crm_core.synthetic.bulk import COLUMNS, bulk_rows
from crm_core.synthetic.company import TABLE_ORDER, build_company

TODAY = dt.date(2026, 5, 1)
NOW = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
SIZE = 200


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


async def _seed(engine: AsyncEngine, seed: int = 7) -> int:
    return await seed_demo(sessions(engine), customers=SIZE, seed=seed, today=TODAY)


async def _count(engine: AsyncEngine, model: Any, *where: Any) -> int:
    async with sessions(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def _all(engine: AsyncEngine, query: Any) -> list[Any]:
    async with sessions(engine)() as session:
        return list((await session.execute(query)).all())


async def test_the_demo_callers_are_customers_with_histories(engine: AsyncEngine) -> None:
    assert await _seed(engine) == SIZE + 3
    for first, last, phone, vip, account_name, _ in DEMO_CUSTOMERS:
        [(contact, account)] = await _all(engine, select(Contact, Account)
                                          .join(ContactPhone).join(Account)
                                          .where(ContactPhone.e164 == phone))
        assert (contact.first_name, contact.last_name, contact.vip) == (first, last, vip)
        assert account.name == account_name
        mine = Order.contact_id == contact.id
        assert await _count(engine, Order, mine) >= 4
        [(open_case,)] = await _all(engine, select(Case.id).where(
            Case.contact_id == contact.id, Case.status.in_(OPEN_CASE_STATUSES)))
        assert await _count(engine, Opportunity, Opportunity.contact_id == contact.id,
                            Opportunity.stage.not_in(CLOSED_STAGES)) == 1
        calls = await _all(engine, select(Interaction.started_at, Interaction.case_id).where(
            Interaction.contact_id == contact.id).order_by(Interaction.started_at.desc()))
        assert len(calls) >= 3
        latest, about = calls[0]  # what the screen-pop lists first: yesterday's, on the case
        assert NOW - dt.timedelta(days=2) < utc(latest) < NOW and about == open_case


async def test_the_company_has_the_expected_size(engine: AsyncEngine) -> None:
    await _seed(engine)
    assert await _count(engine, Contact) == SIZE + 3
    assert SIZE // 3 <= await _count(engine, Account) <= SIZE
    assert SIZE <= await _count(engine, Order) <= SIZE * 6
    assert SIZE // 4 <= await _count(engine, Case) <= SIZE * 3
    assert SIZE * 2 <= await _count(engine, Interaction) <= SIZE * 8
    assert await _count(engine, Lead) == SIZE // 4
    assert await _count(engine, Lead, Lead.status == "converted", Lead.contact_id.is_not(None)) > 0
    assert await _count(engine, Opportunity) >= SIZE // 10
    assert await _count(engine, Campaign) == 12
    roles = Counter(role for (role,) in await _all(engine, select(User.role)))
    assert roles["agent"] == 10 and roles["sales"] >= 3
    assert roles["supervisor"] == 1 and roles["marketing"] == 1
    sizes = Counter(n for (n,) in await _all(engine, select(func.count()).select_from(Contact)
                                             .group_by(Contact.account_id)))
    assert sum(sizes[n] for n in (1, 2, 3)) >= 0.9 * sum(sizes.values())


async def test_every_customer_can_be_reached_and_selected(engine: AsyncEngine) -> None:
    await _seed(engine)
    phones = [p for (p,) in await _all(engine, select(ContactPhone.e164))]
    demo = {phone for _, _, phone, *_ in DEMO_CUSTOMERS}
    assert all(p.startswith("+155501") and len(p) == 12 or p in demo for p in phones)
    assert len(set(phones)) == len(phones)
    rows = await _all(engine, select(Contact.email, Contact.birth_date, Contact.gender,
                                     Address.time_zone).join(Address))
    assert len({email for email, *_ in rows}) == SIZE + 3
    assert all(birth and gender and zone.startswith(("America/", "Pacific/"))
               for _, birth, gender, zone in rows)
    assert 0 < await _count(engine, Contact, Contact.do_not_call) < SIZE // 5


async def test_campaign_lists_are_what_their_segments_select(engine: AsyncEngine) -> None:
    await _seed(engine)
    for name, definition in await _all(engine, select(Segment.name, Segment.definition)):
        assert await segments.count(sessions(engine), definition, today=TODAY) > 0, name
    listed = await _all(engine, select(Campaign.id, Campaign.starts_on, Segment.definition)
                        .join(Segment, Campaign.segment_id == Segment.id))
    assert len(listed) >= 8
    for campaign_id, starts_on, definition in listed:
        # as the list generator saw it on the start day; consent may have been withdrawn since
        then = {key: value for key, value in definition.items() if key != "consent_marketing"}
        selected = {contact_id for (contact_id,) in await _all(
            engine, segments.contact_ids(then, starts_on))}
        members = {contact_id for (contact_id,) in await _all(engine, select(
            CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign_id))}
        assert members <= selected


async def test_order_totals_and_invoices_add_up(engine: AsyncEngine) -> None:
    await _seed(engine)
    sums: defaultdict[int, Decimal] = defaultdict(Decimal)
    for order_id, quantity, price in await _all(engine, select(
            OrderLine.order_id, OrderLine.quantity, OrderLine.unit_price)):
        sums[order_id] += quantity * price
    orders = await _all(engine, select(Order.id, Order.total, Order.status))
    assert orders and all(total == sums[order_id] for order_id, total, _ in orders)
    billed = {order_id for order_id, _, status in orders if status in ("fulfilled", "returned")}
    invoiced = await _all(engine, select(Invoice.order_id, Invoice.amount))
    assert {order_id for order_id, _ in invoiced} >= billed - await _opportunity_orders(engine)
    totals = {order_id: total for order_id, total, _ in orders}
    assert all(amount == totals[order_id] for order_id, amount in invoiced)
    assert await _count(engine, Order, Order.campaign_id.is_not(None)) > 0


async def _opportunity_orders(engine: AsyncEngine) -> set[int]:
    """Won deals' orders are billed when the deal reaches customer_billed, not at once."""
    return {order_id for (order_id,) in await _all(
        engine, select(Order.id).where(Order.opportunity_id.is_not(None)))}


async def test_opportunities_walk_the_stages_in_order(engine: AsyncEngine) -> None:
    await _seed(engine)
    history: defaultdict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for opportunity_id, stage, entered in await _all(engine, select(
            OpportunityStage.opportunity_id, OpportunityStage.stage,
            OpportunityStage.entered_at).order_by(OpportunityStage.id)):
        history[opportunity_id].append((utc(entered), stage))
    deals = await _all(engine, select(Opportunity.id, Opportunity.stage, Opportunity.kind))
    for opportunity_id, stage, _ in deals:
        moves = history[opportunity_id]
        stages = [name for _, name in moves]
        walked = stages[:-1] if stages[-1] == "lost" else stages
        assert walked == list(STAGES[:len(walked)]) and stages[-1] == stage
        assert [when for when, _ in moves] == sorted(when for when, _ in moves)
    ends = Counter(stage for _, stage, _ in deals)
    assert ends["customer_billed"] and ends["lost"]
    assert sum(n for stage, n in ends.items() if stage not in CLOSED_STAGES) > 3
    assert any(kind == "renewal" for *_, kind in deals)


async def test_case_targets_come_from_the_sla_of_their_priority(engine: AsyncEngine) -> None:
    await _seed(engine)
    policies = {priority: (first, resolve) for priority, first, resolve in await _all(
        engine, select(SlaPolicy.priority, SlaPolicy.first_response_minutes,
                       SlaPolicy.resolution_minutes))}
    assert set(policies) == {"low", "normal", "high", "urgent"}
    cases = await _all(engine, select(Case.priority, Case.status, Case.opened_at,
                                      Case.first_response_due, Case.resolution_due,
                                      Case.resolved_at))
    for priority, _, opened, first_due, resolution_due, _ in cases:
        first, resolve = policies[priority]
        assert utc(first_due) - utc(opened) == dt.timedelta(minutes=first)
        assert utc(resolution_due) - utc(opened) == dt.timedelta(minutes=resolve)
    statuses = Counter(status for _, status, *_ in cases)
    assert statuses["resolved"] + statuses["closed"] > 0.8 * len(cases)
    still_open = [case for case in cases if case[1] in OPEN_CASE_STATUSES]
    assert still_open and any(utc(case[4]) < NOW for case in still_open)


async def _dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    tables = Base.metadata.tables
    dump = {}
    for name in ("contacts", "contact_phones", "orders", "order_lines", "cases",
                 "opportunity_stages", "campaign_members", "interactions"):
        rows = await _all(engine, select(tables[name]).order_by(tables[name].c.id))
        dump[name] = [tuple(utc(v) if isinstance(v, dt.datetime) else v for v in row)
                      for row in rows]
    return dump


async def test_the_same_seed_gives_the_same_company(engine: AsyncEngine,
                                                    tmp_path: Path) -> None:
    await _seed(engine)
    other = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await migrate(other)
        await _seed(other)
        assert await _dump(engine) == await _dump(other)
    finally:
        await other.dispose()
    first = build_company(customers=SIZE, seed=7, today=TODAY).rows["contacts"]
    assert build_company(customers=SIZE, seed=8, today=TODAY).rows["contacts"] != first


async def test_seeding_twice_adds_nothing(engine: AsyncEngine) -> None:
    await _seed(engine)
    before = {name: await _count(engine, Base.metadata.tables[name]) for name in TABLE_ORDER}
    assert await _seed(engine) == 0
    assert await _seed(engine, seed=99) == 0
    assert {name: await _count(engine, Base.metadata.tables[name])
            for name in TABLE_ORDER} == before


async def test_the_win_back_campaigns_segment_is_there_with_members(engine: AsyncEngine,
                                                                   ) -> None:
    """``config/campaigns.yaml``'s win-back campaign dials ``lapsed customers``: the seed
    saves that segment, it selects people, and a database seeded before it existed gets
    it on the next seed (which adds nothing else)."""
    await _seed(engine)
    query = select(Segment.definition).where(Segment.name == "lapsed customers")
    [(definition,)] = await _all(engine, query)
    assert await segments.count(sessions(engine), definition, today=TODAY) > 0
    async with sessions(engine)() as session, session.begin():
        await session.execute(Segment.__table__.delete().where(
            Segment.name == "lapsed customers"))
    contacts = await _count(engine, Contact)
    assert await _seed(engine) == 0
    assert len(await _all(engine, query)) == 1 and await _count(engine, Contact) == contacts


async def test_seeding_builds_on_rows_already_there(engine: AsyncEngine) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(User(username="agent101", role="agent", agent="agent101",
                         password_hash="real-hash"))
        session.add(Contact(first_name="Ada", last_name="Lovelace",
                            phones=[ContactPhone(e164="+15550001001")]))
        session.add(Contact(first_name="Imported", last_name="Person",
                            phones=[ContactPhone(e164="+15550123456")]))
    assert await _seed(engine) == 2  # Grace and Alan; the company came with Ada before
    assert await _count(engine, User, User.username == "agent101") == 1
    assert await _count(engine, ContactPhone, ContactPhone.e164 == "+15550123456") == 1
    async with sessions(engine)() as session, session.begin():  # ids are still handed out
        session.add(Interaction(call_id="after-seed", started_at=NOW))
        session.add(Contact(first_name="New", last_name="Caller"))
    assert await _count(engine, Interaction, Interaction.call_id == "after-seed") == 1


async def _load(engine: AsyncEngine, contacts: int, calls: int) -> None:
    """As a benchmark would: COPY on PostgreSQL, plain inserts on SQLite."""
    batches = bulk_rows(contacts, calls, seed=3, today=TODAY, batch=40)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            for table, rows in batches:
                await raw.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
            return
        for table, rows in batches:
            values = [dict(zip(COLUMNS[table], row, strict=True)) for row in rows]
            for value in values:
                if "ivr_path" in value:
                    value["ivr_path"] = json.loads(value["ivr_path"])
            await connection.execute(insert(Base.metadata.tables[table]), values)


async def test_bulk_rows_load_and_hang_together(engine: AsyncEngine) -> None:
    await _load(engine, 100, 300)
    assert await _count(engine, Contact) == 100
    assert await _count(engine, ContactPhone) == 110
    phones = {(contact_id, e164) for contact_id, e164 in await _all(
        engine, select(ContactPhone.contact_id, ContactPhone.e164))}
    calls = await _all(engine, select(Interaction.contact_id, Interaction.caller,
                                      Interaction.started_at, Interaction.ivr_path))
    assert len(calls) == 300
    known = [(contact_id, caller) for contact_id, caller, *_ in calls if contact_id]
    assert len(known) > 250 and all(call in phones for call in known)
    assert all(NOW - dt.timedelta(days=731) < utc(started) < NOW for _, _, started, _ in calls)
    assert all(path[0] == "caller_lookup" for *_, path in calls)
