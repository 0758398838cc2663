"""The BG/NBD summary of every customer, aggregated in the database in one select.

Theory of operation: the counted orders (not cancelled, as everywhere in the CRM;
placed on or before ``as_of``, UTC) are reduced to one row per customer in the
database; orders of one day are one purchase, as in ``contactcenter.analytics.summary``.
Python receives that row and nothing else, streamed in partitions straight into numpy
arrays: at a million customers a few dozen megabytes, whatever the number of orders.

The select is one GROUP BY contact taken in the order of the index
``ix_orders_contact_ordered_status_total``, so that neither database sorts the orders
(SQLite would sort twenty million of them on disk) nor reads an order's table page for
its status and total (the index holds them): the distinct days are counted within each contact,
and the first day's spend is read back through the same index, one seek per contact.
Measured on 1.3 million orders, this takes half the time of grouping by contact and day
first on PostgreSQL, and a third less on SQLite.

The same pass also gives the summary as of a cut-off day (``cut``), whether the
customer bought after it, and the orders and spend at both days, which the attrition
model learns from: conditional aggregates, not a second scan. Days are whole numbers
counted from 1970-01-01 (UTC) in both databases, so that ``t_x = last - first`` and
``T = as_of - first`` are exact, as in ``summarize``; a test holds both shapes to
``summarize`` on the same orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from crm_core.models import Order

Floats = npt.NDArray[np.float64]
EPOCH = dt.date(1970, 1, 1)
#: rows fetched at a time: enough to keep round trips few, small enough to stay light
PARTITION = 50_000
#: the columns of ``summary_select``
COLUMNS = 12


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): orders before it count."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def day_number(day: dt.date) -> int:
    """Days from 1970-01-01 to ``day``, as the database counts them."""
    return (day - EPOCH).days


def _day(ordered_at: Any, dialect: str) -> ColumnElement[int]:
    """The order's day (UTC) as days since 1970-01-01."""
    # constants written into the SQL, not bound: the select's day and the GROUP BY's must
    # be the same expression for PostgreSQL, and two bound parameters are not
    if dialect == "postgresql":
        day = cast(func.timezone(literal_column("'UTC'"), ordered_at), Date)
        return cast(day - literal_column("DATE '1970-01-01'"), Integer)
    # SQLite keeps UTC datetimes as text; julianday() of a date is a whole day + 0.5
    return cast(func.julianday(func.date(ordered_at)) - literal_column("2440587.5"),
                Integer)


def _counted(model: Any, as_of: dt.date) -> list[ColumnElement[bool]]:
    return [model.contact_id.is_not(None), model.status != "cancelled",
            model.ordered_at < end_of(as_of)]


def _day_key(at: Any, dialect: str) -> ColumnElement[Any]:
    """What names the order's day (UTC): its number on PostgreSQL; on SQLite the text
    'YYYY-MM-DD', cheaper to make than a number and ordered the same."""
    return _day(at, dialect) if dialect == "postgresql" else func.date(at)


def _number(key: Any, dialect: str) -> ColumnElement[float]:
    """A day key as days since 1970-01-01."""
    if dialect == "postgresql":
        return cast(key, Float)
    return cast(func.julianday(key) - literal_column("2440587.5"), Float)


def _day_span(key: Any, dialect: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The first instant of the keyed day and of the next, comparable to ``ordered_at``."""
    if dialect == "postgresql":
        midnight = cast(literal_column("DATE '1970-01-01'") + key, DateTime())
        start = func.timezone(literal_column("'UTC'"), midnight)
        return start, start + literal_column("INTERVAL '1 day'")
    return key, func.date(key, "+1 day")


def _per_contact(as_of: dt.date, cut: dt.date, dialect: str) -> Any:
    """One GROUP BY contact over the counted orders, in the index's order."""
    at = Order.ordered_at
    key, early = _day_key(at, dialect), at < end_of(cut)
    return (select(
        Order.contact_id.label("contact_id"), func.min(key).label("first"),
        func.max(key).label("last"), func.count(func.distinct(key)).label("days"),
        func.sum(Order.total).label("spend"), func.max(case((early, key))).label("last_cut"),
        func.count(func.distinct(case((early, key)))).label("days_cut"),
        func.sum(case((early, Order.total), else_=0)).label("spend_cut"),
        func.sum(case((early, 0), else_=1)).label("days_after"),
        func.count().label("orders"), func.sum(case((early, 1), else_=0)).label("orders_cut"))
        .where(*_counted(Order, as_of)).group_by(Order.contact_id).subquery("per"))


def summary_select(as_of: dt.date, cut: dt.date, dialect: str) -> Select[Any]:
    """Per contact with a counted order up to ``as_of``: first and last day, purchase days,
    the first day's spend; the last day and purchase days up to ``cut``, and those after
    it; orders and spend at both days (``COLUMNS`` columns). Rows in no order."""
    per = _per_contact(as_of, cut, dialect)
    other = aliased(Order)
    start, stop = _day_span(per.c.first, dialect)
    first_spend = (select(func.coalesce(func.sum(other.total), 0))
                   .where(other.contact_id == per.c.contact_id, *_counted(other, as_of)[1:],
                          other.ordered_at >= start, other.ordered_at < stop)
                   .scalar_subquery())
    return select(
        per.c.contact_id, _number(per.c.first, dialect).label("first"),
        _number(per.c.last, dialect).label("last"), cast(per.c.days, Float).label("days"),
        cast(first_spend, Float).label("first_spend"),
        _number(per.c.last_cut, dialect).label("last_cut"),
        cast(per.c.days_cut, Float).label("days_cut"),
        cast(per.c.days_after, Float).label("days_after"),
        cast(per.c.orders, Float).label("orders"), cast(per.c.spend, Float).label("spend"),
        cast(per.c.orders_cut, Float).label("orders_cut"),
        cast(per.c.spend_cut, Float).label("spent_cut"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CrmSummary:
    """One row per customer as of ``as_of``, sorted by contact id; times in days."""

    contact_ids: npt.NDArray[np.int64]
    x: Floats
    t_x: Floats
    T: Floats
    monetary: Floats
    #: the same as of ``cut`` (rows with ``at_cut`` False were not yet customers)
    at_cut: npt.NDArray[np.bool_]
    x_cut: Floats
    t_x_cut: Floats
    T_cut: Floats
    monetary_cut: Floats
    #: no purchase day after ``cut`` (meaningful where ``at_cut``)
    churned: npt.NDArray[np.bool_]
    #: RFM-like figures as of ``as_of`` and as of ``cut``: whole days since the last
    #: purchase day, counted orders (not days) and their total
    recency: Floats
    orders: Floats
    spend: Floats
    recency_cut: Floats
    orders_cut: Floats
    spend_cut: Floats

    def __len__(self) -> int:
        return len(self.contact_ids)


def _repeat_mean(spend: Floats, x: Floats) -> Floats:
    return np.divide(spend, x, out=np.zeros(len(x)), where=x > 0)


def from_table(table: Floats, as_of: dt.date, cut: dt.date) -> CrmSummary:
    """The arrays of ``summary_select``'s rows (its column order)."""
    (ids, first, last, days, first_spend, last_cut, days_cut, after, orders, spent,
     orders_cut, spent_cut) = table.T
    x, x_cut = days - 1, np.maximum(days_cut - 1, 0)
    at_cut = days_cut > 0
    # the first day is on or before the cut-off for every customer of the cut-off
    spend, spend_cut = spent - first_spend, np.where(at_cut, spent_cut - first_spend, 0.0)
    return CrmSummary(
        recency=day_number(as_of) - last, orders=orders, spend=spent,
        recency_cut=np.where(at_cut, day_number(cut) - np.nan_to_num(last_cut), 0.0),
        orders_cut=orders_cut, spend_cut=spent_cut,
        contact_ids=ids.astype(np.int64), x=x, t_x=last - first,
        T=day_number(as_of) - first, monetary=_repeat_mean(spend, x), at_cut=at_cut,
        x_cut=x_cut, t_x_cut=np.where(at_cut, np.nan_to_num(last_cut) - first, 0.0),
        T_cut=np.where(at_cut, day_number(cut) - first, 0.0),
        monetary_cut=_repeat_mean(spend_cut, x_cut), churned=after == 0)


async def read_table(connection: AsyncConnection, statement: Select[Any],
                     columns: int) -> Floats:
    """The statement's rows as one float array, streamed in partitions (NULL is NaN)."""
    parts = [np.empty((0, columns))]
    result = await connection.stream(statement)
    async for rows in result.partitions(PARTITION):
        parts.append(np.array([tuple(row) for row in rows], dtype=np.float64))
    return np.concatenate(parts)


async def read_summary(connection: AsyncConnection, as_of: dt.date,
                       cut: dt.date) -> CrmSummary:
    """Every customer's summary as of ``as_of`` and as of ``cut``: one select."""
    statement = summary_select(as_of, cut, connection.dialect.name)
    table = await read_table(connection, statement, COLUMNS)
    return from_table(table[np.argsort(table[:, 0], kind="stable")], as_of, cut)
