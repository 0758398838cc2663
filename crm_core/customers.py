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
from crm_core.models import Account, Case, Contact, Interaction, Opportunity, Order
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


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _contact(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "first_name": contact.first_name,
            "last_name": contact.last_name, "email": contact.email,
            "language": contact.language, "time_zone": contact.time_zone, "vip": contact.vip,
            "do_not_call": contact.do_not_call, "consent_marketing": contact.consent_marketing,
            "phones": [p.e164 for p in contact.phones],
            "customer_since": _time(contact.created_at)}


def _account(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.id, "name": account.name, "segment": account.segment,
            "industry": account.industry}


def _interaction(row: Interaction) -> dict[str, Any]:
    return {"id": row.id, "call_id": row.call_id, "channel": row.channel,
            "direction": row.direction, "started_at": _time(row.started_at),
            "queue": row.queue, "agent": row.agent, "outcome": row.outcome,
            "disposition": row.disposition, "notes": row.notes}


def _case(row: Case) -> dict[str, Any]:
    return {"id": row.id, "subject": row.subject, "status": row.status,
            "priority": row.priority, "type": row.type, "opened_at": _time(row.opened_at),
            "resolution_due": _time(row.resolution_due)}


def _opportunity(row: Opportunity) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "stage": row.stage, "amount": str(row.amount),
            "probability": row.probability,
            "expected_close": row.expected_close.isoformat() if row.expected_close else None}


def _order(row: Order) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "total": str(row.total),
            "ordered_at": _time(row.ordered_at)}


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
            contact = await queries.contact_by_phone(session, e164)
            if contact is None:
                return None
            return CustomerView(
                phone=e164, contact=_contact(contact), account=_account(contact.account),
                recent_interactions=[_interaction(row) for row in
                                     await queries.recent_interactions(
                                         session, contact.id, interactions)],
                open_cases=[_case(row) for row in await queries.open_cases(session, contact.id)],
                open_opportunities=[_opportunity(row) for row in
                                    await queries.open_opportunities(session, contact.id)],
                last_orders=[_order(row) for row in
                             await queries.last_orders(session, contact.id, orders)],
                next_best_offer=_offer(await next_best_offer(
                    session, contact.id, today or dt.datetime.now(dt.UTC).date())),
            )
