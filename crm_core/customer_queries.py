"""The queries behind the customer 360, one indexed lookup each.

Every query is bounded (a limit, or the few open rows of one contact) and
served by an index whose leading column is the contact: the screen-pop must
cost the same for a new customer and for one with ten years of history. They
are Core selects built once with bound parameters and return plain rows:
building a statement or filling the ORM's identity map per lookup would cost
more than the database does here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, select
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
_ID: BindParameter[int] = bindparam("contact_id")
_LIMIT: BindParameter[int] = bindparam("limit")

CONTACT = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                  Contact.language, Contact.time_zone, Contact.vip, Contact.do_not_call,
                  Contact.consent_marketing, Contact.created_at, Contact.account_id,
                  Account.name.label("account_name"),
                  Account.segment.label("account_segment"),
                  Account.industry.label("account_industry"))
           .join(ContactPhone, ContactPhone.contact_id == Contact.id)
           .outerjoin(Account, Account.id == Contact.account_id)
           .where(ContactPhone.e164 == bindparam("e164"))
           .order_by(Contact.id.desc()).limit(1))
PHONES = (select(ContactPhone.e164).where(ContactPhone.contact_id == _ID)
          .order_by(ContactPhone.id))
INTERACTIONS = (select(Interaction.id, Interaction.call_id, Interaction.channel,
                       Interaction.direction, Interaction.started_at, Interaction.queue,
                       Interaction.agent, Interaction.outcome, Interaction.disposition,
                       Interaction.notes)
                .where(Interaction.contact_id == _ID)
                .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(_LIMIT))
OPEN_CASES = (select(Case.id, Case.subject, Case.status, Case.priority, Case.type,
                     Case.opened_at, Case.resolution_due)
              .where(Case.contact_id == _ID, Case.status.in_(OPEN_CASE_STATUSES))
              .order_by(Case.opened_at.desc()).limit(OPEN_ROWS))
OPEN_DEALS = (select(Opportunity.id, Opportunity.name, Opportunity.stage, Opportunity.amount,
                     Opportunity.probability, Opportunity.expected_close)
              .where(Opportunity.contact_id == _ID, Opportunity.stage.not_in(CLOSED_STAGES))
              .order_by(Opportunity.created_at.desc()).limit(OPEN_ROWS))
LAST_ORDERS = (select(Order.id, Order.status, Order.total, Order.ordered_at)
               .where(Order.contact_id == _ID)
               .order_by(Order.ordered_at.desc(), Order.id.desc()).limit(_LIMIT))


async def rows(connection: AsyncConnection, query: Select[*tuple[Any, ...]],
               **params: object) -> list[Row]:
    return [dict(row) for row in (await connection.execute(query, params)).mappings()]


async def contact_by_phone(connection: AsyncConnection, e164: str) -> Row | None:
    """The contact who has this number (the newest if several do), with their account."""
    found = await rows(connection, CONTACT, e164=e164)
    return found[0] if found else None


async def phones(connection: AsyncConnection, contact_id: int) -> list[str]:
    return list((await connection.scalars(PHONES, {"contact_id": contact_id})).all())
