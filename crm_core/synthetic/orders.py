"""Orders, their lines and invoices: two years of purchases with the holidays' peak.

An order's total is the sum of its lines, always. Old orders are fulfilled (a
few cancelled or returned); the last days' ones are still placed or shipped.
Every fulfilled order has an invoice, most paid within the month, a few
overdue; a returned order's invoice is void.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from crm_core.synthetic.catalog import CATEGORY_TAG
from crm_core.synthetic.world import Customer, ProductRef, World, money

#: (product, quantity, unit price)
Line = tuple[ProductRef, int, Decimal]
_LINE_COUNTS, _LINE_WEIGHTS = (1, 2, 3), (60, 30, 10)


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """Where an order stands: its status, when it shipped, when it was billed."""

    status: str
    fulfilled_at: dt.datetime | None
    billed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Links:
    """What an order came from."""

    campaign_id: int | None = None
    opportunity_id: int | None = None
    quote_id: int | None = None


def add_orders(world: World) -> None:
    """Each customer's own purchases over the history, leaning on their habits."""
    products = world.ref.product_list()
    for customer in world.customers:
        if customer.demo:
            continue
        tags = customer.tags
        mean = (1.4 + 1.8 * ("online-shopper" in tags) + 0.6 * ("bargain-hunter" in tags)
                + 1.0 * customer.vip) * world.tenure(customer) + 0.1
        weights = [1 + 4 * (CATEGORY_TAG[product.category] in tags) for product in products]
        count = min(int(world.rng.expovariate(1 / mean) + 0.5), 25)
        after = max(customer.since, world.start)
        for day in sorted(world.seasonal_day(after) for _ in range(count)):
            picks = world.rng.choices(products, weights,
                                      k=world.rng.choices(_LINE_COUNTS, _LINE_WEIGHTS)[0])
            place_order(world, customer, basket(world, picks),
                        world.local_time(day, customer.time_zone))


def basket(world: World, products: list[ProductRef], discount: int = 0) -> list[Line]:
    """One line per distinct product, mostly one of each, at list price less ``discount`` %."""
    unique = {product.sku: product for product in products}
    factor = Decimal(100 - discount) / 100
    return [(product, world.rng.choices((1, 2, 3), (90, 8, 2))[0], money(product.price * factor))
            for product in unique.values()]


def fulfilment(world: World, ordered_at: dt.datetime) -> Fulfilment:
    """An order's fate by its age: recent ones are still on their way."""
    age = world.now - ordered_at
    if age < dt.timedelta(days=2):
        return Fulfilment("placed", None, None)
    if age < dt.timedelta(days=6) and world.chance(0.7):
        return Fulfilment("shipped", None, None)
    roll = world.rng.random()
    if roll < 0.03:
        return Fulfilment("cancelled", None, None)
    shipped = min(world.later(ordered_at, 12 * 60, 5 * 24 * 60), world.now - dt.timedelta(hours=1))
    return Fulfilment("returned" if roll < 0.06 else "fulfilled", shipped, shipped)


def place_order(world: World, buyer: Customer, lines: list[Line], ordered_at: dt.datetime,
                links: Links | None = None, fate: Fulfilment | None = None) -> int:
    """The order with its lines and, once billed, its invoice; return the order id."""
    links = links or Links()
    fate = fate or fulfilment(world, ordered_at)
    total = money(sum((price * quantity for _, quantity, price in lines), Decimal(0)))
    order_id = world.add(
        "orders", account_id=buyer.account_id, contact_id=buyer.contact_id,
        opportunity_id=links.opportunity_id, quote_id=links.quote_id,
        campaign_id=links.campaign_id, status=fate.status, total=total, ordered_at=ordered_at,
        fulfilled_at=fate.fulfilled_at)
    for product, quantity, price in lines:
        world.add("order_lines", order_id=order_id, product_id=product.id, quantity=quantity,
                  unit_price=price)
        if fate.status != "cancelled":  # a cancelled order bought nothing
            buyer.purchases.append((ordered_at, order_id, product.category, product.name))
    if fate.billed_at is not None:
        add_invoice(world, order_id, buyer.account_id, total, fate.billed_at,
                    void=fate.status == "returned")
    return order_id


def add_invoice(world: World, order_id: int, account_id: int, amount: Decimal,
                issued: dt.datetime, *, void: bool = False) -> int:
    """Due in 30 days; most are paid in time, a few stay open past their due date."""
    invoice_id = world.ids.take("invoices")
    paid: dt.datetime | None = world.later(issued, 60, 25 * 24 * 60)
    if paid is not None and (paid >= world.now or world.chance(0.03)):
        paid = None
    status = "void" if void else ("paid" if paid is not None else "open")
    world.put("invoices", {
        "id": invoice_id, "number": f"INV-{invoice_id:07d}", "order_id": order_id,
        "account_id": account_id, "amount": amount, "status": status, "issued_at": issued,
        "due_at": issued + dt.timedelta(days=30), "paid_at": None if void else paid})
    return invoice_id
