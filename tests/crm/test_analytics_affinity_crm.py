"""Affinity offers read from the CRM, on SQLite and PostgreSQL: the incidence's one
GROUP BY against the orders written, and a contact's offers with their reasons."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.analytics.affinity_crm import AffinityOffers, read_incidence
from contactcenter.analytics.affinity_source import REFIT_AFTER, AffinitySource, keep_fresh
from contactcenter.analytics.errors import NotEnoughData
from crm_core.db import sessions
from crm_core.models import Contact, Order, OrderLine, Product

START = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
#: sku -> (category, price)
CATALOGUE = {"tent": ("outdoor", 189), "tent4": ("outdoor", 299), "pack": ("outdoor", 99),
             "phone": ("electronics", 499), "buds": ("electronics", 129)}


async def _write(maker: async_sessionmaker[AsyncSession],
                 histories: dict[str, list[tuple[int, str, list[str]]]]) -> tuple[
                     dict[str, int], dict[str, int]]:
    """Contacts with orders (days after START, status, skus); (contact ids, product ids)."""
    async with maker() as session, session.begin():
        products = {sku: Product(sku=sku, name=sku.title(), category=category,
                                 price=Decimal(price))
                    for sku, (category, price) in CATALOGUE.items()}
        contacts = {name: Contact(first_name=name, last_name="Example") for name in histories}
        session.add_all([*products.values(), *contacts.values()])
        await session.flush()
        for name, orders in histories.items():
            for day, status, skus in orders:
                session.add(Order(
                    contact_id=contacts[name].id, status=status, total=Decimal(1),
                    ordered_at=START + dt.timedelta(days=day),
                    lines=[OrderLine(product_id=products[sku].id, unit_price=Decimal(1))
                           for sku in skus]))
    return ({name: c.id for name, c in contacts.items()},
            {sku: p.id for sku, p in products.items()})


#: six tent buyers, four of whom bought the backpack (one in the same order); phones
#: with earbuds for three of four; a cancelled and a returned order bought nothing
HISTORIES: dict[str, list[tuple[int, str, list[str]]]] = {
    "ada": [(0, "fulfilled", ["tent", "pack"]), (40, "fulfilled", ["pack"])],
    "bo": [(1, "fulfilled", ["tent"]), (9, "fulfilled", ["pack"])],
    "cy": [(2, "fulfilled", ["tent"]), (5, "shipped", ["pack", "phone"])],
    "di": [(3, "fulfilled", ["tent"]), (4, "fulfilled", ["pack"])],
    "ed": [(0, "fulfilled", ["tent"]), (6, "cancelled", ["pack"])],
    "flo": [(7, "fulfilled", ["tent"]), (8, "returned", ["buds"])],
    "gus": [(1, "fulfilled", ["phone", "buds"])],
    "hal": [(2, "fulfilled", ["phone"]), (3, "fulfilled", ["buds"])],
    "ivy": [(3, "placed", ["phone"]), (20, "fulfilled", ["buds", "tent4"])],
    "jo": [(4, "fulfilled", ["phone"])],
}


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessions(engine)


async def test_the_incidence_counts_orders_per_contact_and_product(
        maker: async_sessionmaker[AsyncSession]) -> None:
    contacts, products = await _write(maker, HISTORIES)
    async with maker() as session:
        data = await read_incidence(session)
    rows = {(int(c), int(p)): (int(n), first, last) for c, p, n, first, last in zip(
        data.customers, data.products, data.orders, data.first, data.last, strict=True)}
    day = np.timedelta64(1, "D")
    start = np.datetime64(START.replace(tzinfo=None), "us")
    # ada bought the backpack twice: day 0 and day 40
    assert rows[contacts["ada"], products["pack"]] == (2, start, start + 40 * day)
    assert rows[contacts["cy"], products["phone"]] == (1, start + 5 * day, start + 5 * day)
    # the cancelled backpack and the returned earbuds were never bought
    assert (contacts["ed"], products["pack"]) not in rows
    assert (contacts["flo"], products["buds"]) not in rows
    assert len(rows) == 19


async def test_a_contacts_top_offer_and_why(maker: async_sessionmaker[AsyncSession]) -> None:
    contacts, products = await _write(maker, HISTORIES)
    offers = await AffinityOffers.fit(maker, min_pair=2, min_baskets=3)
    # ed and flo bought the tent alone: 4 of the 6 tent buyers bought the backpack
    # (67 %), against 4 of the 10 customers (40 %): 1.7x
    top = (await offers.offers_for(contacts["ed"]))[0]
    assert (top["product"], top["sku"], top["kind"], top["product_id"]) == (
        "Pack", "pack", "cross_sell", products["pack"])
    assert top["pitch"] == top["reason"] == (
        "bought Tent; 67 % of Tent's buyers also bought Pack, 1.7x the usual")
    assert (top["because"], top["confidence"], top["lift"], top["together"]) == (
        "Tent", pytest.approx(0.6667), pytest.approx(1.67), 4)


async def test_what_a_contact_bought_since_the_fit_is_not_offered(
        maker: async_sessionmaker[AsyncSession]) -> None:
    contacts, products = await _write(maker, HISTORIES)
    offers = await AffinityOffers.fit(maker, min_pair=2, min_baskets=3)
    async with maker() as session, session.begin():
        session.add(Order(contact_id=contacts["ed"], status="placed", total=Decimal(1),
                          ordered_at=START + dt.timedelta(days=50),
                          lines=[OrderLine(product_id=products["pack"],
                                           unit_price=Decimal(1))]))
    offered = {offer["sku"] for offer in await offers.offers_for(contacts["ed"], k=5)}
    assert offered == {"tent4", "phone", "buds"}
    # flo sent the earbuds back: not offered again, though no evidence of taste either
    assert {offer["sku"] for offer in await offers.offers_for(contacts["flo"], k=5)} == {
        "pack", "tent4", "phone"}


async def test_too_few_baskets_in_the_crm_are_refused(
        maker: async_sessionmaker[AsyncSession]) -> None:
    await _write(maker, {"ada": HISTORIES["ada"], "jo": HISTORIES["jo"]})
    with pytest.raises(NotEnoughData, match="at least 30 customers .* found 1$"):
        await AffinityOffers.fit(maker)


async def test_the_pop_source_has_no_offer_until_fitted_nor_on_too_little_history(
        maker: async_sessionmaker[AsyncSession]) -> None:
    now = [1000.0]
    source = AffinitySource(maker, clock=lambda: now[0], min_pair=2, min_baskets=3)
    contacts, _ = await _write(maker, {"ada": HISTORIES["ada"], "ed": HISTORIES["ed"]})
    assert source.stale and await source.for_contact(contacts["ed"]) is None
    assert not await source.refresh()
    assert source.unavailable == ("affinity needs at least 3 customers who bought two or "
                                  "more products; found 1")
    assert await source.for_contact(contacts["ed"]) is None
    await _write_more(maker)
    now[0] += REFIT_AFTER
    assert source.stale and await source.refresh() and not source.stale
    top = await source.for_contact(contacts["ed"])
    assert top is not None and top["sku"] == "pack" and top["reason"].startswith("bought Tent;")


async def _write_more(maker: async_sessionmaker[AsyncSession]) -> None:
    """Three more tent buyers who bought the backpack, and two who did not."""
    async with maker() as session, session.begin():
        ids = {p.sku: p.id for p in (await session.scalars(select(Product))).all()}
        for n, skus in enumerate([["tent", "pack"]] * 3 + [["tent", "phone"], ["phone"]]):
            contact = Contact(first_name=f"more{n}", last_name="Example")
            session.add(contact)
            await session.flush()
            session.add(Order(contact_id=contact.id, status="fulfilled", total=Decimal(1),
                              ordered_at=START,
                              lines=[OrderLine(product_id=ids[sku], unit_price=Decimal(1))
                                     for sku in skus]))


async def test_kept_fresh_it_refits_only_once_stale(
        maker: async_sessionmaker[AsyncSession]) -> None:
    now = [1000.0]
    source = AffinitySource(maker, clock=lambda: now[0], min_pair=2, min_baskets=3)
    contacts, _ = await _write(maker, HISTORIES)
    fits: list[float | None] = []

    async def sleep(seconds: float) -> None:  # the clock moves an hour a round
        assert seconds == 3600.0
        fits.append(source.fitted_at)
        now[0] += seconds
        if len(fits) == 26:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await keep_fresh(source, sleep=sleep)
    # fitted at once, then again a day later, and not in between
    assert fits == [1000.0] * 24 + [1000.0 + REFIT_AFTER] * 2
    assert (await source.for_contact(contacts["ed"]) or {}).get("sku") == "pack"
