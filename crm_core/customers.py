"""Who is calling: the customer view by phone number (the screen-pop's core).

The first slice of the customer 360: contact, account and recent interactions in
one call. Open cases, deals, orders and the next best offer join it as their
modules land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import Interaction
from crm_core.phones import try_e164
from crm_core.repositories import ContactRepository, InteractionRepository


@dataclass(frozen=True)
class CustomerView:
    phone: str
    contact: dict[str, Any] | None
    account: dict[str, Any] | None
    recent_interactions: list[dict[str, Any]] = field(default_factory=list)


def _interaction(row: Interaction) -> dict[str, Any]:
    return {"id": row.id, "call_id": row.call_id, "channel": row.channel,
            "direction": row.direction, "started_at": row.started_at.isoformat(),
            "queue": row.queue, "outcome": row.outcome}


class CustomerService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def by_phone(self, phone: str, *, interactions: int = 10) -> CustomerView | None:
        """The customer behind a caller id, or None when the number is unknown or not one."""
        e164 = try_e164(phone)
        if e164 is None:
            return None
        async with self._sessions() as session:
            contact = await ContactRepository(session).by_phone(e164)
            if contact is None:
                return None
            recent = await InteractionRepository(session).recent_for(contact.id, interactions)
            account = contact.account
            return CustomerView(
                phone=e164,
                contact={"id": contact.id, "first_name": contact.first_name,
                         "last_name": contact.last_name, "email": contact.email,
                         "language": contact.language, "vip": contact.vip,
                         "do_not_call": contact.do_not_call,
                         "phones": [p.e164 for p in contact.phones]},
                account=None if account is None else {
                    "id": account.id, "name": account.name, "segment": account.segment},
                recent_interactions=[_interaction(row) for row in recent],
            )
