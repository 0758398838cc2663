"""Product affinity from purchase histories: which products go together, by how much.

Theory of operation. The basket is a customer's whole history, not one order: in this
CRM most orders hold one product (60 % of the generated ones), and the cross-sell that
matters is the one that happens across orders (a tent in spring, the backpack in
summer), which per-order baskets would never see; and the offer is made to a caller
with a history. So the data is the customer x product incidence X (1 where the
customer ever bought the product), and the co-occurrence is X^T X: entry (a, b) counts
the customers who bought both a and b, its diagonal the buyers of each product.

Definitions, with N the customers with a purchase:

- support(a) = buyers(a) / N; support(a, b) = buyers(a and b) / N
- confidence(a -> b) = buyers(a and b) / buyers(a): the share of a's buyers who bought b
- lift(a -> b) = confidence(a -> b) / support(b): how many times the usual rate of b

A pair bought together by fewer than ``min_pair`` customers is no evidence (three
customers who bought both of two rare products give a huge lift by chance), so such
pairs are dropped, as are pairs with a lift of 1 or less (no pull towards b). What is
left are the rules: confidence(a -> b) for each kept pair.

A customer's score for a product b they do not have is the estimated chance they buy
it: the strongest rule from something they bought (max over their products a of
confidence(a -> b)), or, when no rule beats it, b's own rate support(b), so that where
the data says nothing the ranking is popularity's. Everything is sparse matrix algebra
and whole-array numpy (a join of the incidence with the rules, a sort, a segment
maximum); no loop over customers or pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from contactcenter.analytics.errors import NotEnoughData

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
#: a pair seen together by fewer customers than this is not a rule
MIN_PAIR = 5
#: customers with two or more products needed before any pair means something
MIN_BASKETS = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Incidence:
    """Who bought what: one row per (customer, product) that was bought, as the CRM's one
    GROUP BY gives it; times are UTC ``datetime64[us]``."""

    customers: npt.NDArray[Any]
    products: npt.NDArray[Any]
    #: how many orders had the product
    orders: Ints
    #: the first and the last order with it
    first: npt.NDArray[np.datetime64]
    last: npt.NDArray[np.datetime64]

    def __len__(self) -> int:
        return len(self.customers)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Incidence:
        return Incidence(customers=self.customers[keep], products=self.products[keep],
                         orders=self.orders[keep], first=self.first[keep],
                         last=self.last[keep])


def incidence(customers: npt.ArrayLike, products: npt.ArrayLike, *,
              orders: npt.ArrayLike | None = None, first: npt.ArrayLike | None = None,
              last: npt.ArrayLike | None = None) -> Incidence:
    """An incidence from plain sequences; counts default to 1 and times to the epoch."""
    who, what = np.asarray(customers), np.asarray(products)
    if len(who) != len(what):
        raise ValueError(f"customers and products differ in length: {len(who)}, {len(what)}")
    epoch = np.zeros(len(who), dtype="datetime64[us]")
    return Incidence(
        customers=who, products=what,
        orders=np.ones(len(who), np.int64) if orders is None else np.asarray(orders, np.int64),
        first=epoch if first is None else np.asarray(first, dtype="datetime64[us]"),
        last=epoch if last is None else np.asarray(last, dtype="datetime64[us]"))


def matrix(rows: npt.ArrayLike, columns: npt.ArrayLike,
           shape: tuple[int, int]) -> sparse.csr_array:
    """The 0/1 incidence matrix of (row, column) codes; repeats count once."""
    r, c = np.asarray(rows, np.int64), np.asarray(columns, np.int64)
    built = sparse.csr_array((np.ones(len(r)), (r, c)), shape=shape)
    built.sum_duplicates()
    built.data[:] = 1.0
    return built


@dataclass(frozen=True, slots=True, kw_only=True)
class Affinity:
    """The fitted affinities over ``products`` (labels; a product's code is its index)."""

    products: npt.NDArray[Any]
    #: N: customers with at least one purchase
    customers: int
    #: buyers(a), per product code
    buyers: Ints
    #: buyers(a and b) for every kept pair (a != b, at least ``min_pair`` customers)
    together: sparse.csr_array
    #: confidence(a -> b) for the kept pairs with a lift above 1
    rules: sparse.csr_array
    min_pair: int

    @property
    def support(self) -> Floats:
        """support(b) for every product: the popularity baseline's rate."""
        return self.buyers / self.customers

    def code(self, product: Any) -> int | None:
        """The product's code, or None for a product nobody bought."""
        at = int(np.searchsorted(self.products, product))
        return at if at < len(self.products) and self.products[at] == product else None

    def pair(self, a: int, b: int) -> tuple[int, float, float]:
        """(buyers of both, confidence(a -> b), lift(a -> b)) for product codes a, b."""
        both = int(self.together[a, b])
        confidence = both / self.buyers[a] if self.buyers[a] else 0.0
        rate = self.buyers[b] / self.customers
        return both, confidence, confidence / rate if rate else 0.0


def fit_affinity(data: Incidence, *, min_pair: int = MIN_PAIR,
                 min_baskets: int = MIN_BASKETS) -> Affinity:
    """Co-purchase counts, confidences and lifts from the customers' histories.

    Raises ``NotEnoughData`` when fewer than ``min_baskets`` customers bought two or more
    products: below that no pair can reach ``min_pair`` often enough to be told apart
    from chance."""
    if min_pair < 1:
        raise ValueError(f"min_pair must be 1 or more, not {min_pair}")
    products, product_codes = np.unique(data.products, return_inverse=True)
    _, customer_codes = np.unique(data.customers, return_inverse=True)
    x = matrix(customer_codes.ravel(), product_codes.ravel(),
               (int(customer_codes.max(initial=-1)) + 1, len(products)))
    sizes = np.diff(x.indptr)
    baskets = int(np.count_nonzero(sizes >= 2))
    if baskets < min_baskets:
        raise NotEnoughData(f"affinity needs at least {min_baskets} customers who bought "
                            f"two or more products; found {baskets}")
    co = sparse.csr_array(x.T @ x)
    buyers = np.rint(co.diagonal()).astype(np.int64)
    co.setdiag(0)
    co.data[co.data < min_pair] = 0
    co.eliminate_zeros()
    return Affinity(products=products, customers=x.shape[0], buyers=buyers,
                    together=co, rules=_rules(co, buyers, x.shape[0]), min_pair=min_pair)


def _rules(together: sparse.csr_array, buyers: Ints, customers: int) -> sparse.csr_array:
    """confidence(a -> b) where the lift is above 1, from the kept pair counts."""
    coo = together.tocoo()
    a, b, both = coo.row, coo.col, coo.data
    confidence = both / buyers[a]
    lift = confidence * customers / buyers[b]
    keep = lift > 1.0
    return sparse.csr_array((confidence[keep], (a[keep], b[keep])), shape=together.shape)


@dataclass(frozen=True, slots=True, kw_only=True)
class BestRules:
    """For each (customer row, candidate product) some rule reaches: the strongest rule's
    confidence and the product it comes from."""

    rows: Ints
    candidates: Ints
    sources: Ints
    confidence: Floats


def best_rules(model: Affinity, bought: sparse.csr_array) -> BestRules:
    """The strongest rule into each product from each row's bought products (codes of
    ``model``): the incidence joined with the rules by the bought product, then a sort and
    the first of each (row, candidate)."""
    coo = bought.tocoo()
    rows, sources = coo.row.astype(np.int64), coo.col.astype(np.int64)
    indptr = model.rules.indptr
    fan = (indptr[sources + 1] - indptr[sources]).astype(np.int64)
    total = int(fan.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(fan) - fan, fan)
    at = np.repeat(indptr[sources], fan) + offsets
    rows, sources = np.repeat(rows, fan), np.repeat(sources, fan)
    candidates = model.rules.indices[at].astype(np.int64)
    confidence = model.rules.data[at]
    order = np.lexsort((sources, -confidence, candidates, rows))
    rows, candidates = rows[order], candidates[order]
    first = np.ones(total, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (candidates[1:] != candidates[:-1])
    return BestRules(rows=rows[first], candidates=candidates[first],
                     sources=sources[order][first], confidence=confidence[order][first])


def scores(model: Affinity, bought: sparse.csr_array) -> Floats:
    """Each row's score for every product: the strongest rule's confidence or the
    product's own rate, whichever is higher; -inf for what the row already bought."""
    out = np.tile(model.support, (bought.shape[0], 1))
    best = best_rules(model, bought)
    np.maximum.at(out, (best.rows, best.candidates), best.confidence)
    coo = bought.tocoo()
    out[coo.row, coo.col] = -np.inf
    return out


def popularity(model: Affinity, bought: sparse.csr_array) -> Floats:
    """The baseline: every product's own rate, -inf for what the row already bought."""
    out = np.tile(model.support, (bought.shape[0], 1))
    coo = bought.tocoo()
    out[coo.row, coo.col] = -np.inf
    return out


def top(scored: Floats, k: int) -> Ints:
    """Each row's ``k`` best product codes, best first (ties: the lower code); -1 pads
    rows with fewer than ``k`` products left to offer."""
    order = np.argsort(-scored, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(scored, order, axis=1)
    return np.where(np.isfinite(picked), order, -1).astype(np.int64)
