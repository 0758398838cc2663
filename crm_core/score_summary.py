"""The BG/NBD summary of every customer, aggregated in the database in one select.

Theory of operation: the counted orders (not cancelled, as everywhere in the CRM;
placed on or before ``as_of``, UTC) are reduced to one row per customer in the
database; orders of one day are one purchase, as in ``contactcenter.analytics.summary``.
Python receives that row and nothing else, streamed in partitions straight into numpy
arrays: at a million customers a few dozen megabytes, whatever the number of orders.

Each database gets the shape it runs best:

- PostgreSQL: GROUP BY contact and day (a window function puts each contact's first day
  beside each of its days), then GROUP BY contact over those days;
- SQLite, which sorts on disk what does not come sorted: one GROUP BY contact in the
  order of ``ix_orders_contact_ordered`` (no sort of the orders at all), the distinct
  days counted within each contact, and the first day's spend read back through the
  same index, one seek per contact.

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
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
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
COLUMNS = 13


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


def _days_select(as_of: dt.date, cut: dt.date, dialect: str) -> Select[Any]:
    """Group by contact and day, then by contact: PostgreSQL hashes both GROUP BYs."""
    day = _day(Order.ordered_at, dialect).label("day")
    days = (select(Order.contact_id.label("contact_id"), day,
                   func.sum(Order.total).label("spend"), func.count().label("orders"),
                   func.min(day).over(partition_by=Order.contact_id).label("first"))
            .where(*_counted(Order, as_of)).group_by(Order.contact_id, day).subquery("days"))
    c = days.c
    limit = literal(day_number(cut))
    before = c.day <= limit
    repeat = c.day > c.first
    return (select(
        c.contact_id,
        cast(func.min(c.day), Float).label("first"),
        cast(func.max(c.day), Float).label("last"),
        cast(func.count(), Float).label("days"),
        cast(func.sum(case((repeat, c.spend), else_=0)), Float).label("repeat_spend"),
        cast(func.max(case((before, c.day))), Float).label("last_cut"),
        cast(func.sum(case((before, 1), else_=0)), Float).label("days_cut"),
        cast(func.sum(case((before & repeat, c.spend), else_=0)), Float).label("spend_cut"),
        cast(func.sum(case((before, 0), else_=1)), Float).label("days_after"),
        cast(func.sum(c.orders), Float).label("orders"),
        cast(func.sum(c.spend), Float).label("spend"),
        cast(func.sum(case((before, c.orders), else_=0)), Float).label("orders_cut"),
        cast(func.sum(case((before, c.spend), else_=0)), Float).label("spent_cut"))
        .group_by(c.contact_id))


def _sqlite_day(text_day: Any) -> ColumnElement[float]:
    return cast(func.julianday(text_day) - literal_column("2440587.5"), Float)


def _one_pass_select(as_of: dt.date, cut: dt.date) -> Select[Any]:
    """One GROUP BY contact in the order of ``ix_orders_contact_ordered`` (no sort of the
    orders, which SQLite would do on disk), distinct days counted within each contact,
    and the first day's spend read back through the same index, one seek per contact."""
    at, line = Order.ordered_at, end_of(cut)
    early = at < line
    per = (select(
        Order.contact_id.label("contact_id"), func.date(func.min(at)).label("first"),
        func.date(func.max(at)).label("last"),
        func.count(func.distinct(func.date(at))).label("days"),
        func.sum(Order.total).label("spend"),
        func.date(func.max(case((early, at)))).label("last_cut"),
        func.count(func.distinct(case((early, func.date(at))))).label("days_cut"),
        func.sum(case((early, Order.total), else_=0)).label("spend_cut"),
        func.sum(case((early, 0), else_=1)).label("days_after"),
        func.count().label("orders"), func.sum(case((early, 1), else_=0)).label("orders_cut"))
        .where(*_counted(Order, as_of)).group_by(Order.contact_id).subquery("per"))
    other = aliased(Order)
    first_spend = (select(func.coalesce(func.sum(other.total), 0))
                   .where(other.contact_id == per.c.contact_id, *_counted(other, as_of)[1:],
                          other.ordered_at >= per.c.first,
                          other.ordered_at < func.date(per.c.first, "+1 day"))
                   .scalar_subquery())
    return select(
        per.c.contact_id, _sqlite_day(per.c.first).label("first"),
        _sqlite_day(per.c.last).label("last"), cast(per.c.days, Float).label("days"),
        cast(per.c.spend - first_spend, Float).label("repeat_spend"),
        _sqlite_day(per.c.last_cut).label("last_cut"),
        cast(per.c.days_cut, Float).label("days_cut"),
        cast(case((per.c.days_cut > 0, per.c.spend_cut - first_spend), else_=0),
             Float).label("spend_cut"),
        cast(per.c.days_after, Float).label("days_after"),
        cast(per.c.orders, Float).label("orders"), cast(per.c.spend, Float).label("spend"),
        cast(per.c.orders_cut, Float).label("orders_cut"),
        cast(per.c.spend_cut, Float).label("spent_cut"))


def summary_select(as_of: dt.date, cut: dt.date, dialect: str) -> Select[Any]:
    """Per contact with a counted order up to ``as_of``: first and last day, purchase days,
    repeat spend; the same up to ``cut``; purchase days after ``cut``. Rows in no order."""
    if dialect == "postgresql":
        return _days_select(as_of, cut, dialect)
    return _one_pass_select(as_of, cut)


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
    (ids, first, last, days, spend, last_cut, days_cut, spend_cut, after, orders, spent,
     orders_cut, spent_cut) = table.T
    x, x_cut = days - 1, np.maximum(days_cut - 1, 0)
    at_cut = days_cut > 0
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
