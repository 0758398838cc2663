"""Adds and reads of single CRM rows as ORM objects (bulk work and the screen-pop
use Core queries of their own)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import Account, Contact, Interaction


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, contact: Contact) -> Contact:
        self.session.add(contact)
        await self.session.flush()
        return contact


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
