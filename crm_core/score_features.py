"""The attrition model's features per customer, as of today and as of the cut-off, with
the orders counted once.

The features are those of ``contactcenter.analytics.crm_features`` (``FEATURES``), with
the same meanings, but put together from two passes instead of four: the orders' figures
(recency, orders, spend) come from the summary's own select (``score_summary``), and one
select here counts each contact's calls and cases before both days and their tenure
(conditional counts over one GROUP BY of ``interactions`` and one of ``cases``). At a
million contacts and twenty million orders, each pass over the orders saved is most of a
minute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contactcenter.analytics.crm_features import FEATURES, days_between
from crm_core.models import Case, Contact, Interaction
from crm_core.score_summary import CrmSummary, end_of, read_table

Floats = npt.NDArray[np.float64]


def _counts(model: Any, at: Any, end: dt.datetime, line: dt.datetime,
            name: str) -> Any:
    return (select(model.contact_id.label("contact_id"), func.count().label("now"),
                   func.sum(case((at < line, 1), else_=0)).label("cut"))
            .where(model.contact_id.is_not(None), at < end)
            .group_by(model.contact_id).subquery(name))


def activity_select(as_of: dt.date, cut: dt.date, dialect: str) -> Select[Any]:
    """Per contact: tenure, calls and cases, as of ``as_of`` and as of ``cut`` (ends of
    day, UTC)."""
    end, line = end_of(as_of), end_of(cut)
    calls = _counts(Interaction, Interaction.started_at, end, line, "calls_per")
    cases = _counts(Case, Case.opened_at, end, line, "cases_per")
    return (select(Contact.id, days_between(Contact.created_at, end, dialect),
                   days_between(Contact.created_at, line, dialect),
                   func.coalesce(calls.c.now, 0), func.coalesce(calls.c.cut, 0),
                   func.coalesce(cases.c.now, 0), func.coalesce(cases.c.cut, 0))
            .outerjoin(calls, calls.c.contact_id == Contact.id)
            .outerjoin(cases, cases.c.contact_id == Contact.id))


def _aligned(ids: npt.NDArray[np.int64], table: Floats) -> Floats:
    """``table``'s rows (id first) for ``ids``; 0s for an id it lacks."""
    table = table[np.argsort(table[:, 0], kind="stable")]
    found = table[:, 0].astype(np.int64)
    values = np.zeros((len(ids), table.shape[1] - 1))
    if len(found):
        at = np.minimum(np.searchsorted(found, ids), len(found) - 1)
        hit = found[at] == ids
        values[hit] = table[at[hit], 1:]
    return np.nan_to_num(values, nan=0.0)


def _table(recency: Floats, orders: Floats, spend: Floats, calls: Floats, cases: Floats,
           tenure: Floats) -> Floats:
    mean = np.divide(spend, orders, out=np.zeros(len(orders)), where=orders > 0)
    columns = {"recency_days": np.maximum(recency, 0.0), "orders": orders, "spend": spend,
               "mean_order": mean, "calls": calls, "cases": cases, "tenure_days": tenure}
    return np.column_stack([columns[name] for name in FEATURES])


async def read_features(connection: AsyncConnection, summary: CrmSummary, as_of: dt.date,
                        cut: dt.date) -> tuple[Floats, Floats]:
    """``FEATURES`` of the customers at the cut-off (rows ``summary.at_cut``) and of every
    customer today (all rows)."""
    statement = activity_select(as_of, cut, connection.dialect.name)
    activity = _aligned(summary.contact_ids, await read_table(connection, statement, 7))
    tenure, tenure_cut, calls, calls_cut, cases, cases_cut = activity.T
    s, at = summary, summary.at_cut
    today = _table(s.recency, s.orders, s.spend, calls, cases, tenure)
    early = _table(s.recency_cut[at], s.orders_cut[at], s.spend_cut[at], calls_cut[at],
                   cases_cut[at], tenure_cut[at])
    return early, today
