"""Sales metrics on both engines, each against a small hand-made book of business.

The period is November 2026 (UTC), half-open: 1 Nov 00:00 up to, not
including, 1 Dec 00:00. Every expected figure is worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.metrics import compute_area, sales
from crm_core.metrics.period import Period
from crm_core.models import Activity, Contact, Interaction, Lead, Opportunity, Order, Quote
from tests.crm.metrics_support import at, measure, store

NOTHING_HAPPENED = Period(dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                          dt.datetime(2020, 2, 1, tzinfo=dt.UTC))


def contact(id_: int) -> Contact:
    return Contact(id=id_, first_name=f"C{id_}", last_name="Test", created_at=at(9, 1))


def order(id_: int, contact_id: int | None, when: dt.datetime, total: str,
          status: str = "placed") -> Order:
    return Order(id=id_, contact_id=contact_id, ordered_at=when, total=Decimal(total),
                 status=status)


def lead(id_: int, created: dt.datetime, status: str = "new", contact_id: int | None = None,
         converted: dt.datetime | None = None) -> Lead:
    return Lead(id=id_, first_name=f"L{id_}", last_name="Test", status=status,
                contact_id=contact_id, created_at=created, converted_at=converted)


def opportunity(id_: int, created: dt.datetime, stage: str = "meeting",
                contact_id: int | None = None, lead_id: int | None = None,
                closed: dt.datetime | None = None) -> Opportunity:
    return Opportunity(id=id_, name=f"Deal {id_}", contact_id=contact_id, lead_id=lead_id,
                       stage=stage, created_at=created, closed_at=closed)


async def _orders_book(engine: AsyncEngine) -> None:
    await store(
        engine, *(contact(n) for n in range(1, 8)),
        # 1: ordered in October and again in November: retained, November's is recurring
        order(1, 1, at(10, 15), "100.00"), order(2, 1, at(11, 10), "50.00"),
        # 2: first order 5 Nov (new, 200.00 new revenue), second 20 Nov (30.00 recurring)
        order(3, 2, at(11, 5), "200.00"), order(4, 2, at(11, 20), "30.00"),
        # 3: one order in the last second of November: new, 70.00
        order(5, 3, at(11, 30, 23, 59, 59), "70.00"),
        # 4: first order on 1 Dec 00:00 exactly: outside the half-open period
        order(6, 4, at(12, 1, 0, 0, 0), "999.00"),
        # 5: an October order that was cancelled does not make 3 Nov's a repeat: new, 80.00
        order(7, 5, at(10, 1), "500.00", status="cancelled"), order(8, 5, at(11, 3), "80.00"),
        # 6: two orders in the same second: the lower id (40.00) is the first, 60.00 recurring
        order(9, 6, at(11, 8), "40.00"), order(10, 6, at(11, 8), "60.00"),
        # 7: ordered in September only: neither new nor retained in November
        order(11, 7, at(9, 1), "10.00"),
        # no contact: cannot be first or repeat, so in neither revenue
        order(12, None, at(11, 12), "1000.00"),
    )


async def test_new_customers_are_those_whose_first_order_falls_in_the_period(
        engine: AsyncEngine) -> None:
    await _orders_book(engine)
    # contacts 2, 3, 5 and 6 (see _orders_book); 1 had ordered before, 4 is in December
    assert await measure(engine, sales.new_customers) == 4


async def test_retained_customers_ordered_both_in_and_before_the_period(
        engine: AsyncEngine) -> None:
    await _orders_book(engine)
    # contact 1 only: 5's earlier order was cancelled, 7 did not order in November
    assert await measure(engine, sales.retained_customers) == 1
    # December: contact 4's first order (new, not retained); nobody else ordered
    december = Period(at(12, 1, 0), at(1, 1, 0))
    assert await measure(engine, sales.retained_customers, december) == 0
    assert await measure(engine, sales.new_customers, december) == 1


async def test_revenue_splits_into_first_orders_and_repeat_orders(engine: AsyncEngine) -> None:
    await _orders_book(engine)
    # new: 200.00 (2) + 70.00 (3) + 80.00 (5) + 40.00 (6) = 390.00
    assert await measure(engine, sales.new_revenue) == "390.00"
    # recurring: 50.00 (1) + 30.00 (2) + 60.00 (6) = 140.00
    assert await measure(engine, sales.recurring_revenue) == "140.00"


async def test_prospective_customers_have_an_open_deal_or_lead_and_no_order(
        engine: AsyncEngine) -> None:
    await store(
        engine, *(contact(n) for n in range(1, 9)),
        # 1: open opportunity, but already a customer (October order): not a prospect
        opportunity(1, at(11, 2), contact_id=1), order(1, 1, at(10, 1), "10.00"),
        # 2: open opportunity; their first order comes on 1 Dec, after the end: a prospect
        opportunity(2, at(11, 2), contact_id=2), order(2, 2, at(12, 1, 0), "10.00"),
        # 3: an open lead and an open opportunity: one prospect, not two
        lead(1, at(10, 20), "contacted", contact_id=3), opportunity(3, at(11, 1), contact_id=3),
        # 4: the opportunity was lost on 15 Nov: no longer open at the end
        opportunity(4, at(11, 1), "lost", contact_id=4, closed=at(11, 15)),
        # 5: won on 5 Dec, so still open on 1 Dec: a prospect
        opportunity(5, at(11, 1), "customer_billed", contact_id=5, closed=at(12, 5)),
        # 6: lead converted on 20 Nov; 7: lead unqualified: neither open
        lead(2, at(10, 1), "converted", contact_id=6, converted=at(11, 20)),
        lead(3, at(10, 1), "unqualified", contact_id=7),
        # 8: the opportunity is only created on 3 Dec
        opportunity(6, at(12, 3), contact_id=8),
    )
    # prospects: 2, 3 and 5
    assert await measure(engine, sales.prospective_customers) == 3


async def test_open_leads_are_counted_as_they_stood_at_the_period_end(
        engine: AsyncEngine) -> None:
    await store(
        engine,
        lead(1, at(10, 20), "contacted"),  # open
        lead(2, at(10, 1), "converted", converted=at(11, 20)),  # converted before the end
        lead(3, at(10, 1), "unqualified"),  # closed
        lead(4, at(11, 25)),  # new and open
        lead(5, at(12, 2)),  # created after the end
        lead(6, at(11, 1), "converted", converted=at(12, 10)),  # converted after: open then
        lead(7, at(11, 1), "converted"),  # converted, date unknown: closed
    )
    # leads 1, 4 and 6
    assert await measure(engine, sales.open_leads) == 3


async def _calls_book(engine: AsyncEngine) -> None:
    await store(
        engine, contact(1),
        lead(1, at(10, 1)), lead(4, at(10, 1)), lead(6, at(10, 1)),
        opportunity(1, at(10, 1), lead_id=4), opportunity(2, at(10, 1)),
        # counted: two calls on lead 1, one on opportunity 1 (so lead 4), one on
        # opportunity 2 (no lead behind it)
        Activity(kind="call", subject="a", lead_id=1, done_at=at(11, 3)),
        Activity(kind="call", subject="b", lead_id=1, done_at=at(11, 4)),
        Activity(kind="call", subject="c", opportunity_id=1, done_at=at(11, 6)),
        Activity(kind="call", subject="d", opportunity_id=2, done_at=at(11, 7)),
        # not counted: planned and not done, a meeting, a call about no deal, a call
        # on the last second of October
        Activity(kind="call", subject="e", lead_id=1, due_at=at(11, 29)),
        Activity(kind="meeting", subject="f", lead_id=1, done_at=at(11, 5)),
        Activity(kind="call", subject="g", contact_id=1, done_at=at(11, 8)),
        Activity(kind="call", subject="h", lead_id=6, done_at=at(10, 31, 23, 59, 59)),
        # counted: the dialler's outbound call to lead 6
        Interaction(direction="outbound", channel="voice", lead_id=6, started_at=at(11, 9)),
        # not counted: an outbound e-mail, an inbound call, an outbound call on no deal
        Interaction(direction="outbound", channel="email", lead_id=6, started_at=at(11, 9)),
        Interaction(direction="inbound", channel="voice", lead_id=1, started_at=at(11, 9)),
        Interaction(direction="outbound", channel="voice", contact_id=1, started_at=at(11, 9)),
    )


async def test_sales_calls_count_call_activities_and_dialled_calls_on_deals(
        engine: AsyncEngine) -> None:
    await _calls_book(engine)
    # four activities (a, b, c, d) and one interaction
    assert await measure(engine, sales.sales_calls) == 5


async def test_calls_per_lead_divides_lead_calls_by_the_leads_reached(
        engine: AsyncEngine) -> None:
    await _calls_book(engine)
    # calls with a lead: a and b (lead 1), c (lead 4 via opportunity 1), the dialled
    # call (lead 6) = 4 calls over 3 leads; d has no lead and is left out
    assert await measure(engine, sales.calls_per_lead) == pytest.approx(4 / 3)


async def test_proposals_given_are_quotes_sent_in_the_period(engine: AsyncEngine) -> None:
    await store(
        engine,
        Quote(id=1, status="sent", sent_at=at(11, 2)),
        Quote(id=2, status="accepted", sent_at=at(11, 30, 23, 59, 59)),
        Quote(id=3, status="draft"),  # never sent
        Quote(id=4, status="sent", sent_at=at(10, 31, 23, 59, 59)),  # October
    )
    assert await measure(engine, sales.proposals_given) == 2


async def test_a_period_without_data_gives_zeros_and_nones(engine: AsyncEngine) -> None:
    await _orders_book(engine)
    async with sessions(engine)() as session:
        figures = await compute_area(session, "sales", NOTHING_HAPPENED)
    assert figures == {
        "prospective_customers": 0, "new_customers": 0, "retained_customers": 0,
        "open_leads": 0, "sales_calls": 0, "calls_per_lead": None,
        "new_revenue": "0.00", "recurring_revenue": "0.00", "proposals_given": 0}
    json.dumps(figures)  # what the route will send
