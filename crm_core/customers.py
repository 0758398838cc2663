"""Who is calling: the customer 360 by phone number, the screen-pop's payload.

One call returns the contact and account, recent interactions, open cases,
open opportunities, last orders and the next best offer. Each part is one
indexed query on one connection, so the lookup stays fast as the tables grow
(docs/benchmarks.md has the figures for a million contacts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core import customer_queries as queries
from crm_core.audit import jsonable
from crm_core.offers import NextBestOffer, next_best_offer
from crm_core.phones import try_e164


@dataclass(frozen=True)
class CustomerView:
    phone: str
    contact: dict[str, Any] | None
    account: dict[str, Any] | None
    recent_interactions: list[dict[str, Any]] = field(default_factory=list)
    open_cases: list[dict[str, Any]] = field(default_factory=list)
    open_opportunities: list[dict[str, Any]] = field(default_factory=list)
    last_orders: list[dict[str, Any]] = field(default_factory=list)
    next_best_offer: dict[str, Any] | None = None


def _plain(row: queries.Row) -> dict[str, Any]:
    """A row as JSON-ready values: times in ISO 8601 UTC, money as exact text."""
    return {key: jsonable(value) for key, value in row.items()}


def _split(row: queries.Row, phones: list[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The contact part and the account part of the joined row."""
    contact = _plain({key: value for key, value in row.items()
                      if not key.startswith("account_")})
    contact["customer_since"] = contact.pop("created_at")
    contact["phones"] = phones
    if row["account_id"] is None:
        return contact, None
    return contact, {"id": row["account_id"], "name": row["account_name"],
                     "segment": row["account_segment"], "industry": row["account_industry"]}


def _offer(offer: NextBestOffer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {"id": offer.id, "name": offer.name, "kind": offer.kind, "pitch": offer.pitch,
            "product": offer.product_name, "sku": offer.sku,
            "discount_percent": str(offer.discount_percent)}


class CustomerService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def by_phone(self, phone: str, *, interactions: int = 10, orders: int = 5,
                       today: dt.date | None = None) -> CustomerView | None:
        """The customer behind a caller id, or None when the number is unknown or not one."""
        e164 = try_e164(phone)
        if e164 is None:
            return None
        async with self._sessions() as session:
            connection = await session.connection()
            row = await queries.contact_by_phone(connection, e164)
            if row is None:
                return None
            cid = row["id"]
            contact, account = _split(row, await queries.phones(connection, cid))
            plain = [_plain(r) for r in await queries.rows(
                connection, queries.INTERACTIONS, contact_id=cid, limit=interactions)]
            cases = [_plain(r) for r in await queries.rows(
                connection, queries.OPEN_CASES, contact_id=cid)]
            deals = [_plain(r) for r in await queries.rows(
                connection, queries.OPEN_DEALS, contact_id=cid)]
            last = [_plain(r) for r in await queries.rows(
                connection, queries.LAST_ORDERS, contact_id=cid, limit=orders)]
            offer = await next_best_offer(connection, cid,
                                          today or dt.datetime.now(dt.UTC).date())
        return CustomerView(phone=e164, contact=contact, account=account,
                            recent_interactions=plain, open_cases=cases,
                            open_opportunities=deals, last_orders=last,
                            next_best_offer=_offer(offer))
