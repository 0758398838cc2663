"""Bulk loading of a large synthetic CRM for the lookup benchmark.

Rows are made in batches, deterministically, and written with PostgreSQL's
COPY (asyncpg) or SQLite's executemany: the ORM would take hours for ten
million rows. Contact ``i`` has the phone number ``+{PHONE_BASE + i}``.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import asyncpg

PHONE_BASE = 15_550_000_000 + 100_000  # +1 555 010 0000 onwards, clear of the demo's numbers
BATCH = 50_000
EPOCH = dt.datetime(2024, 11, 1, tzinfo=dt.UTC)
SPAN = 2 * 365 * 86400
PRODUCTS = [(n, f"SKU-{n}", f"Product {n}", ("mobile", "home", "travel")[n % 3],
             Decimal(10 * n), True) for n in range(1, 13)]
OFFERS = [(n, f"Offer {n}", "cross_sell" if n % 2 else "up_sell", n + 6, n, f"Pitch {n}",
           Decimal(10), n, True) for n in range(1, 7)]

COLUMNS = {
    "products": ("id", "sku", "name", "category", "price", "active"),
    "offers": ("id", "name", "kind", "product_id", "requires_product_id", "pitch",
               "discount_percent", "priority", "active"),
    "contacts": ("id", "first_name", "last_name", "email", "language", "vip", "do_not_call",
                 "consent_marketing", "created_at"),
    "contact_phones": ("id", "contact_id", "e164", "kind"),
    "interactions": ("id", "call_id", "contact_id", "channel", "direction", "caller",
                     "dialed", "started_at", "queue", "agent", "outcome"),
    "cases": ("id", "subject", "contact_id", "priority", "type", "status", "channel",
              "opened_at"),
    "opportunities": ("id", "name", "contact_id", "kind", "stage", "amount", "probability",
                      "created_at"),
    "orders": ("id", "contact_id", "status", "total", "ordered_at"),
    "order_lines": ("id", "order_id", "product_id", "quantity", "unit_price"),
}


def _moment(rng: random.Random) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=rng.randrange(SPAN))


def _contact_rows(first: int, last: int, per_contact: int,
                  rng: random.Random) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in COLUMNS}
    for cid in range(first, last):
        phone = f"+{PHONE_BASE + cid}"
        rows["contacts"].append((cid + 1, f"First{cid}", f"Last{cid}",
                                 f"person{cid}@example.com", "en", cid % 50 == 0,
                                 cid % 97 == 0, cid % 3 == 0, _moment(rng)))
        rows["contact_phones"].append((cid + 1, cid + 1, phone, "mobile"))
        for n in range(per_contact):
            iid = cid * per_contact + n + 1
            rows["interactions"].append((iid, f"bench-{iid}", cid + 1, "voice", "inbound",
                                         phone, "5000", _moment(rng), "support",
                                         f"agent{101 + iid % 10}", "answered"))
        if cid % 10 == 0:
            rows["cases"].append((cid // 10 + 1, "Question", cid + 1, "normal", "question",
                                  ("open", "resolved", "closed", "pending")[cid // 10 % 4],
                                  "phone", _moment(rng)))
        if cid % 20 == 0:
            rows["opportunities"].append((cid // 20 + 1, "Upgrade", cid + 1, "new",
                                          ("meeting", "customer_billed")[cid // 20 % 2],
                                          Decimal(500), 40, _moment(rng)))
        for n in range(2):
            oid = cid * 2 + n + 1
            product = PRODUCTS[rng.randrange(len(PRODUCTS))]
            rows["orders"].append((oid, cid + 1, "fulfilled", product[4], _moment(rng)))
            rows["order_lines"].append((oid, oid, product[0], 1, product[4]))
    return rows


def batches(contacts: int, per_contact: int) -> Iterator[dict[str, list[tuple[object, ...]]]]:
    """All rows, a few thousand contacts' worth at a time; the fixed tables first."""
    yield {"products": list(PRODUCTS), "offers": list(OFFERS)}
    rng = random.Random(360)
    step = max(1, BATCH // (per_contact + 5))
    for first in range(0, contacts, step):
        yield _contact_rows(first, min(first + step, contacts), per_contact, rng)


async def _secondary_indexes(connection: asyncpg.Connection, schema: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint)", schema)
    for row in rows:
        await connection.execute(f'DROP INDEX "{schema}"."{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def load_postgresql(dsn: str, schema: str, contacts: int, per_contact: int) -> None:
    """COPY every batch; indexes are dropped first and rebuilt once at the end."""
    connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await connection.execute("SET session_replication_role = replica")  # no FK triggers
        indexes = await _secondary_indexes(connection, schema)
        for batch in batches(contacts, per_contact):
            for table, rows in batch.items():
                if rows:
                    await connection.copy_records_to_table(
                        table, records=rows, columns=list(COLUMNS[table]), schema_name=schema)
        for definition in indexes:
            await connection.execute(definition)
        await connection.execute("CREATE TABLE bench_loaded (done boolean)")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _sqlite_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
    if isinstance(value, Decimal):
        return float(value)
    return value


def load_sqlite(path: Path, contacts: int, per_contact: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for batch in batches(contacts, per_contact):
        for table, rows in batch.items():
            names = COLUMNS[table]
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                f"({', '.join('?' * len(names))})",
                [tuple(_sqlite_value(v) for v in row) for row in rows])
        connection.commit()
    connection.execute("ANALYZE")
    connection.close()

