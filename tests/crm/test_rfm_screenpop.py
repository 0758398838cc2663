"""The caller's RFM segment and scores on the screen-pop, from the CRM's own database
(SQLite and PostgreSQL): shown once computed, ``none`` for a contact without orders,
absent before any run, and a pop all the same when the scores cannot be read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.desk.screenpop import ScreenPops
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from crm_core import rfm
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone, Order
from crm_core.rfm_read import RfmReader
from tests.crm.screenpop_support import popped_customer

TODAY = dt.date(2026, 11, 20)
BUYER, NEWCOMER = "+15550001001", "+15550001002"


@pytest.fixture
async def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    maker = sessions(engine)
    async with maker() as session, session.begin():
        buyer = Contact(first_name="Ada", last_name="Buyer", phones=[ContactPhone(e164=BUYER)])
        other = Contact(first_name="Bob", last_name="Other")
        newcomer = Contact(first_name="Cy", last_name="New",
                           phones=[ContactPhone(e164=NEWCOMER)])
        session.add_all([buyer, other, newcomer])
        await session.flush()
        session.add_all(Order(contact_id=buyer.id, total=Decimal(250), ordered_at=dt.datetime(
            2026, 11, 18, 10, tzinfo=dt.UTC)) for _ in range(3))
        session.add(Order(contact_id=other.id, total=Decimal(20), ordered_at=dt.datetime(
            2024, 1, 5, 10, tzinfo=dt.UTC)))
    return maker


async def test_the_pop_shows_the_callers_segment_and_scores(
        maker: async_sessionmaker[AsyncSession], journal: CallJournal) -> None:
    await rfm.recompute(maker, as_of=TODAY, now=dt.datetime.now(dt.UTC))
    pops = ScreenPops(bus=EventBus(), journal=journal, customers=CustomerService(maker),
                      extras={"rfm": RfmReader(maker)})
    shown = (await popped_customer(pops, journal, "c1", BUYER))["rfm"]
    # two customers: Ada ranks above Bob on all three (R from the best end: 5; F and M
    # from the worst: 3)
    assert shown == {"segment": "potential_loyalists", "r": 5, "f": 3, "m": 3,
                     "recency_days": 2,
                     "frequency": 3, "monetary": "750.00", "as_of": "2026-11-20"}
    newcomer = (await popped_customer(pops, journal, "c2", NEWCOMER))["rfm"]
    assert (newcomer["segment"], newcomer["r"], newcomer["frequency"]) == ("none", None, 0)


async def test_no_scores_before_the_first_run(maker: async_sessionmaker[AsyncSession],
                                              journal: CallJournal) -> None:
    pops = ScreenPops(bus=EventBus(), journal=journal, customers=CustomerService(maker),
                      extras={"rfm": RfmReader(maker)})
    customer = await popped_customer(pops, journal, "c1", BUYER)
    assert customer["contact"]["first_name"] == "Ada" and customer["rfm"] is None


class Unreadable:
    async def for_contact(self, contact_id: int) -> dict[str, Any] | None:
        raise ConnectionError("database away")


async def test_a_pop_goes_out_without_scores_that_cannot_be_read(
        maker: async_sessionmaker[AsyncSession], journal: CallJournal) -> None:
    pops = ScreenPops(bus=EventBus(), journal=journal, customers=CustomerService(maker),
                      extras={"rfm": Unreadable()})
    customer = await popped_customer(pops, journal, "c1", BUYER)
    assert customer["contact"]["first_name"] == "Ada" and customer["rfm"] is None
    assert "rfm" not in pops.calls["c1"].extras  # tried again at the next offer


class TopOffer:
    """The affinity offers' answer (``AffinitySource.for_contact``) for every contact."""

    async def for_contact(self, contact_id: int) -> dict[str, Any] | None:
        return {"name": "Trail backpack", "pitch": "bought Tent; 34 % of its buyers also "
                                                   "bought Trail backpack, 3.1x the usual"}


async def test_the_top_offer_from_purchase_histories_takes_an_empty_offer_slot(
        maker: async_sessionmaker[AsyncSession], journal: CallJournal) -> None:
    pops = ScreenPops(bus=EventBus(), journal=journal, customers=CustomerService(maker),
                      extras={"rfm": RfmReader(maker), "affinity_offer": TopOffer()})
    customer = await popped_customer(pops, journal, "c1", BUYER)
    assert customer["affinity_offer"]["name"] == "Trail backpack"
    assert customer["next_best_offer"] == customer["affinity_offer"]  # no campaign's offer
    assert "rfm" in customer
