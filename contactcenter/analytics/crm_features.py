"""The feature table of contacts, from the CRM's database in one select of aggregates.

Theory of operation: three GROUP BYs run in the database, each on an index that leads
with ``contact_id`` (orders: ``ix_orders_contact_ordered_status_total``; calls:
``ix_interactions_contact_started``; cases: ``ix_cases_contact_status``), joined to
the contacts asked for; no order, call or case is loaded into Python, only one row of
``FEATURES`` per contact. Everything is counted strictly before ``as_of``, so that the
features of a campaign's contacts are what was known before it began (a feature
measured after the campaign would leak its outcome into the model).

The features (``FEATURES``), per contact:

- ``recency_days``: days from the last counted order to ``as_of``; a contact who never
  ordered counts from the day they were added to the CRM (as long as they are known,
  they have not ordered), never below 0;
- ``orders``, ``spend``: counted orders (not cancelled, as everywhere in the CRM) and
  their total; ``mean_order``: spend per order (0 without orders);
- ``calls``: interactions (calls, e-mails, chats); ``cases``: service cases opened;
- ``tenure_days``: days since the contact was added.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Float, Select, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import Case, Contact, Interaction, Order

FEATURES = ("recency_days", "orders", "spend", "mean_order", "calls", "cases", "tenure_days")


@dataclass(frozen=True, slots=True)
class ContactFeatures:
    """Rows in ``contact_ids`` order (ascending), one column per name of ``names``."""

    contact_ids: npt.NDArray[np.int64]
    names: tuple[str, ...]
    values: npt.NDArray[np.float64]


def days_between(start: Any, end: dt.datetime,
                 dialect: str) -> ColumnElement[float]:
    """Days (with fractions) from ``start`` to ``end``, in the database's terms."""
    utc = end.astimezone(dt.UTC)
    if dialect == "postgresql":
        return cast(func.extract("epoch", literal(utc) - start) / 86400.0, Float)
    # SQLite keeps UTC datetimes as naive text; julianday() reads it
    naive = utc.replace(tzinfo=None).isoformat(sep=" ")
    return cast(func.julianday(literal(naive)) - func.julianday(start), Float)


def _per_contact(as_of: dt.datetime) -> tuple[Any, Any, Any]:
    """The three aggregates, each a subquery keyed by ``contact_id``."""
    orders = (select(Order.contact_id, func.count().label("orders"),
                     func.coalesce(func.sum(Order.total), 0).label("spend"),
                     func.max(Order.ordered_at).label("last"))
              .where(Order.contact_id.is_not(None), Order.status != "cancelled",
                     Order.ordered_at < as_of)
              .group_by(Order.contact_id).subquery("orders_per"))
    calls = (select(Interaction.contact_id, func.count().label("calls"))
             .where(Interaction.contact_id.is_not(None), Interaction.started_at < as_of)
             .group_by(Interaction.contact_id).subquery("calls_per"))
    cases = (select(Case.contact_id, func.count().label("cases"))
             .where(Case.contact_id.is_not(None), Case.opened_at < as_of)
             .group_by(Case.contact_id).subquery("cases_per"))
    return orders, calls, cases


def features_select(as_of: dt.datetime, dialect: str) -> Select[Any]:
    """Every contact's id and ``FEATURES``, as of ``as_of``; filter or join it by
    ``Contact.id``."""
    orders, calls, cases = _per_contact(as_of)
    count = func.coalesce(orders.c.orders, 0)
    spend = cast(func.coalesce(orders.c.spend, 0), Float)
    since = days_between(func.coalesce(orders.c.last, Contact.created_at), as_of, dialect)
    return (select(
        Contact.id.label("contact_id"),
        case((since < 0, 0.0), else_=since).label("recency_days"),
        count.label("orders"), spend.label("spend"),
        (spend / func.nullif(count, 0)).label("mean_order"),
        func.coalesce(calls.c.calls, 0).label("calls"),
        func.coalesce(cases.c.cases, 0).label("cases"),
        days_between(Contact.created_at, as_of, dialect).label("tenure_days"))
        .outerjoin(orders, orders.c.contact_id == Contact.id)
        .outerjoin(calls, calls.c.contact_id == Contact.id)
        .outerjoin(cases, cases.c.contact_id == Contact.id))


def table(rows: list[Any], names: tuple[str, ...] = FEATURES) -> npt.NDArray[np.float64]:
    """The rows' features as floats; a missing value (mean_order without orders) is 0."""
    values = np.array([[getattr(row, name) for name in names] for row in rows],
                      dtype=np.float64).reshape(len(rows), len(names))
    return np.nan_to_num(values, nan=0.0)


async def contact_features(session: AsyncSession, *, as_of: dt.datetime,
                           customers_only: bool = False) -> ContactFeatures:
    """Every contact's features as of ``as_of``; with ``customers_only``, only those
    with a counted order before it (the customers a segmentation is about)."""
    query = features_select(as_of, session.get_bind().dialect.name).subquery("features")
    statement = select(query).order_by(query.c.contact_id)
    if customers_only:
        statement = statement.where(query.c.orders > 0)
    rows = list(await session.execute(statement))
    return ContactFeatures(np.array([row.contact_id for row in rows], dtype=np.int64),
                           FEATURES, table(rows))
