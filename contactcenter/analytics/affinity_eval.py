"""Does affinity beat popularity? Held-out purchases, split in time.

For each customer, the last order is hidden: the products first bought in it (new to
the customer then) are the answers, and everything bought before it is the history
offers are made from. A customer counts when they have both (a history, and a new
product in their last order). The model is fitted on everything but the answers, so no
hidden purchase teaches it anything, and each customer gets the top ``k`` products
they did not have, from affinity and from the baseline: the products most customers
bought. Both are judged on the same customers:

- hit rate at k: the share of customers with at least one answer among their k offers
- precision at k: the share of all the offers made that were answers (k per customer)

The last order is read from the incidence alone: a product's first purchase equal to
the customer's latest purchase time was new in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from contactcenter.analytics.affinity import (
    MIN_BASKETS,
    MIN_PAIR,
    Affinity,
    Incidence,
    Ints,
    fit_affinity,
    matrix,
    popularity,
    scores,
    top,
)
from contactcenter.analytics.errors import NotEnoughData


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """One ranking's results on the held-out purchases."""

    hit_rate: float
    precision: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """Affinity against popularity, at ``k``, over ``customers`` held-out customers."""

    k: int
    customers: int
    affinity: Figures
    popularity: Figures

    def lines(self) -> list[str]:
        """The figures as the docs and the command print them."""
        return [f"customers with a held-out purchase: {self.customers}",
                (f"hit rate at {self.k}: affinity {self.affinity.hit_rate:.3f}, "
                f"popularity {self.popularity.hit_rate:.3f}"),
                (f"precision at {self.k}: affinity {self.affinity.precision:.3f}, "
                f"popularity {self.popularity.precision:.3f}")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    """The history the model learns from and each held-out customer's answers."""

    history: Incidence
    #: one row per held-out customer: the products new in their last order
    customers: npt.NDArray[np.generic]
    answers: Incidence


def split_last_order(data: Incidence) -> Split:
    """Hide each customer's last order's new products, for customers with a history."""
    labels, codes = np.unique(data.customers, return_inverse=True)
    codes = codes.ravel()
    latest = np.full(len(labels), np.iinfo(np.int64).min)
    np.maximum.at(latest, codes, data.last.astype(np.int64))
    new_last = data.first.astype(np.int64) == latest[codes]
    has_history = np.zeros(len(labels), dtype=bool)
    has_history[codes[~new_last]] = True
    answer = new_last & has_history[codes]
    held = np.unique(codes[answer])
    return Split(history=data.subset(~answer), customers=labels[held],
                 answers=data.subset(answer))


def evaluate(data: Incidence, *, k: int = 3, min_pair: int = MIN_PAIR,
             min_baskets: int = MIN_BASKETS) -> Evaluation:
    """Hit rate and precision at ``k`` of affinity and of popularity on held-out orders."""
    if k < 1:
        raise ValueError(f"k must be 1 or more, not {k}")
    split = split_last_order(data)
    if not len(split.customers):
        raise NotEnoughData("the evaluation needs customers with a purchase after their "
                            "first; found none")
    model = fit_affinity(split.history, min_pair=min_pair, min_baskets=min_baskets)
    bought = _rows(model, split.customers, split.history)
    answers = _rows(model, split.customers, split.answers)
    return Evaluation(k=k, customers=len(split.customers),
                      affinity=_judge(top(scores(model, bought), k), answers),
                      popularity=_judge(top(popularity(model, bought), k), answers))


def _rows(model: Affinity, customers: npt.NDArray[np.generic],
          data: Incidence) -> sparse.csr_array:
    """The incidence of ``customers`` (in their order) over the model's products; rows
    of other customers and products the model never saw are left out."""
    row = np.searchsorted(customers, data.customers)
    row = np.minimum(row, len(customers) - 1)
    column = np.searchsorted(model.products, data.products)
    column = np.minimum(column, len(model.products) - 1)
    keep = (customers[row] == data.customers) & (model.products[column] == data.products)
    return matrix(row[keep], column[keep], (len(customers), len(model.products)))


def _judge(offers: Ints, answers: sparse.csr_array) -> Figures:
    """Hits of each row's offers (-1: no offer) among its answers."""
    rows = np.repeat(np.arange(offers.shape[0]), offers.shape[1])
    flat = offers.ravel()
    made = flat >= 0
    hit = np.zeros(len(flat), dtype=bool)
    hit[made] = np.asarray(answers[rows[made], flat[made]]).ravel() > 0
    per_row = hit.reshape(offers.shape).sum(axis=1)
    return Figures(hit_rate=float(np.mean(per_row > 0)),
                   precision=float(np.mean(per_row / offers.shape[1])))
