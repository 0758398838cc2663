"""Affinity offers from the CRM: the incidence in one GROUP BY, the offers per contact.

This is the analytics package's one module that reads a database: the models stay pure
numpy, and the CRM's orders reach them as arrays. The incidence is one aggregate over
order lines joined to their orders (per contact and product: how many orders, the first
and the last), so the database does the counting and Python gets one row per
(contact, product), not one per line. Cancelled and returned orders are no evidence of
taste (one bought nothing, the other was sent back); but a returned product is not
offered again to the customer who returned it.

``AffinityOffers.offers_for(contact_id)`` reads what the contact bought now (one
indexed query: a purchase since the fit is never offered again) and ranks the offers
with the fitted model.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.analytics.affinity import (
    MIN_BASKETS,
    MIN_PAIR,
    Affinity,
    Incidence,
    fit_affinity,
    incidence,
)
from contactcenter.analytics.affinity_offers import AffinityOffer, ProductInfo, rank_offers
from crm_core.models import Order, OrderLine, Product

#: order statuses that bought nothing
NOT_BOUGHT = ("cancelled", "returned")

_INCIDENCE = (
    select(Order.contact_id, OrderLine.product_id, func.count(distinct(Order.id)),
           func.min(Order.ordered_at), func.max(Order.ordered_at))
    .join(Order, Order.id == OrderLine.order_id)
    .where(Order.contact_id.is_not(None), Order.status.not_in(NOT_BOUGHT))
    .group_by(Order.contact_id, OrderLine.product_id)
)
_CATALOGUE = select(Product.id, Product.name, Product.sku, Product.category, Product.price,
                    Product.active)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A naive UTC time: PostgreSQL gives aware times, SQLite naive ones (stored UTC)."""
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)


def _incidence(rows: Sequence[tuple[Any, ...]]) -> Incidence:
    return incidence([r[0] for r in rows], [r[1] for r in rows],
                     orders=[r[2] for r in rows],
                     first=np.array([_utc(r[3]) for r in rows], dtype="datetime64[us]"),
                     last=np.array([_utc(r[4]) for r in rows], dtype="datetime64[us]"))


async def read_incidence(session: AsyncSession) -> Incidence:
    """Every contact's products: (contact, product, orders, first, last), one aggregate."""
    return _incidence([tuple(row) for row in await session.execute(_INCIDENCE)])


async def read_catalogue(session: AsyncSession) -> dict[int, ProductInfo]:
    """Every product's name, SKU, category, price and whether it is still sold, by id."""
    return {pid: ProductInfo(name=name, sku=sku, category=category, price=Decimal(price),
                             active=bool(active))
            for pid, name, sku, category, price, active in await session.execute(_CATALOGUE)}


async def bought_by(session: AsyncSession, contact_id: int) -> list[int]:
    """The products the contact bought (returned ones too), as of now."""
    query = (select(OrderLine.product_id).distinct()
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.contact_id == contact_id, Order.status != "cancelled"))
    return list(await session.scalars(query))


class AffinityOffers:
    """The affinity model fitted on the CRM's orders, and each contact's offers."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], model: Affinity,
                 catalogue: dict[int, ProductInfo]) -> None:
        self._sessions = sessions
        self.model = model
        self.catalogue = catalogue

    @classmethod
    async def fit(cls, sessions: async_sessionmaker[AsyncSession], *,
                  min_pair: int = MIN_PAIR, min_baskets: int = MIN_BASKETS) -> AffinityOffers:
        """Read the incidence and the catalogue and fit; ``NotEnoughData`` on too few
        customers with two or more products."""
        async with sessions() as session:
            data = await read_incidence(session)
            catalogue = await read_catalogue(session)
        # in a thread: on a large CRM the fit takes seconds, which the calls' event loop
        # must not wait out
        model = await asyncio.to_thread(fit_affinity, data, min_pair=min_pair,
                                        min_baskets=min_baskets)
        return cls(sessions, model, catalogue)

    async def ranked(self, contact_id: int, k: int = 3) -> list[AffinityOffer]:
        """The contact's ``k`` best offers, best first."""
        async with self._sessions() as session:
            bought = await bought_by(session, contact_id)
        return rank_offers(self.model, bought, self.catalogue, k=k)

    async def offers_for(self, contact_id: int, k: int = 3) -> list[dict[str, Any]]:
        """The contact's offers shaped as the screen-pop's ``next_best_offer``, each with
        its reason; the first is the one to show."""
        return [offer.as_pop(self.catalogue) for offer in await self.ranked(contact_id, k)]
