"""RFM: recency, frequency and monetary value per contact, scored 1-5 and named.

Theory of operation: ``recompute`` runs one statement in the database: the counted
orders (not cancelled, as everywhere in the CRM; placed on or before ``as_of``,
UTC) grouped by contact, ranked with window functions over all the contacts that
have such an order, and inserted into ``rfm_scores`` after the previous run's rows
are deleted, in the same transaction. No order is ever loaded into Python, so the
work grows with what the database does best (a GROUP BY on the index
``ix_orders_contact_ordered_status_total``, which holds each order's status and total, and
three sorts), whatever the number of contacts.

The figures:

- recency: whole days from the day (UTC) of the last counted order to ``as_of``;
- frequency: the number of counted orders;
- monetary: their total. The total, not the mean, because it is what the contact
  has been worth so far, the figure the CRM's ``min_spent`` and sales metrics use;
  the mean spend is ``monetary / frequency`` and so is not lost.

The scores are quintiles by rank. For F and M the contacts are ranked from worst
to best (fewest orders first; least spent first), and a contact of rank ``k``
(1-based) among ``n`` gets ``1 + (5 * (k - 1)) // n``; for R they are ranked from
best to worst (the fewest days since the last order first) and get
``5 - (5 * (k - 1)) // n``. Ties share the first rank of their group (SQL
``RANK()``), so contacts with the same figure always get the same score, the result
does not depend on the order rows come in, and a tie at the end the segment names
lean on keeps that end's score: whoever bought once is F = 1 and whoever ordered on
the latest day is R = 5, however many they are (the only customer of a new CRM, who
ordered today, is a new customer, not lost). The price is that a large tie fills its
quintile and more: when 60 % bought once, they all get F = 1 and the next frequency
starts at 4.
``NTILE(5)`` would keep the fifths even but split equal contacts between scores
by an arbitrary tie-breaker, which no agent could explain to a customer.

The segments are named from R and F alone (M is shown beside them), one per cell
of the 5 x 5 grid; ``SEGMENTS`` is the table, written out in docs/rfm.md too.
Contacts without a counted order get no row: their segment is ``none``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import Order, RfmScore

#: the segment of contacts with no counted order (they have no row)
NONE = "none"


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """A named segment: the contacts whose R and F scores lie in these ranges."""

    name: str
    r: tuple[int, int]
    f: tuple[int, int]
    meaning: str


#: one rule per cell of the R x F grid (a test checks that each cell has exactly one)
SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule("champions", (5, 5), (4, 5), "bought very recently and often"),
    SegmentRule("loyal", (3, 4), (4, 5), "buy often, and not long ago"),
    SegmentRule("potential_loyalists", (4, 5), (2, 3), "recent, and came back more than once"),
    SegmentRule("new_customers", (5, 5), (1, 1), "a first order, very recently"),
    SegmentRule("promising", (4, 4), (1, 1), "a first order, recently"),
    SegmentRule("need_attention", (3, 3), (3, 3), "average on both: could go either way"),
    SegmentRule("about_to_sleep", (3, 3), (1, 2), "few orders, and fading"),
    SegmentRule("at_risk", (1, 2), (3, 4), "bought often, but not for a long time"),
    SegmentRule("cannot_lose_them", (1, 2), (5, 5), "among the most frequent, long silent"),
    SegmentRule("hibernating", (2, 2), (1, 2), "few orders, long ago"),
    SegmentRule("lost", (1, 1), (1, 2), "few orders, the longest ago"),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(rule.name for rule in SEGMENTS)
SCORES = range(1, 6)


def segment_of(r: int, f: int) -> str:
    """The named segment of an R and an F score (1-5 each)."""
    for rule in SEGMENTS:
        if rule.r[0] <= r <= rule.r[1] and rule.f[0] <= f <= rule.f[1]:
            return rule.name
    raise ValueError(f"no segment for R={r}, F={f}")


#: PostgreSQL's memory for each of the rankings' sorts, in this transaction only
SORT_MEMORY = "128MB"


def quintile(rank: int, count: int) -> int:
    """The score of the ``rank``-th (1-based, worst first) of ``count``: what the SQL does
    for F and M."""
    return 1 + (5 * (rank - 1)) // count


def quintile_from_best(rank: int, count: int) -> int:
    """The score of the ``rank``-th (1-based, best first) of ``count``: what the SQL does
    for R."""
    return 5 - (5 * (rank - 1)) // count


@dataclass(frozen=True, slots=True)
class RfmRun:
    """What one recompute stored."""

    as_of: dt.date
    computed_at: dt.datetime
    customers: int
    segments: dict[str, int]


# -- SQL ---------------------------------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): orders before it count."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _days_since(as_of: dt.date, last: ColumnElement[dt.datetime],
                dialect: str) -> ColumnElement[int]:
    """Whole days from the (UTC) day of ``last`` to ``as_of``, in the database's terms."""
    if dialect == "postgresql":
        day = cast(func.timezone("UTC", last), Date)
        return cast(literal(as_of, Date) - day, Integer)
    # SQLite keeps UTC datetimes as text; julianday() of two days is a whole number
    return cast(func.julianday(literal(as_of.isoformat())) - func.julianday(func.date(last)),
                Integer)


def _score(rank: ColumnElement[int], count: ColumnElement[int]) -> ColumnElement[int]:
    """``quintile`` in SQL: integer division on both databases."""
    return cast(literal(1) + (literal(5) * (rank - 1)) // count, Integer)


def _score_from_best(rank: ColumnElement[int], count: ColumnElement[int]
                     ) -> ColumnElement[int]:
    """``quintile`` of a rank counted from the best end (1: the most recent), so that a
    tie at the best end shares the top score: whoever ordered on the latest day is R 5."""
    return cast(literal(5) - (literal(5) * (rank - 1)) // count, Integer)


def _segment(r: ColumnElement[int], f: ColumnElement[int]) -> ColumnElement[str]:
    return case(*((and_(r.between(*rule.r), f.between(*rule.f)), rule.name)
                  for rule in SEGMENTS), else_=NONE)


def scores_select(as_of: dt.date, computed_at: dt.datetime,
                  dialect: str) -> Select[tuple[Any, ...]]:
    """The one select of every customer's row of ``rfm_scores`` as of ``as_of``."""
    per = (select(Order.contact_id.label("contact_id"),
                  _days_since(as_of, func.max(Order.ordered_at), dialect).label("recency"),
                  func.count().label("frequency"),
                  func.coalesce(func.sum(Order.total), 0).label("monetary"))
           .where(Order.contact_id.is_not(None), Order.status != "cancelled",
                  Order.ordered_at < _end_of(as_of))
           .group_by(Order.contact_id).subquery("per_contact"))
    # SQLite sums NUMERIC as floats: rounded to cents, equal totals rank as equal
    spent = func.round(per.c.monetary, 2)
    everyone = func.count().over()
    ranked = select(
        per.c.contact_id, per.c.recency, per.c.frequency, spent.label("monetary"),
        _score_from_best(func.rank().over(order_by=per.c.recency), everyone).label("r"),
        _score(func.rank().over(order_by=per.c.frequency), everyone).label("f"),
        _score(func.rank().over(order_by=spent), everyone).label("m"),
    ).subquery("ranked")
    return select(
        ranked.c.contact_id, literal(as_of, Date).label("as_of"), ranked.c.recency,
        ranked.c.frequency, ranked.c.monetary, ranked.c.r, ranked.c.f, ranked.c.m,
        _segment(ranked.c.r, ranked.c.f).label("segment"),
        literal(computed_at, DateTime(timezone=True)).label("computed_at"))


# -- running it --------------------------------------------------------------------------


async def recompute(sessions: async_sessionmaker[AsyncSession], *, as_of: dt.date,
                    now: dt.datetime) -> RfmRun:
    """Replace every contact's RFM scores with those as of ``as_of``, in one transaction.

    Readers see the previous run until this one commits. On PostgreSQL the table is
    locked against another recompute first (not against readers), so two runs at once
    follow one another instead of both deleting and then both inserting.
    """
    computed_at = now.astimezone(dt.UTC)
    async with sessions() as session, session.begin():
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            await session.execute(text("LOCK TABLE rfm_scores IN SHARE ROW EXCLUSIVE MODE"))
            # the three rankings sort every customer: at a million, PostgreSQL's default
            # 4 MB per sort spills each to disk; this transaction's own limit keeps them
            # in memory (about 40 MB each)
            await session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
        await session.execute(delete(RfmScore))
        columns = ["contact_id", "as_of", "recency_days", "frequency", "monetary",
                   "r_score", "f_score", "m_score", "segment", "computed_at"]
        await session.execute(insert(RfmScore).from_select(
            columns, scores_select(as_of, computed_at, dialect)))
        counted = await session.execute(
            select(RfmScore.segment, func.count()).group_by(RfmScore.segment))
        sizes = {name: int(size) for name, size in counted}
    return RfmRun(as_of=as_of, computed_at=computed_at, customers=sum(sizes.values()),
                  segments={name: sizes.get(name, 0) for name in SEGMENT_NAMES})
