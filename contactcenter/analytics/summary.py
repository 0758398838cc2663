"""From transactions (customer, day, amount) to the per-customer summary the models take.

The summary is the one of Fader, Hardie and Lee (2005): purchases on the same day are one
purchase (their amounts added), as in their CDNOW data; ``x`` counts the purchase days
after the first, ``t_x`` is the time from the first purchase to the last, ``T`` the time
from the first purchase to the end of observation, and ``monetary`` the mean amount of the
repeat purchases (0 for a customer with none: the first purchase is left out of the spend
model, as in the paper, since it is often unlike the later ones).

Everything is done with whole-array numpy operations (a sort and segment sums), no loop
per transaction: the CRM's histories run to tens of millions of orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.errors import NotEnoughData

Unit = Literal["days", "weeks"]
#: the length of each time unit in days
DAYS_PER_UNIT: dict[Unit, float] = {"days": 1.0, "weeks": 7.0}
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """One row per customer, sorted by customer; times in ``unit``."""

    customers: npt.NDArray[Any]
    #: repeat purchases: purchase days after the first
    x: npt.NDArray[np.int64]
    #: recency: from the first purchase to the last
    t_x: Floats
    #: age: from the first purchase to ``end``
    T: Floats  # the name every paper on these models uses
    #: the mean amount of the repeat purchases; 0 without any
    monetary: Floats
    unit: Unit
    #: the last day observed; later transactions are not in the summary
    end: np.datetime64

    def __len__(self) -> int:
        return len(self.x)

    @property
    def repeat_buyers(self) -> npt.NDArray[np.bool_]:
        return self.x > 0


def summarize(customers: npt.ArrayLike, days: npt.ArrayLike, amounts: npt.ArrayLike, *,
              end: np.datetime64 | str | None = None, unit: Unit = "weeks") -> Summary:
    """The summary of the transactions up to ``end`` (default: the last transaction's day).

    Transactions after ``end`` are left out, so that a history can be cut into a
    calibration period and a holdout. ``days`` are anything numpy reads as datetime64;
    only their day counts.
    """
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unit: days or weeks, not {unit!r}")
    who = np.asarray(customers)
    day = np.asarray(days, dtype="datetime64[D]")
    spend = np.asarray(amounts, dtype=np.float64)
    if not len(who) == len(day) == len(spend):
        raise ValueError(f"customers, days and amounts differ in length: "
                         f"{len(who)}, {len(day)}, {len(spend)}")
    if end is None and not len(day):
        raise NotEnoughData("no transactions")
    last = day.max() if end is None else np.array(end, dtype="datetime64[D]")
    kept = day <= last
    if not kept.any():
        raise NotEnoughData(f"no transactions up to {last}")
    labels, codes = np.unique(who[kept], return_inverse=True)
    visits = _visits(codes.ravel(), day[kept].astype(np.int64), spend[kept])
    return _per_customer(labels, *visits, end=int(last.astype(np.int64)), unit=unit)


def _visits(codes: npt.NDArray[np.intp], day: npt.NDArray[np.int64], spend: Floats
            ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], Floats]:
    """Each customer's purchase days in order: (customer code, day, amount of the day)."""
    order = np.lexsort((day, codes))
    codes, day, spend = codes[order], day[order], spend[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(first)
    return codes[starts], day[starts], np.add.reduceat(spend, starts)


def _per_customer(labels: npt.NDArray[Any], codes: npt.NDArray[np.intp],
                  day: npt.NDArray[np.int64], spend: Floats, *, end: int,
                  unit: Unit) -> Summary:
    """Reduce the purchase days (sorted by customer, then day) to one row per customer."""
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    starts = np.flatnonzero(first)
    count = np.diff(np.append(starts, len(codes)))
    repeat_spend = np.add.reduceat(np.where(first, 0.0, spend), starts)
    x = (count - 1).astype(np.int64)
    first_day, last_day = day[starts], day[starts + count - 1]
    scale = DAYS_PER_UNIT[unit]
    monetary = np.divide(repeat_spend, x, out=np.zeros(len(x)), where=x > 0)
    return Summary(customers=labels, x=x, t_x=(last_day - first_day) / scale,
                   T=(end - first_day) / scale, monetary=monetary, unit=unit,
                   end=np.datetime64(end, "D"))
