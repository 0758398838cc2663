"""A CRM's purchase history at scale, drawn from a buy-till-you-die process with numpy.

Each buying contact has a first purchase somewhere in the two years observed, a
purchase rate (Gamma across contacts), a chance to drop out after each purchase (Beta
across contacts) and a mean spend (Gamma-Gamma: each order's amount is Gamma around the
contact's own mean): the BG/NBD and Gamma-Gamma models the CRM fits, so the fits have
something true to find. One contact in ten never ordered (a lead), and a few orders are
cancelled. The purchase rate is scaled so that the history holds exactly the asked number
of orders (a pilot run finds the scale, surplus orders are thinned at random).

Everything is whole-array numpy from one seed: the same parameters give the same rows.
Orders are numbered in time order, as a live CRM numbers them, so that a contact's
orders lie scattered over the table as they would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: bump when the rows drawn for the same parameters change (part of the cache key)
GENERATOR_VERSION = 1
START = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
DAYS = 730
#: the day the scores are computed as of: the last day observed
AS_OF = (START + dt.timedelta(days=DAYS - 1)).date()
LEADS = 0.10
CANCELLED = 0.03
# BG/NBD: rate ~ Gamma(R, 1/ALPHA) per day, dropout ~ Beta(A, B) after each purchase
R, ALPHA, A, B = 1.2, 15.0, 1.0, 12.0
# Gamma-Gamma: per-contact mean spend scale nu ~ Gamma(Q, GAMMA), amount ~ Gamma(P, 1/nu)
P, Q, GAMMA = 6.0, 4.0, 20.0
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class History:
    """The rows to load: contacts 1..n and their orders, in order id order (1..m)."""

    contacts: int
    #: when each contact was added, in seconds since START (index: contact id - 1)
    contact_created: I64
    order_contact: npt.NDArray[np.int32]
    #: seconds since START
    order_time: I64
    order_cents: I64
    order_cancelled: npt.NDArray[np.bool_]


def _purchases(rng: np.random.Generator, buyers: int,
               scale: float) -> tuple[I64, npt.NDArray[np.float64]]:
    """Every purchase of ``buyers`` BG/NBD customers: (customer index, day)."""
    birth = rng.uniform(0, DAYS, buyers)
    rate = rng.gamma(R, 1 / ALPHA, buyers) * scale
    dropout = rng.beta(A, B, buyers)
    who: list[I64] = [np.arange(buyers, dtype=np.int64)]
    when: list[npt.NDArray[np.float64]] = [birth]
    active, t = who[0], birth
    while active.size:
        stays = rng.random(active.size) >= dropout[active]
        active, t = active[stays], t[stays]
        t = t + rng.exponential(1 / rate[active])
        inside = t < DAYS
        active, t = active[inside], t[inside]
        who.append(active)
        when.append(t)
    return np.concatenate(who), np.concatenate(when)


def _scale_for(seed: int, per_buyer: float) -> float:
    """The rate scale giving ``per_buyer`` purchases per buyer, bisected on a pilot."""
    low, high = 0.01, 100.0
    for _ in range(18):
        mid = (low * high) ** 0.5
        who, _days = _purchases(np.random.default_rng(seed + 1), 40_000, mid)
        low, high = (mid, high) if len(who) / 40_000 < per_buyer else (low, mid)
    return high


def generate(contacts: int, orders: int, seed: int) -> History:
    """``contacts`` contacts and exactly ``orders`` orders."""
    rng = np.random.default_rng(seed)
    buyers = max(1, round(contacts * (1 - LEADS)))
    if orders < buyers:
        raise ValueError(f"{orders} orders are fewer than the {buyers} buying contacts")
    scale = _scale_for(seed, 1.03 * orders / buyers)
    while True:
        who, day = _purchases(rng, buyers, scale)
        if len(who) >= orders:
            break
        scale *= 1.05
    kept = np.sort(rng.choice(len(who), orders, replace=False))
    who, day = who[kept], day[kept]
    # the buyers are spread among the contacts; the others are leads
    ids = rng.permutation(contacts)[:buyers].astype(np.int32) + 1
    seconds = (day * 86400).astype(np.int64)
    order = np.argsort(seconds, kind="stable")
    nu = rng.gamma(Q, 1 / GAMMA, buyers)
    cents = np.clip(np.round(rng.gamma(P, 1 / nu[who[order]]) * 100), 100, 999_999)
    created = rng.uniform(-30 * 86400, DAYS * 86400, contacts).astype(np.int64)
    first = np.full(contacts, np.iinfo(np.int64).max)
    np.minimum.at(first, ids[who] - 1, seconds)
    created = np.minimum(created, first - rng.integers(0, 30 * 86400, contacts))
    return History(contacts=contacts, contact_created=created,
                   order_contact=ids[who[order]], order_time=seconds[order],
                   order_cents=cents.astype(np.int64),
                   order_cancelled=rng.random(orders) < CANCELLED)
