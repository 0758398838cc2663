"""The queries behind the customer 360, one indexed lookup each.

Every query is bounded (a limit, or the few open rows of one contact) and
served by an index whose leading column is the contact: the screen-pop must
cost the same for a new customer and for one with ten years of history.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm_core.models import (
    CLOSED_STAGES,
    OPEN_CASE_STATUSES,
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


async def contact_by_phone(session: AsyncSession, e164: str) -> Contact | None:
    """The contact who has this number; the most recently created if several do."""
    query = (
        select(Contact)
        .join(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(ContactPhone.e164 == e164)
        .options(selectinload(Contact.account), selectinload(Contact.phones))
        .order_by(Contact.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def recent_interactions(session: AsyncSession, contact_id: int,
                              limit: int) -> Sequence[Interaction]:
    query = (select(Interaction).where(Interaction.contact_id == contact_id)
             .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(limit))
    return (await session.scalars(query)).all()


async def open_cases(session: AsyncSession, contact_id: int) -> Sequence[Case]:
    query = (select(Case)
             .where(Case.contact_id == contact_id, Case.status.in_(OPEN_CASE_STATUSES))
             .order_by(Case.opened_at.desc()).limit(OPEN_ROWS))
    return (await session.scalars(query)).all()


async def open_opportunities(session: AsyncSession, contact_id: int) -> Sequence[Opportunity]:
    query = (select(Opportunity)
             .where(Opportunity.contact_id == contact_id,
                    Opportunity.stage.not_in(CLOSED_STAGES))
             .order_by(Opportunity.created_at.desc()).limit(OPEN_ROWS))
    return (await session.scalars(query)).all()


async def last_orders(session: AsyncSession, contact_id: int, limit: int) -> Sequence[Order]:
    query = (select(Order).where(Order.contact_id == contact_id)
             .order_by(Order.ordered_at.desc(), Order.id.desc()).limit(limit))
    return (await session.scalars(query)).all()
