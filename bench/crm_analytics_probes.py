"""Where a big select's time goes: the database's own work, against the whole read.

Each statement runs once in the database alone: on PostgreSQL under EXPLAIN (ANALYZE,
BUFFERS), whose plan is kept in a file; on SQLite stepped to its last row on a plain
sqlite3 connection (no SQLAlchemy; Python only makes the row tuples), its EXPLAIN QUERY
PLAN kept. With ``through_python``, the selects whose rows Python reads run once more the
way the scores read them (``crm_core.score_summary.read_table``: SQLAlchemy rows into
numpy); the difference is what Python adds on top of the database. Without it (at full
scale each select takes minutes), the timed phase is the comparison.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from crm_analytics_data import AS_OF
from sqlalchemy import Select, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.crm_features import FEATURES, features_select
from crm_core import rfm

WINDOW_DAYS = 90


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def statements(dialect: str) -> dict[str, tuple[Select[Any], int | None]]:
    """The selects to probe, with the number of columns Python reads (None: not read)."""
    found: dict[str, tuple[Select[Any], int | None]] = {
        "rfm select": (rfm.scores_select(AS_OF, dt.datetime.now(dt.UTC), dialect), None)}
    try:
        from crm_core.score_summary import summary_select
    except ImportError:
        from crm_analytics_fallback import own_summary_select
        found["own BG/NBD summary"] = (own_summary_select(AS_OF, dialect), 5)
        return found
    cut = AS_OF - dt.timedelta(days=WINDOW_DAYS)
    summary = summary_select(AS_OF, cut, dialect)
    found["scores: summary"] = (summary, len(summary.selected_columns))
    query = features_select(_end_of(AS_OF), dialect).subquery("features")
    found["scores: features (one of two)"] = (
        select(query.c.contact_id, *(query.c[name] for name in FEATURES))
        .where(query.c.orders > 0).order_by(query.c.contact_id), 1 + len(FEATURES))
    return found


def _sql(engine: AsyncEngine, statement: Select[Any]) -> str:
    return str(statement.compile(dialect=engine.dialect,
                                 compile_kwargs={"literal_binds": True}))


async def _postgresql_alone(engine: AsyncEngine, sql: str, plan: Path) -> float:
    async with engine.connect() as connection:
        rows = (await connection.execute(
            text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}".replace(":", r"\:")))).all()
    lines = [row[0] for row in rows]
    plan.write_text(sql + "\n\n" + "\n".join(lines) + "\n")
    seconds = 0.0
    for line in lines:
        found = re.match(r"(Planning|Execution) Time: ([\d.]+) ms", line.strip())
        if found:
            seconds += float(found.group(2)) / 1000
    return seconds


def _sqlite_alone(path: str, sql: str, plan: Path) -> float:
    connection = sqlite3.connect(path)
    try:
        steps = connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        started = time.perf_counter()
        cursor = connection.execute(sql)
        while cursor.fetchmany(50_000):
            pass
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    plan.write_text(sql + "\n\n" + "\n".join(str(step) for step in steps) + "\n")
    return seconds


async def _through_python(engine: AsyncEngine, statement: Select[Any], columns: int) -> float:
    try:
        from crm_core.score_summary import read_table
    except ImportError:
        from crm_analytics_fallback import read_rows as read_table
    started = time.perf_counter()
    async with engine.connect() as connection:
        await read_table(connection, statement, columns)
    return time.perf_counter() - started


async def probe_statements(engine: AsyncEngine, plans: Path,
                           through_python: bool = False) -> list[dict[str, Any]]:
    dialect = engine.dialect.name
    found = []
    for name, (statement, columns) in statements(dialect).items():
        sql = _sql(engine, statement)
        plan = plans / f"{dialect}-{re.sub(r'[^a-z]+', '-', name)}.txt"
        if dialect == "postgresql":
            alone = await _postgresql_alone(engine, sql, plan)
        else:
            database = str(make_url(str(engine.url)).database)
            alone = await asyncio.to_thread(_sqlite_alone, database, sql, plan)
        whole = (await _through_python(engine, statement, columns)
                 if through_python and columns is not None else None)
        found.append({"statement": name, "database_s": alone, "through_python_s": whole,
                      "plan": str(plan)})
    return found
