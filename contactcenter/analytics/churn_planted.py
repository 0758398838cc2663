"""Generated purchase histories whose churners are known, for the tests and the figures of
docs/analytics-churn.md (``python -m contactcenter.analytics.churn_report``).

Customers follow the BG/NBD story itself (``bgnbd``): each arrives on a day drawn
uniformly over the first part of the history, buys at a Poisson rate of their own
(gamma across customers) and after each purchase leaves for good with a probability of
their own (beta across customers); their amounts are the Gamma-Gamma's. The day each
customer left is kept, so that "P(alive) ranks the churners first" has an answer to be
checked against. ``planted_weibull`` draws survival times with known Weibull
parameters and independent censoring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
#: the first day of every generated history
DAY0 = np.datetime64("2024-01-01", "D")


@dataclass(frozen=True, slots=True)
class PlantedHistory:
    """Transactions (customer, day, amount) and each customer's day of leaving (days from
    ``DAY0``; inf for those who never left)."""

    customers: npt.NDArray[np.int64]
    days: npt.NDArray[np.datetime64]
    amounts: Floats
    left_at: Floats
    span_days: int

    @property
    def end(self) -> np.datetime64:
        """The last day of the history."""
        return DAY0 + np.timedelta64(self.span_days - 1, "D")


def planted_history(n: int = 4000, *, seed: int = 0, span_days: int = 730,
                    r: float = 0.6, alpha: float = 25.0, a: float = 1.0, b: float = 4.0,
                    arrivals_until: float = 0.6) -> PlantedHistory:
    """``n`` customers over ``span_days``: rate ~ gamma(r, alpha) per day, dropout after
    each purchase ~ beta(a, b); first purchases in the first ``arrivals_until`` share of
    the span."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    spend = 1.0 / rng.gamma(4.0, 1.0 / 15.0, size=n)  # the mean amount, nu^-1 ~ gamma
    now = rng.uniform(0, span_days * arrivals_until, size=n)
    left = np.full(n, np.inf)
    who, when = [np.arange(n)], [now.copy()]
    alive = np.ones(n, dtype=bool)
    while True:  # as in the BG/NBD, only a repeat purchase may be the last
        now = now + rng.exponential(1.0, size=n) / np.maximum(rate, 1e-12)
        alive &= now < span_days
        if not alive.any():
            break
        who.append(np.flatnonzero(alive))
        when.append(now[alive])
        leaving = alive & (rng.random(n) < dropout)
        left[leaving] = now[leaving]
        alive &= ~leaving
    customers = np.concatenate(who).astype(np.int64)
    at = np.concatenate(when)
    amounts = rng.gamma(6.0, spend[customers] / 6.0)
    days = DAY0 + np.floor(at).astype("timedelta64[D]")
    return PlantedHistory(customers, days, np.round(amounts, 2), left, span_days)


@dataclass(frozen=True, slots=True)
class PlantedSurvival:
    """Durations, whether each end was seen, the covariates, and the truth drawn from."""

    durations: Floats
    events: npt.NDArray[np.bool_]
    covariates: Floats
    intercept: float
    coefficients: Floats
    shape: float


def planted_weibull(n: int = 3000, *, seed: int = 0, intercept: float = 5.0,
                    coefficients: tuple[float, ...] = (0.5, -0.3), shape: float = 1.5,
                    censor_scale: float = 300.0) -> PlantedSurvival:
    """T | x ~ Weibull(shape, exp(intercept + x'beta)), x standard normal; censored by an
    independent exponential time of mean ``censor_scale``."""
    rng = np.random.default_rng(seed)
    beta = np.asarray(coefficients, dtype=np.float64)
    x = rng.normal(size=(n, len(beta)))
    scale = np.exp(intercept + x @ beta)
    ends = scale * rng.weibull(shape, size=n)
    censor = rng.exponential(censor_scale, size=n)
    return PlantedSurvival(np.minimum(ends, censor), ends <= censor, x, intercept, beta, shape)
