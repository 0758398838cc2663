"""The CRM pages' records: a contact's card and an account's, each read in one go.

A contact's card is the person (name, account, phones with their kinds,
e-mail addresses, time zone, language, the do-not-call and VIP marks), their
open cases and deals, last orders, and the first page of their timeline
(``crm_core.timeline``). An account's card is the company or household with its
contacts, open cases and deals and last orders. Every part is a bounded query on
an indexed column, as for the screen-pop (``crm_core.customer_queries``), whose
queries the contact's card shares.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from crm_core import customer_queries as queries
from crm_core.audit import jsonable
from crm_core.contact_search import phones_of, rows_with_phones
from crm_core.models import (
    CLOSED_STAGES,
    OPEN_CASE_STATUSES,
    Account,
    Case,
    Contact,
    ContactEmail,
    Opportunity,
    Order,
)
from crm_core.timeline import timeline

Card = dict[str, Any]
#: an account's card lists at most this many of its contacts (a big company's are a list
#: to search, not a card)
ACCOUNT_CONTACTS = 200
_ACCOUNT: BindParameter[int] = bindparam("account_id")
_LIMIT: BindParameter[int] = bindparam("limit")

CONTACT = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email,
                  Contact.language, Contact.time_zone, Contact.birth_date, Contact.vip,
                  Contact.do_not_call, Contact.consent_marketing, Contact.created_at,
                  Contact.account_id)
           .where(Contact.id == bindparam("contact_id")))
ACCOUNT = (select(Account.id, Account.name, Account.segment, Account.industry,
                  Account.time_zone, Account.created_at)
           .where(Account.id == _ACCOUNT))
EMAILS = (select(ContactEmail.email, ContactEmail.kind)
          .where(ContactEmail.contact_id == bindparam("contact_id"))
          .order_by(ContactEmail.id))
ACCOUNT_CASES = (select(Case.id, Case.subject, Case.status, Case.priority, Case.type,
                        Case.opened_at, Case.resolution_due, Case.contact_id)
                 .where(Case.account_id == _ACCOUNT, Case.status.in_(OPEN_CASE_STATUSES))
                 .order_by(Case.opened_at.desc()).limit(queries.OPEN_ROWS))
ACCOUNT_DEALS = (select(Opportunity.id, Opportunity.name, Opportunity.stage,
                        Opportunity.amount, Opportunity.probability,
                        Opportunity.expected_close, Opportunity.contact_id)
                 .where(Opportunity.account_id == _ACCOUNT,
                        Opportunity.stage.not_in(CLOSED_STAGES))
                 .order_by(Opportunity.created_at.desc()).limit(queries.OPEN_ROWS))
ACCOUNT_ORDERS = (select(Order.id, Order.status, Order.total, Order.ordered_at,
                         Order.contact_id)
                  .where(Order.account_id == _ACCOUNT)
                  .order_by(Order.ordered_at.desc(), Order.id.desc()).limit(_LIMIT))
ACCOUNT_CONTACTS_QUERY = (select(Contact.id, Contact.first_name, Contact.last_name,
                                 Contact.email, Contact.time_zone, Contact.vip,
                                 Contact.do_not_call)
                          .where(Contact.account_id == _ACCOUNT)
                          .order_by(Contact.last_name, Contact.first_name, Contact.id))


async def _plain_rows(connection: AsyncConnection, query: Any, **params: object) -> list[Card]:
    return [{key: jsonable(value) for key, value in row.items()}
            for row in await queries.rows(connection, query, **params)]


async def _one(connection: AsyncConnection, query: Any, **params: object) -> Card | None:
    found = await _plain_rows(connection, query, **params)
    return found[0] if found else None


async def _emails(connection: AsyncConnection, contact: Card) -> list[dict[str, str]]:
    """The main address first, then the further ones."""
    main = [{"email": contact["email"], "kind": "main"}] if contact["email"] else []
    further = await _plain_rows(connection, EMAILS, contact_id=contact["id"])
    return main + [row for row in further if row["email"] != contact["email"]]


class ContactCards:
    """Reads the cards of the CRM pages."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def contact(self, contact_id: int, *, entries: int = 50,
                      orders: int = 5) -> Card | None:
        """The contact's card with the first ``entries`` of their timeline; None when
        there is no such contact."""
        async with self._sessions() as session:
            connection = await session.connection()
            contact = await _one(connection, CONTACT, contact_id=contact_id)
            if contact is None:
                return None
            account = (await _one(connection, ACCOUNT, account_id=contact["account_id"])
                       if contact["account_id"] is not None else None)
            phones = (await phones_of(connection, [contact_id]))[contact_id]
            card: Card = {
                "contact": contact, "account": account, "phones": phones,
                "emails": await _emails(connection, contact),
                "open_cases": await _plain_rows(connection, queries.OPEN_CASES,
                                                contact_id=contact_id),
                "open_deals": await _plain_rows(connection, queries.OPEN_DEALS,
                                                contact_id=contact_id),
                "last_orders": await _plain_rows(connection, queries.LAST_ORDERS,
                                                 contact_id=contact_id, limit=orders),
                "timeline": asdict(await timeline(connection, contact_id, limit=entries)),
            }
        return card

    async def timeline(self, contact_id: int, *, limit: int = 50,
                       offset: int = 0) -> Card | None:
        """A page of the contact's timeline; None when there is no such contact."""
        async with self._sessions() as session:
            connection = await session.connection()
            known = await connection.scalar(select(Contact.id).where(Contact.id == contact_id))
            if known is None:
                return None
            return asdict(await timeline(connection, contact_id, limit=limit, offset=offset))

    async def account(self, account_id: int, *, orders: int = 10) -> Card | None:
        """The account's card; None when there is no such account."""
        async with self._sessions() as session:
            connection = await session.connection()
            account = await _one(connection, ACCOUNT, account_id=account_id)
            if account is None:
                return None
            contacts = await rows_with_phones(
                connection, ACCOUNT_CONTACTS_QUERY.params(account_id=account_id)
                .limit(ACCOUNT_CONTACTS + 1))
            return {
                "account": account, "contacts": contacts[:ACCOUNT_CONTACTS],
                "more_contacts": len(contacts) > ACCOUNT_CONTACTS,
                "open_cases": await _plain_rows(connection, ACCOUNT_CASES,
                                                account_id=account_id),
                "open_deals": await _plain_rows(connection, ACCOUNT_DEALS,
                                                account_id=account_id),
                "last_orders": await _plain_rows(connection, ACCOUNT_ORDERS,
                                                 account_id=account_id, limit=orders),
            }
