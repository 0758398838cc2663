"""The queries behind the customer 360, one indexed lookup each.

Every query is bounded (a limit, or the few open rows of one contact) and
served by an index whose leading column is the contact: the screen-pop must
cost the same for a new customer and for one with ten years of history. They
are Core selects of plain rows: the ORM's identity map would cost more than
the database does here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.models import (
    CLOSED_STAGES,
    OPEN_CASE_STATUSES,
    Account,
    Case,
    Contact,
    ContactPhone,
    Interaction,
    Opportunity,
    Order,
)

#: at most this many open cases and deals on a screen-pop; a customer with more
#: has a problem the agent sees anyway, and the page stays readable
OPEN_ROWS = 20
Row = dict[str, Any]

_CONTACT = select(
    Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.language,
    Contact.time_zone, Contact.vip, Contact.do_not_call, Contact.consent_marketing,
    Contact.created_at, Contact.account_id, Account.name.label("account_name"),
    Account.segment.label("account_segment"), Account.industry.label("account_industry"),
).join(ContactPhone, ContactPhone.contact_id == Contact.id).outerjoin(
    Account, Account.id == Contact.account_id)


async def _rows(connection: AsyncConnection, query: Select[Unpack[tuple[Any, ...]]]) -> list[Row]:
    return [dict(row) for row in (await connection.execute(query)).mappings()]


async def contact_by_phone(connection: AsyncConnection, e164: str) -> Row | None:
    """The contact who has this number (the newest if several do), with their account."""
    rows = await _rows(connection, _CONTACT.where(ContactPhone.e164 == e164)
                       .order_by(Contact.id.desc()).limit(1))
    return rows[0] if rows else None


async def phones(connection: AsyncConnection, contact_id: int) -> list[str]:
    query = (select(ContactPhone.e164).where(ContactPhone.contact_id == contact_id)
             .order_by(ContactPhone.id))
    return list((await connection.scalars(query)).all())


async def recent_interactions(connection: AsyncConnection, contact_id: int,
                              limit: int) -> Sequence[Row]:
    query = (select(Interaction.id, Interaction.call_id, Interaction.channel,
                    Interaction.direction, Interaction.started_at, Interaction.queue,
                    Interaction.agent, Interaction.outcome, Interaction.disposition,
                    Interaction.notes)
             .where(Interaction.contact_id == contact_id)
             .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(limit))
    return await _rows(connection, query)


async def open_cases(connection: AsyncConnection, contact_id: int) -> Sequence[Row]:
    query = (select(Case.id, Case.subject, Case.status, Case.priority, Case.type,
                    Case.opened_at, Case.resolution_due)
             .where(Case.contact_id == contact_id, Case.status.in_(OPEN_CASE_STATUSES))
             .order_by(Case.opened_at.desc()).limit(OPEN_ROWS))
    return await _rows(connection, query)


async def open_opportunities(connection: AsyncConnection, contact_id: int) -> Sequence[Row]:
    query = (select(Opportunity.id, Opportunity.name, Opportunity.stage, Opportunity.amount,
                    Opportunity.probability, Opportunity.expected_close)
             .where(Opportunity.contact_id == contact_id,
                    Opportunity.stage.not_in(CLOSED_STAGES))
             .order_by(Opportunity.created_at.desc()).limit(OPEN_ROWS))
    return await _rows(connection, query)


async def last_orders(connection: AsyncConnection, contact_id: int,
                      limit: int) -> Sequence[Row]:
    query = (select(Order.id, Order.status, Order.total, Order.ordered_at)
             .where(Order.contact_id == contact_id)
             .order_by(Order.ordered_at.desc(), Order.id.desc()).limit(limit))
    return await _rows(connection, query)
