"""The next best offer: which cross-sell or up-sell to put in front of a customer.

The rule is the one a campaign manager can reason about: among the active
offers, skip those for a product the customer already bought, keep those whose
prerequisite product they did buy (or that need none), and take the one with
the highest priority, targeted offers before general ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BindParameter, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.models import Offer, Order, OrderLine, Product


@dataclass(frozen=True)
class NextBestOffer:
    id: int
    name: str
    kind: str
    pitch: str
    product_name: str
    sku: str
    discount_percent: Decimal


_BOUGHT = (select(OrderLine.product_id)
           .join(Order, Order.id == OrderLine.order_id)
           .where(Order.contact_id == bindparam("contact_id"), Order.status != "cancelled"))
_TODAY: BindParameter[dt.date] = bindparam("today")
#: built once: the screen-pop asks this on every call
_BEST = (
    select(Offer.id, Offer.name, Offer.kind, Offer.pitch, Product.name, Product.sku,
           Offer.discount_percent)
    .join(Product, Product.id == Offer.product_id)
    .where(Offer.active, Product.active,
           or_(Offer.starts_on.is_(None), Offer.starts_on <= _TODAY),
           or_(Offer.ends_on.is_(None), Offer.ends_on >= _TODAY),
           or_(Offer.requires_product_id.is_(None), Offer.requires_product_id.in_(_BOUGHT)),
           Offer.product_id.not_in(_BOUGHT))
    .order_by(Offer.requires_product_id.is_(None), Offer.priority.desc(), Offer.id)
    .limit(1)
)


async def next_best_offer(connection: AsyncConnection, contact_id: int,
                          today: dt.date) -> NextBestOffer | None:
    row = (await connection.execute(_BEST, {"contact_id": contact_id, "today": today})).first()
    return None if row is None else NextBestOffer(*row)
