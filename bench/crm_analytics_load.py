"""Writing a generated History into a migrated CRM database, fast.

PostgreSQL: the orders go in by binary COPY built as one numpy record array per chunk
(no Python object per row), the contacts by CSV COPY; the secondary indexes are dropped
first and rebuilt after, foreign-key triggers are off for the load (as a restore does),
then VACUUM ANALYZE, as autovacuum would leave a table that has been live a while.
SQLite: executemany in one transaction per chunk with journal and sync off, the
secondary indexes rebuilt after, then ANALYZE.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import numpy as np
from crm_analytics_data import START, History

CHUNK = 1_000_000
#: seconds from PostgreSQL's epoch (2000-01-01) to START
PG_OFFSET = int((START - dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).total_seconds())
ORDER_COLUMNS = ["id", "contact_id", "status", "total", "ordered_at"]
CONTACT_COLUMNS = ["id", "first_name", "last_name", "email", "language", "vip",
                   "do_not_call", "consent_marketing", "created_at"]
ROW = np.dtype([("fields", ">i2"), ("l_id", ">i4"), ("id", ">i4"), ("l_contact", ">i4"),
                ("contact", ">i4"), ("l_status", ">i4"), ("status", "S9"), ("l_total", ">i4"),
                ("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">i2"), ("dscale", ">i2"),
                ("units", ">i2"), ("cents", ">i2"), ("l_time", ">i4"), ("time", ">i8")])
HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)


def _status(cancelled: np.ndarray) -> np.ndarray:
    return np.where(cancelled, b"cancelled", b"fulfilled")  # both 9 bytes


def order_copy(history: History, first: int, last: int) -> bytes:
    """Orders ``first``..``last - 1`` in COPY's binary format; totals under 10,000."""
    rows = np.zeros(last - first, dtype=ROW)
    rows["fields"] = len(ORDER_COLUMNS)
    rows["l_id"], rows["l_contact"], rows["l_status"] = 4, 4, 9
    rows["l_total"], rows["l_time"] = 12, 8
    rows["id"] = np.arange(first + 1, last + 1)
    rows["contact"] = history.order_contact[first:last]
    rows["status"] = _status(history.order_cancelled[first:last])
    cents = history.order_cents[first:last]
    # numeric: two base-10000 digits, weight 0, scale 2: units . cents
    rows["ndigits"], rows["dscale"] = 2, 2
    rows["units"], rows["cents"] = cents // 100, (cents % 100) * 100
    rows["time"] = (history.order_time[first:last] + PG_OFFSET) * 1_000_000
    return HEADER + rows.tobytes() + TRAILER


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """Seconds since START as ISO text (``YYYY-MM-DD HH:MM:SS``)."""
    base = np.datetime64(START.replace(tzinfo=None), "s")
    text = np.datetime_as_string(base + seconds.astype("timedelta64[s]"), unit="s")
    return np.char.replace(text, "T", " ")


def _contact_csv(history: History) -> bytes:
    created = _timestamps(history.contact_created).tolist()
    lines = [f"{i},First{i},Last{i},person{i}@example.com,en,{i % 50 == 0},{i % 97 == 0},"
             f"{i % 3 == 0},{created[i - 1]}+00\n" for i in range(1, history.contacts + 1)]
    return "".join(lines).encode()


async def _drop_indexes(connection: asyncpg.Connection, tables: list[str]) -> list[str]:
    rows = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
        "tablename = ANY($1::text[]) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        tables)
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def load_postgresql(dsn: str, history: History) -> None:
    """COPY contacts and orders into the migrated, empty database at ``dsn``."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET session_replication_role = replica")  # no FK triggers
        await connection.execute("SET maintenance_work_mem = '512MB'")
        indexes = await _drop_indexes(connection, ["contacts", "orders"])
        await connection.copy_to_table("contacts", source=io.BytesIO(_contact_csv(history)),
                                       columns=CONTACT_COLUMNS, format="csv")
        total = len(history.order_contact)
        for first in range(0, total, CHUNK):
            await connection.copy_to_table(
                "orders", source=io.BytesIO(order_copy(history, first, min(first + CHUNK, total))),
                columns=ORDER_COLUMNS, format="binary")
        for definition in indexes:
            await connection.execute(definition)
        for table in ("contacts", "orders"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))")
        await connection.execute("VACUUM ANALYZE contacts")
        await connection.execute("VACUUM ANALYZE orders")
    finally:
        await connection.close()


def _sqlite_orders(history: History) -> Iterator[list[tuple[object, ...]]]:
    total = len(history.order_contact)
    for first in range(0, total, CHUNK):
        last = min(first + CHUNK, total)
        when = np.char.add(_timestamps(history.order_time[first:last]), ".000000")
        yield list(zip(range(first + 1, last + 1), history.order_contact[first:last].tolist(),
                       np.where(history.order_cancelled[first:last], "cancelled",
                                "fulfilled").tolist(),
                       (history.order_cents[first:last] / 100).tolist(), when.tolist(),
                       strict=True))


def _sqlite_contacts(history: History) -> list[tuple[object, ...]]:
    created = np.char.add(_timestamps(history.contact_created), ".000000").tolist()
    return [(i, f"First{i}", f"Last{i}", f"person{i}@example.com", "en", i % 50 == 0,
             i % 97 == 0, i % 3 == 0, created[i - 1]) for i in range(1, history.contacts + 1)]


def _insert(connection: sqlite3.Connection, table: str, columns: list[str],
            rows: list[tuple[object, ...]]) -> None:
    connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' * len(columns))})", rows)
    connection.commit()


def load_sqlite(path: Path, history: History) -> None:
    """Insert contacts and orders into the migrated, empty SQLite file at ``path``."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -1000000")  # 1 GB while loading
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('contacts', 'orders')").fetchall()
        for name, _sql in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        _insert(connection, "contacts", CONTACT_COLUMNS, _sqlite_contacts(history))
        for rows in _sqlite_orders(history):
            _insert(connection, "orders", ORDER_COLUMNS, rows)
        for _name, sql in indexes:
            connection.execute(sql)
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
