"""The Gamma-Gamma model of spend (Fader, Hardie and Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis", Journal of Marketing Research 42(4); the
likelihood as written in Fader and Hardie, "The Gamma-Gamma model of monetary value",
2013).

A customer's purchases are gamma(p, nu) amounts around a mean p / nu of their own, nu
being gamma(q, gamma) across customers. It is fitted on the repeat buyers' mean repeat
spend (x > 0), and it assumes that how much a customer spends does not depend on how
often they buy: check the correlation between x and the spend before trusting it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from contactcenter.analytics.errors import AnalyticsError, FitError, NotEnoughData
from contactcenter.analytics.fitting import Objective, maximize

Floats = npt.NDArray[np.float64]
#: Three parameters at ten customers each, the rule of thumb of ten events per parameter
#: of Peduzzi et al. (1996): fewer repeat buyers leave the spend mix unidentified.
MIN_REPEAT_BUYERS = 30
NAMES = ("p", "q", "gamma")


@dataclass(frozen=True, slots=True, kw_only=True)
class GammaGammaParameters:
    """A fitted Gamma-Gamma: its parameters, the log-likelihood, the repeat buyers fitted."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per purchase, p gamma / (q - 1)."""
        return self.p * self.gamma / (self.q - 1)

    def expected_spend(self, x: npt.ArrayLike, monetary: npt.ArrayLike) -> Floats:
        """The conditional expected spend per purchase given x repeat purchases of mean
        ``monetary``: a weighted mean of the population's and the customer's own; the
        population's for x = 0."""
        x, spend = np.broadcast_arrays(np.asarray(x, dtype=np.float64),
                                       np.asarray(monetary, dtype=np.float64))
        weight = self.p * x / (self.p * x + self.q - 1)
        return (1 - weight) * self.mean_spend + weight * np.where(x > 0, spend, 0.0)


def log_likelihood(params: npt.ArrayLike, x: npt.ArrayLike,
                   monetary: npt.ArrayLike) -> Floats:
    """Each repeat buyer's log-likelihood of their mean spend at (p, q, gamma)."""
    p, q, gamma = np.asarray(params, dtype=np.float64)
    x, spend = np.asarray(x, dtype=np.float64), np.asarray(monetary, dtype=np.float64)
    px = p * x
    value: Floats = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(spend) + px * np.log(x) - (px + q) * np.log(gamma + x * spend))
    return value


def _objective(x: Floats, spend: Floats) -> Objective:
    """The mean negative log-likelihood and its gradient in log parameters."""
    log_ratio = np.log(spend) + np.log(x)

    def objective(log_params: Floats) -> tuple[float, Floats]:
        p, q, gamma = np.exp(log_params)
        px = p * x
        pool = gamma + x * spend
        both = digamma(px + q)
        grad = np.array([
            float(np.mean(x * (both - digamma(px) + log_ratio - np.log(pool)))),
            float(np.mean(both - digamma(q) + np.log(gamma) - np.log(pool))),
            float(np.mean(q / gamma - (px + q) / pool)),
        ])
        value = -float(np.mean(log_likelihood((p, q, gamma), x, spend)))
        return value, -grad * np.array([p, q, gamma])

    return objective


def fit_gamma_gamma(x: npt.ArrayLike, monetary: npt.ArrayLike) -> GammaGammaParameters:
    """The maximum-likelihood Gamma-Gamma on the customers with x > 0 (others ignored).

    NotEnoughData below ``MIN_REPEAT_BUYERS`` repeat buyers; AnalyticsError for a
    repeat buyer whose mean spend is not positive; FitError when no maximum is found or when
    q <= 1, where the population's mean spend is infinite and the model says nothing.
    """
    x, spend = np.asarray(x, dtype=np.float64), np.asarray(monetary, dtype=np.float64)
    repeat = x > 0
    x, spend = x[repeat], spend[repeat]
    if len(x) < MIN_REPEAT_BUYERS:
        raise NotEnoughData(f"Gamma-Gamma needs repeat purchases from at least "
                            f"{MIN_REPEAT_BUYERS} customers; found {len(x)}")
    if not (np.isfinite(spend).all() and (spend > 0).all()):
        raise AnalyticsError(f"Gamma-Gamma needs a positive mean spend from every repeat "
                             f"buyer; {int((~(spend > 0)).sum())} spent nothing on their "
                             "repeat purchases")
    # fitted on amounts in units of their mean: gamma is a scale of the amounts, so in
    # rupiah or millicents it would pass the optimizer's bounds (``fitting.RUNAWAY``) and
    # be taken for a runaway; p and q do not depend on the unit
    unit = float(spend.mean())
    starts = [(p, q, (q - 1) / p) for p, q in ((1.0, 2.0), (5.0, 3.0), (0.5, 5.0))]
    params, mean_ll = maximize(_objective(x, spend / unit), starts, NAMES, "Gamma-Gamma")
    p, q, gamma = (float(value) for value in params)
    if q <= 1:
        raise FitError(f"Gamma-Gamma: q = {q:.3g} is at most 1, so the mean spend of the "
                       "population is infinite: the amounts are too heavy-tailed for the model")
    # the density of the amounts in their own unit is lower by ``unit`` per customer
    return GammaGammaParameters(p=p, q=q, gamma=gamma * unit,
                                log_likelihood=(mean_ll - np.log(unit)) * len(x),
                                customers=len(x))
