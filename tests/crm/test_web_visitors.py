"""Who a web visitor is by the e-mail they typed (``crm_core.web_visitors``), on SQLite and
PostgreSQL: a contact's main address or a further one, whatever the case; the newest
contact when two share it; the contact's first number; nobody for an unknown address."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone
from crm_core.models.customers import ContactEmail
from crm_core.repositories import ContactRepository
from crm_core.web_visitors import contact_by_email


async def _seed(engine: AsyncEngine) -> tuple[int, int]:
    async with sessions(engine)() as session, session.begin():
        contacts = ContactRepository(session)
        ada = await contacts.add(Contact(
            first_name="Ada", last_name="Lovelace", email="Ada.Lovelace@Example.com",
            phones=[ContactPhone(e164="+15550001001"), ContactPhone(e164="+442079460001")],
            emails=[ContactEmail(email="countess@example.org")]))
        await contacts.add(Contact(first_name="Old", last_name="Shared",
                                   email="desk@example.net"))
        newer = await contacts.add(Contact(first_name="New", last_name="Shared",
                                           email="DESK@example.net"))
        return ada.id, newer.id


async def test_a_visitor_is_the_contact_their_address_names(engine: AsyncEngine) -> None:
    ada, newer = await _seed(engine)
    crm = sessions(engine)
    for typed in ("ada.lovelace@example.com", " ADA.LOVELACE@EXAMPLE.COM ",
                  "Countess@example.org"):
        found = await contact_by_email(crm, typed)
        assert found == {"id": ada, "name": "Ada Lovelace",
                         "email": "Ada.Lovelace@Example.com", "phone": "+15550001001"}, typed
    shared = await contact_by_email(crm, "desk@example.net")
    assert shared is not None and shared["id"] == newer and shared["phone"] is None
    assert await contact_by_email(crm, "nobody@example.com") is None
    assert await contact_by_email(crm, "   ") is None
