"""Demo data: the customers the demo's callers are (idempotent).

A small, hand-made set for now, so that the demo's caller numbers belong to
known customers; the synthetic company of thousands comes with the CRM issue.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import Account, Contact, ContactPhone, Interaction
from crm_core.phones import to_e164
from crm_core.repositories import ContactRepository

#: (first, last, phone, vip, account, segment)
DEMO_CUSTOMERS = (
    ("Ada", "Lovelace", "+15550001001", True, "Lovelace Analytical Engines", "gold"),
    ("Grace", "Hopper", "+15550001002", False, "Hopper Compilers", "silver"),
    ("Alan", "Turing", "+15550001003", False, "Bletchley Consulting", "bronze"),
)


async def seed_demo(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Add the demo customers that are not there yet; return how many were added."""
    added = 0
    async with sessions() as session, session.begin():
        contacts = ContactRepository(session)
        for first, last, phone, vip, account_name, segment in DEMO_CUSTOMERS:
            e164 = to_e164(phone)
            if await contacts.by_phone(e164) is not None:
                continue
            account = Account(name=account_name, segment=segment)
            contact = await contacts.add(Contact(
                first_name=first, last_name=last, account=account, vip=vip, language="en",
                email=f"{first.lower()}@example.com", phones=[ContactPhone(e164=e164)]))
            session.add(Interaction(
                call_id=f"demo-{contact.id}", contact_id=contact.id, caller=e164,
                dialed="5000", queue="support", outcome="answered",
                started_at=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)))
            added += 1
    return added
