"""Demo data: a synthetic company around the customers the demo's callers are (idempotent).

``seed_demo`` reads what the database holds (largest ids, catalogue rows,
numbers in use, whether the demo customers are there), has
``crm_core.synthetic.company`` build the company around it, and inserts the rows in
bulk, a few thousand per statement, in one transaction. Ids are the seed's own
(after each table's largest), so PostgreSQL's id sequences are moved past them
afterwards. When the three demo customers are there already it adds nothing.

Seeded users have an unusable password hash (``!``): they own rows and appear
in reports, but nobody logs in as them until the auth module sets a password.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import (
    Article,
    Base,
    ContactPhone,
    Lead,
    Offer,
    Product,
    Segment,
    SlaPolicy,
    User,
)
from crm_core.synthetic.catalog import SEGMENTS
from crm_core.synthetic.company import DEMO_PHONES, TABLE_ORDER, Existing, build_company
from crm_core.synthetic.demo import DEMO_CUSTOMERS
from crm_core.synthetic.world import PHONE_PREFIX, ProductRef

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED", "DEMO_CUSTOMERS", "seed_demo"]

#: synthetic customers besides the three demo ones
DEFAULT_CUSTOMERS = 2_000
DEFAULT_SEED = 1001
#: rows per INSERT statement
BATCH = 5_000


async def seed_demo(sessions: async_sessionmaker[AsyncSession], *,
                    customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED,
                    today: dt.date | None = None) -> int:
    """Add the demo customers and, with them, ``customers`` synthetic ones and their
    history dated back from ``today``; return how many customers (contacts) were added:
    0 when the demo customers are all there already (a saved segment of the catalogue
    that a database seeded before lacks is added all the same: the demo's campaigns
    name them)."""
    today = today or dt.datetime.now(dt.UTC).date()
    async with sessions() as session, session.begin():
        existing = await read_existing(session)
        company = build_company(customers=customers, seed=seed, today=today,
                                existing=existing)
        if company.customers:
            await write_rows(session, company.rows)
        else:
            await _missing_segments(session, existing)
    return company.customers


async def _missing_segments(session: AsyncSession, existing: Existing) -> None:
    """The catalogue's saved segments a database seeded before them lacks."""
    rows = [{"name": name, "definition": definition}
            for name, definition in SEGMENTS.items() if name not in existing.segments]
    if rows:
        await session.execute(insert(Segment), rows)


async def read_existing(session: AsyncSession) -> Existing:
    """What the seed must build around: ids in use, the catalogue, numbers taken."""
    tables = Base.metadata.tables
    largest = union_all(*(select(literal(name).label("name"),
                                 func.coalesce(func.max(tables[name].c.id), 0).label("id"))
                          for name in TABLE_ORDER))
    existing = Existing(max_ids={name: int(top) for name, top in await session.execute(largest)})
    existing.users = {name: user_id for user_id, name in
                      await session.execute(select(User.id, User.username))}
    existing.products = {
        sku: ProductRef(product_id, sku, name, category, price)
        for product_id, sku, name, category, price in await session.execute(
            select(Product.id, Product.sku, Product.name, Product.category, Product.price))}
    existing.sla = {priority: (first, due) for priority, first, due in await session.execute(
        select(SlaPolicy.priority, SlaPolicy.first_response_minutes,
               SlaPolicy.resolution_minutes))}
    existing.segments = {name: segment_id for segment_id, name in
                         await session.execute(select(Segment.id, Segment.name))}
    existing.article_titles = set(await session.scalars(select(Article.title)))
    existing.offer_names = set(await session.scalars(select(Offer.name)))
    existing.phones = await _numbers_in_use(session)
    existing.demo_phones = set(await session.scalars(
        select(ContactPhone.e164).where(ContactPhone.e164.in_(DEMO_PHONES))))
    return existing


async def _numbers_in_use(session: AsyncSession) -> set[str]:
    pattern = f"{PHONE_PREFIX}%"
    phones = set(await session.scalars(
        select(ContactPhone.e164).where(ContactPhone.e164.like(pattern))))
    leads = await session.scalars(select(Lead.phone).where(Lead.phone.like(pattern)))
    return phones | {phone for phone in leads if phone}


async def write_rows(session: AsyncSession, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the rows table by table, parents first, ``BATCH`` rows per statement."""
    tables = Base.metadata.tables
    for name in TABLE_ORDER:
        table_rows = rows.get(name, [])
        for start in range(0, len(table_rows), BATCH):
            await session.execute(insert(tables[name]), table_rows[start:start + BATCH])
    if session.get_bind().dialect.name == "postgresql":
        for name in TABLE_ORDER:
            if rows.get(name):  # the seed chose the ids; the sequence must not hand them out
                await session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"))
