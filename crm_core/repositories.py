"""The only code that touches ``AsyncSession``: reads and writes of CRM rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm_core.models import Account, Contact, ContactPhone, Interaction


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, contact: Contact) -> Contact:
        self.session.add(contact)
        await self.session.flush()
        return contact

    async def by_phone(self, e164: str) -> Contact | None:
        """The contact who has this number; the most recently created if several do."""
        query = (
            select(Contact)
            .join(ContactPhone, ContactPhone.contact_id == Contact.id)
            .where(ContactPhone.e164 == e164)
            .options(selectinload(Contact.account), selectinload(Contact.phones))
            .order_by(Contact.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, account: Account) -> Account:
        self.session.add(account)
        await self.session.flush()
        return account


class InteractionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, interaction: Interaction) -> Interaction:
        self.session.add(interaction)
        await self.session.flush()
        return interaction

    async def recent_for(self, contact_id: int, limit: int = 10) -> Sequence[Interaction]:
        query = (
            select(Interaction)
            .where(Interaction.contact_id == contact_id)
            .order_by(Interaction.started_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
