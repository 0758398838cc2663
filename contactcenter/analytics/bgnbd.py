"""The BG/NBD model of repeat purchases (Fader, Hardie and Lee 2005, "Counting your
customers the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2)).

While alive, a customer buys at a Poisson rate lambda, gamma(r, alpha) across customers;
after each purchase the customer drops out with probability p, beta(a, b) across
customers. A customer is summarised by (x, t_x, T) (``summary``). The likelihood is the
paper's equation 6, computed in logs (``gammaln``, ``betaln``, and ``logaddexp`` for the
sum of its two terms, which for a frequent buyer are each far below the smallest float);
the expected purchases in the next t periods is equation 10 and P(alive) the appendix's
formula, both per customer and on whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from contactcenter.analytics.errors import NotEnoughData
from contactcenter.analytics.fitting import Objective, maximize

Floats = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike
#: Four parameters, two of which (a, b: the dropout) only the repeat buyers' recency
#: informs: at ten such customers a parameter, the rule of thumb of ten events per
#: parameter of Peduzzi et al. (1996), the fit has something to stand on; with fewer
#: the likelihood is flat enough that the estimates mean nothing.
MIN_REPEAT_BUYERS = 40
NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True, slots=True, kw_only=True)
class BgNbdParameters:
    """A fitted BG/NBD: its parameters, the log-likelihood at them, the customers fitted."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    repeat_buyers: int

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Floats:
        """P(alive | x, t_x, T): 1 for a customer who never came back (the model lets
        customers drop out only right after a purchase)."""
        x, t_x, T = _arrays(x, t_x, T)
        repeat = x > 0
        log_odds = (np.log(self.a) - np.log(self.b + np.where(repeat, x, 1) - 1)
                    + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x)))
        return np.where(repeat, expit(-log_odds), 1.0)

    def expected_purchases(self, t: float, x: ArrayLike, t_x: ArrayLike,
                           T: ArrayLike) -> Floats:
        """Expected purchases in the next ``t`` periods given (x, t_x, T) (equation 10)."""
        x, t_x, T = _arrays(x, t_x, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        # equation 10's (1-z)**(r+x) 2F1(r+x, b+x; a+b+x-1; z), z = t/(alpha+T+t), by
        # Euler's transformation (Abramowitz and Stegun 15.3.3): the same number, but a
        # series with small upper and large lower parameters that converges fast for
        # any x, where the paper's form is 0 * inf (nan) past x of about 1,000
        z = t / (alpha + T + t)
        tail = (1 - z) ** (a - 1) * _hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail) * self.p_alive(x, t_x, T)


#: the series' terms stop once the rest is below this share of the sum
_SERIES_TOLERANCE = 1e-16
#: and at the latest after this many terms (z of 0.999 needs about 40,000)
_SERIES_TERMS = 200_000


def _hyp2f1(a: float, b: float, c: Floats, z: Floats) -> Floats:
    """The Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, per customer.

    scipy's ``hyp2f1`` gives nan or inf for a large c (a buyer of a hundred purchases or
    more) once z passes about 0.9 (a horizon of ten times the customer's age and
    alpha); there the series is summed directly: with c that large its terms fall fast.
    """
    c, z = np.broadcast_arrays(np.asarray(c, dtype=np.float64), np.asarray(z, dtype=np.float64))
    value = np.array(hyp2f1(a, b, c, z), dtype=np.float64)
    bad = ~np.isfinite(value)
    if bad.any():
        value[bad] = _hyp2f1_series(a, b, c[bad], z[bad])
    return value


def _hyp2f1_series(a: float, b: float, c: Floats, z: Floats) -> Floats:
    """sum over k of (a)_k (b)_k / ((c)_k k!) z^k. The ratio of one term to the one before
    falls below z for good once k passes ``settled`` (it crosses z once, from above when
    c > a + b - 1), after which the rest is at most term z / (1 - z)."""
    room = c + 1 - a - b
    settled = np.where(room > 0, (a * b - c) / np.where(room > 0, room, 1.0), np.inf)
    total, term = np.ones_like(z), np.ones_like(z)
    going = np.ones(len(z), dtype=bool)
    for k in range(_SERIES_TERMS):
        term = np.where(going, term * (a + k) * (b + k) / ((c + k) * (k + 1)) * z, 0.0)
        total += term
        going &= ~((k >= settled) & (np.abs(term) * z <= _SERIES_TOLERANCE * (1 - z)
                                     * np.abs(total)))
        if not going.any():
            break
    return np.where(going, np.nan, total)


def log_likelihood(params: npt.ArrayLike, x: ArrayLike, t_x: ArrayLike,
                   T: ArrayLike) -> Floats:
    """Each customer's log-likelihood at ``params`` = (r, alpha, a, b) (equation 6)."""
    r, alpha, a, b = np.asarray(params, dtype=np.float64)
    x, t_x, T = _arrays(x, t_x, T)
    head, one, two = _terms(r, alpha, a, b, x, t_x, T)
    return head + np.logaddexp(one, two)


def _terms(r: float, alpha: float, a: float, b: float, x: Floats, t_x: Floats,
           T: Floats) -> tuple[Floats, Floats, Floats]:
    """The likelihood's common factor and its two terms, in logs; the second is -inf
    for x = 0, where it is absent (and b + x - 1 may be negative)."""
    repeat = x > 0
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    base = betaln(a, b)
    one = betaln(a, b + x) - base - (r + x) * np.log(alpha + T)
    two = (betaln(a + 1, b + np.where(repeat, x, 1) - 1) - base
           - (r + x) * np.log(alpha + t_x))
    return head, one, np.where(repeat, two, -np.inf)


def _objective(x: Floats, t_x: Floats, T: Floats, weight: Floats) -> Objective:
    """The mean negative log-likelihood and its gradient in log parameters, on distinct
    (x, t_x, T) rows each counted ``weight`` times."""
    total = weight.sum()
    safe_x = np.where(x > 0, x, 1)

    def objective(log_params: Floats) -> tuple[float, Floats]:
        r, alpha, a, b = np.exp(log_params)
        head, one, two = _terms(r, alpha, a, b, x, t_x, T)
        both = np.logaddexp(one, two)
        second = np.exp(two - both)  # the second term's share of the likelihood
        first = 1.0 - second
        common = digamma(a + b) - digamma(a + b + x)
        grad = np.stack([
            digamma(r + x) - digamma(r) + np.log(alpha)
            - first * np.log(alpha + T) - second * np.log(alpha + t_x),
            r / alpha - (r + x) * (first / (alpha + T) + second / (alpha + t_x)),
            common + second / a,
            common - digamma(b) + digamma(b + x) - second / (b + safe_x - 1),
        ])
        value = -float(weight @ (head + both)) / total
        return value, -(grad @ weight) * np.array([r, alpha, a, b]) / total

    return objective


def fit_bgnbd(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> BgNbdParameters:
    """The maximum-likelihood BG/NBD for customers (x, t_x, T).

    NotEnoughData below ``MIN_REPEAT_BUYERS`` repeat buyers; FitError when the optimizer
    finds no maximum.
    """
    x, t_x, T = _arrays(x, t_x, T)
    _check(x, t_x, T)
    repeat_buyers = int((x > 0).sum())
    if repeat_buyers < MIN_REPEAT_BUYERS:
        raise NotEnoughData(f"BG/NBD needs repeat purchases from at least "
                            f"{MIN_REPEAT_BUYERS} customers; found {repeat_buyers}")
    rows, weight = np.unique(np.stack([x, t_x, T], axis=1), axis=0, return_counts=True)
    objective = _objective(rows[:, 0], rows[:, 1], rows[:, 2], weight.astype(np.float64))
    params, mean = maximize(objective, _starts(x, T), NAMES, "BG/NBD")
    r, alpha, a, b = (float(value) for value in params)
    return BgNbdParameters(r=r, alpha=alpha, a=a, b=b, log_likelihood=mean * len(x),
                           customers=len(x), repeat_buyers=repeat_buyers)


def _starts(x: Floats, T: Floats) -> list[tuple[float, float, float, float]]:
    """Starting points on the data's own time scale: alpha so that r / alpha, the mean
    purchase rate, is the observed one; a few shapes of the rate and dropout mixes."""
    rate = float(x.sum() / max(float(T.sum()), 1e-9))
    return [(r, r / rate, a, b) for r, a, b in ((1.0, 1.0, 1.0), (0.25, 0.8, 2.5),
                                                (3.0, 0.3, 6.0))]


def _arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[Floats, Floats, Floats]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
    return arrays[0], arrays[1], arrays[2]


def _check(x: Floats, t_x: Floats, T: Floats) -> None:
    """A summary's invariants; a violation is a caller's mistake, not the data's."""
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise ValueError("x, t_x and T must be finite")
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("x must be whole numbers, 0 or more")
    if (t_x < 0).any() or (t_x > T).any() or (t_x[x == 0] != 0).any():
        raise ValueError("0 <= t_x <= T must hold, and t_x = 0 where x = 0")
