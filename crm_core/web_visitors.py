"""Who a web visitor is, by the e-mail address they typed: the contact it belongs to.

The address is what the visitor says, not proven: the platform shows the agent the
contact it names as "given by the visitor" (docs/web-calls.md). The newest contact wins
when several share an address, as for phone numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models.customers import Contact, ContactEmail, ContactPhone


async def contact_by_email(sessions: async_sessionmaker[AsyncSession],
                           email: str) -> dict[str, Any] | None:
    """``{"id", "name", "email", "phone"}`` of the contact with this address (the main
    one or a further one, case aside), ``phone`` its first number or None; None when no
    contact has it."""
    wanted = email.strip().lower()
    if not wanted:
        return None
    further = select(ContactEmail.contact_id).where(func.lower(ContactEmail.email) == wanted)
    query = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
             .where(or_(func.lower(Contact.email) == wanted, Contact.id.in_(further)))
             .order_by(Contact.id.desc()).limit(1))
    async with sessions() as session:
        row = (await session.execute(query)).first()
        if row is None:
            return None
        phone = await session.scalar(select(ContactPhone.e164)
                                     .where(ContactPhone.contact_id == row.id)
                                     .order_by(ContactPhone.id).limit(1))
    name = f"{row.first_name} {row.last_name}".strip()
    return {"id": row.id, "name": name, "email": row.email, "phone": phone}
