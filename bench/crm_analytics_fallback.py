"""The lifetime value on a BG/NBD summary of the bench's own, for a tree without
``crm_core.scores``: one grouped select in the database (orders per contact and day, then
per contact), the rows streamed into numpy, and ``contactcenter.analytics.value.score``
(BG/NBD and Gamma-Gamma fits, expected purchases, P(alive), CLV) on them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Date, Float, Integer, Select, case, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contactcenter.analytics.summary import Summary
from contactcenter.analytics.value import score
from crm_core.models import Order

Floats = npt.NDArray[np.float64]


def _day(dialect: str) -> Any:
    """The order's UTC day as days since 1970-01-01."""
    if dialect == "postgresql":
        day = cast(func.timezone(literal_column("'UTC'"), Order.ordered_at), Date)
        return cast(day - literal_column("DATE '1970-01-01'"), Integer)
    return cast(func.julianday(func.date(Order.ordered_at)) - literal_column("2440587.5"),
                Integer)


def own_summary_select(as_of: dt.date, dialect: str) -> Select[Any]:
    """Per contact: first day, last day, purchase days, spend after the first day."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    day = _day(dialect).label("day")
    days = (select(Order.contact_id.label("contact_id"), day,
                   func.sum(Order.total).label("spend"),
                   func.min(day).over(partition_by=Order.contact_id).label("first"))
            .where(Order.contact_id.is_not(None), Order.status != "cancelled",
                   Order.ordered_at < end)
            .group_by(Order.contact_id, day).subquery("days"))
    c = days.c
    return (select(c.contact_id, cast(func.min(c.day), Float), cast(func.max(c.day), Float),
                   cast(func.count(), Float),
                   cast(func.sum(case((c.day > c.first, c.spend), else_=0)), Float))
            .group_by(c.contact_id).order_by(c.contact_id))


async def read_rows(connection: AsyncConnection, statement: Select[Any], columns: int) -> Floats:
    parts = [np.empty((0, columns))]
    result = await connection.stream(statement)
    async for rows in result.partitions(50_000):
        parts.append(np.array([tuple(row) for row in rows], dtype=np.float64))
    return np.concatenate(parts)


def _summary(table: Floats, as_of: dt.date) -> Summary:
    ids, first, last, days, spend = table.T
    x = days - 1
    end = (as_of - dt.date(1970, 1, 1)).days
    return Summary(customers=ids.astype(np.int64), x=x.astype(np.int64), t_x=last - first,
                   T=end - first, monetary=np.divide(spend, x, out=np.zeros(len(x)),
                                                     where=x > 0),
                   unit="days", end=np.datetime64(as_of, "D"))


async def clv_on_own_summary(engine: AsyncEngine, as_of: dt.date,
                             phases: list[dict[str, Any]]) -> dict[str, Any]:
    started = time.time()
    async with engine.connect() as connection:
        table = await read_rows(connection, own_summary_select(as_of, engine.dialect.name), 5)
    summary = _summary(table, as_of)
    fitted = time.time()
    phases.append({"name": "own summary: aggregate", "start": started, "end": fitted,
                   "seconds": fitted - started})
    scores = await asyncio.to_thread(score, summary, horizon=365, discount=0.01)
    phases.append({"name": "own summary: fit_clv", "start": fitted, "end": time.time(),
                   "seconds": time.time() - fitted})
    return {"source": "the bench's own summary (crm_core.scores absent)",
            "customers": len(summary), "repeat_buyers": int(scores.bgnbd.repeat_buyers),
            "parameters": {"bgnbd": vars_of(scores.bgnbd),
                           "gamma_gamma": vars_of(scores.gamma_gamma)}}


def vars_of(parameters: Any) -> dict[str, float]:
    return {name: float(getattr(parameters, name))
            for name in ("r", "alpha", "a", "b", "p", "q", "gamma") if hasattr(parameters, name)}
