"""Finding a contact the way an agent types: a name, part of a phone number, an e-mail.

What was typed decides how it is matched:

- digits (with the usual ``+ ( ) - . /`` and spaces) are a phone number: the
  number in E.164 (indexed), or any stored number that holds those digits
  (``000-1001`` finds ``+15550001001``);
- text with an ``@`` is an e-mail address, or part of one, in the main address or
  the further ones;
- anything else is words, and every word must begin the first name, the last
  name or the e-mail address (``ada love`` finds Ada Lovelace).

Letters are matched without regard to case, and ``%`` and ``_`` are plain
characters, on SQLite and PostgreSQL alike. The results come a page at a time,
by last name, first name and id, with the total, each with the account's name
and the contact's phones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from crm_core.audit import jsonable
from crm_core.models import Account, Contact, ContactEmail, ContactPhone
from crm_core.phones import try_e164

#: what an agent may type; the rest is cut off
MAX_TEXT = 200
MAX_LIMIT = 200
PHONE_TEXT = re.compile(r"\+?[\d\s().\-/]+")
#: fewer digits than this would match most of the numbers there are
MIN_DIGITS = 3


@dataclass(frozen=True)
class ContactResults:
    text: str
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]] = field(default_factory=list)


def _phone(text: str) -> ColumnElement[bool] | None:
    digits = re.sub(r"\D", "", text)
    if not PHONE_TEXT.fullmatch(text) or len(digits) < MIN_DIGITS:
        return None
    e164 = try_e164(text)
    matches = ContactPhone.e164.contains(digits, autoescape=True)
    if e164 is not None:
        matches = or_(ContactPhone.e164 == e164, matches)
    return Contact.id.in_(select(ContactPhone.contact_id).where(matches))


def _email(text: str) -> ColumnElement[bool]:
    further = select(ContactEmail.contact_id).where(
        ContactEmail.email.icontains(text, autoescape=True))
    return or_(Contact.email.icontains(text, autoescape=True), Contact.id.in_(further))


def _words(text: str) -> ColumnElement[bool]:
    return and_(*(or_(Contact.first_name.istartswith(word, autoescape=True),
                      Contact.last_name.istartswith(word, autoescape=True),
                      Contact.email.istartswith(word, autoescape=True))
                  for word in text.split()))


def condition(text: str) -> ColumnElement[bool] | None:
    """What the typed text matches; None for nothing typed (every contact)."""
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        return None
    phone = _phone(text)
    if phone is not None:
        return phone
    return _email(text) if "@" in text else _words(text)


def _listing(where: ColumnElement[bool] | None) -> Select[*tuple[Any, ...]]:
    query = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                    Contact.time_zone, Contact.vip, Contact.do_not_call, Contact.account_id,
                    Account.name.label("account_name"))
             .outerjoin(Account, Account.id == Contact.account_id))
    return query if where is None else query.where(where)


async def phones_of(connection: AsyncConnection,
                    contact_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each contact's numbers (E.164 and kind), in the order they were added."""
    found: dict[int, list[dict[str, str]]] = {cid: [] for cid in contact_ids}
    if contact_ids:
        query = (select(ContactPhone.contact_id, ContactPhone.e164, ContactPhone.kind)
                 .where(ContactPhone.contact_id.in_(contact_ids)).order_by(ContactPhone.id))
        for contact_id, e164, kind in await connection.execute(query):
            found[contact_id].append({"e164": e164, "kind": kind})
    return found


async def rows_with_phones(connection: AsyncConnection,
                           query: Select[*tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The contacts the query selects, as JSON-ready rows with their phones."""
    rows = [{key: jsonable(value) for key, value in row.items()}
            for row in (await connection.execute(query)).mappings()]
    phones = await phones_of(connection, [row["id"] for row in rows])
    for row in rows:
        row["phones"] = phones[row["id"]]
    return rows


async def search_contacts(sessions: async_sessionmaker[AsyncSession], text: str, *,
                          limit: int = 25, offset: int = 0) -> ContactResults:
    """One page of the contacts the text matches, and how many match in all."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    where = condition(text)
    counted = select(func.count()).select_from(Contact)
    if where is not None:
        counted = counted.where(where)
    page = (_listing(where).order_by(Contact.last_name, Contact.first_name, Contact.id)
            .limit(limit).offset(offset))
    async with sessions() as session:
        connection = await session.connection()
        total = int(await connection.scalar(counted) or 0)
        items = await rows_with_phones(connection, page) if offset < total else []
    return ContactResults(text=text, total=total, limit=limit, offset=offset, items=items)
