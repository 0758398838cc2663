"""The customer 360 beyond who the caller is: open cases and deals, last orders,
and the next best offer, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import (
    Case,
    Contact,
    ContactPhone,
    Offer,
    Opportunity,
    Order,
    OrderLine,
    Product,
)

T0 = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
PHONE = "+15550007001"


async def _customer(engine: AsyncEngine) -> tuple[int, dict[str, int]]:
    """A contact who bought a phone; products phone, case, charger, plan."""
    async with sessions(engine)() as session, session.begin():
        contact = Contact(first_name="Mary", last_name="Somerville",
                          phones=[ContactPhone(e164=PHONE)])
        products = {sku: Product(sku=sku, name=sku.title(), category="mobile",
                                 price=Decimal("10.00"))
                    for sku in ("phone", "case", "charger", "plan")}
        session.add_all([contact, *products.values()])
        await session.flush()
        session.add(Order(contact_id=contact.id, total=Decimal("10.00"), ordered_at=T0,
                          lines=[OrderLine(product_id=products["phone"].id,
                                           unit_price=Decimal("10.00"))]))
        return contact.id, {sku: product.id for sku, product in products.items()}


async def _view(engine: AsyncEngine) -> dict:  # type: ignore[type-arg]
    view = await CustomerService(sessions(engine)).by_phone(PHONE, today=TODAY)
    assert view is not None
    return view.__dict__


async def test_only_open_cases_and_deals_pop_up(engine: AsyncEngine) -> None:
    contact_id, _ = await _customer(engine)
    async with sessions(engine)() as session, session.begin():
        for subject, status in (("Screen cracked", "open"), ("Billing twice", "pending"),
                                ("Old question", "closed"), ("Fixed", "resolved")):
            session.add(Case(subject=subject, status=status, contact_id=contact_id,
                             opened_at=T0))
        for name, stage in (("Family plan", "meeting"), ("Upgrade", "quote_generated"),
                            ("Won", "customer_billed"), ("Gone", "lost")):
            session.add(Opportunity(name=name, stage=stage, contact_id=contact_id,
                                    amount=Decimal("99.50")))
    view = await _view(engine)
    assert sorted(case["subject"] for case in view["open_cases"]) == [
        "Billing twice", "Screen cracked"]
    assert sorted(deal["name"] for deal in view["open_opportunities"]) == [
        "Family plan", "Upgrade"]
    assert {deal["amount"] for deal in view["open_opportunities"]} == {"99.50"}


async def test_last_orders_come_newest_first_and_bounded(engine: AsyncEngine) -> None:
    contact_id, _ = await _customer(engine)
    async with sessions(engine)() as session, session.begin():
        for day in range(1, 8):
            session.add(Order(contact_id=contact_id, total=Decimal(day),
                              ordered_at=T0 + dt.timedelta(days=day)))
    view = await _view(engine)
    assert [order["total"] for order in view["last_orders"]] == ["7.00", "6.00", "5.00",
                                                                  "4.00", "3.00"]
    assert view["last_orders"][0]["ordered_at"].startswith("2026-10-08T12:00:00")


async def test_the_next_best_offer_follows_what_the_customer_bought(
        engine: AsyncEngine) -> None:
    _, product = await _customer(engine)
    async with sessions(engine)() as session, session.begin():
        session.add_all([
            # already bought: never offered
            Offer(name="Phone again", kind="up_sell", product_id=product["phone"],
                  pitch="A second phone", priority=100),
            # needs a product the customer does not have
            Offer(name="Plan for chargers", kind="cross_sell", product_id=product["plan"],
                  requires_product_id=product["charger"], pitch="p", priority=90),
            # expired
            Offer(name="Old case deal", kind="cross_sell", product_id=product["case"],
                  requires_product_id=product["phone"], pitch="p", priority=80,
                  ends_on=TODAY - dt.timedelta(days=1)),
            Offer(name="General charger", kind="cross_sell", product_id=product["charger"],
                  pitch="Anyone may want one", priority=70),
            Offer(name="Case for your phone", kind="cross_sell", product_id=product["case"],
                  requires_product_id=product["phone"], pitch="Protect it",
                  discount_percent=Decimal(15), priority=10),
        ])
    offer = (await _view(engine))["next_best_offer"]
    # targeted at what they bought beats a general offer of higher priority
    assert offer is not None and offer["name"] == "Case for your phone"
    assert (offer["sku"], offer["discount_percent"]) == ("case", "15.00")


async def test_a_customer_with_nothing_to_offer_gets_an_empty_slot(
        engine: AsyncEngine) -> None:
    await _customer(engine)
    view = await _view(engine)
    assert view["next_best_offer"] is None
    assert view["open_cases"] == [] and view["open_opportunities"] == []
