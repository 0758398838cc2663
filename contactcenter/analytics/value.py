"""Customer lifetime value: the BG/NBD's expected purchases month by month, times the
Gamma-Gamma's expected spend, discounted at a monthly rate.

CLV = sum over months i of spend * (E[purchases by the end of month i] - E[... of month
i - 1]) / (1 + d)**i, the discounted sum of Fader, Hardie and Lee (2005, "RFM and CLV"),
cut at the horizon: its last month may be a part month, still discounted as month i.
With d = 0 it is the expected spend times the expected purchases over the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.bgnbd import BgNbdParameters, fit_bgnbd
from contactcenter.analytics.gamma_gamma import GammaGammaParameters, fit_gamma_gamma
from contactcenter.analytics.summary import DAYS_PER_UNIT, Summary, Unit

Floats = npt.NDArray[np.float64]
#: a month: the mean Gregorian month, 365.25 / 12 days
DAYS_PER_MONTH = 365.25 / 12
#: the longest horizon: a century, past any customer's life. The sum runs month by month
#: over every customer, so an endless horizon would be an endless loop
MAX_HORIZON_DAYS = 100 * 365.25


def lifetime_value(model: BgNbdParameters, spend: npt.ArrayLike, x: npt.ArrayLike,
                   t_x: npt.ArrayLike, T: npt.ArrayLike, *, horizon: float,
                   unit: Unit, discount: float) -> Floats:
    """Each customer's discounted value over ``horizon`` (in ``unit``), with ``spend`` the
    expected spend per purchase and ``discount`` the monthly discount rate."""
    longest = MAX_HORIZON_DAYS / DAYS_PER_UNIT[unit]
    if not 0 < horizon <= longest:
        raise ValueError(f"the horizon must be positive and at most a century ({longest:g} "
                         f"{unit}), not {horizon}")
    if not 0 <= discount < math.inf:
        raise ValueError(f"the discount rate must be a number, 0 or more, not {discount}")
    month = DAYS_PER_MONTH / DAYS_PER_UNIT[unit]
    months = math.ceil(horizon / month - 1e-9)
    total = np.zeros(np.broadcast(np.asarray(x), np.asarray(t_x), np.asarray(T)).shape)
    before = np.zeros_like(total)
    for i in range(1, months + 1):
        by_then = model.expected_purchases(min(i * month, horizon), x, t_x, T)
        total += (by_then - before) / (1 + discount) ** i
        before = by_then
    return np.asarray(spend, dtype=np.float64) * total


@dataclass(frozen=True, slots=True, kw_only=True)
class Scores:
    """Both fitted models and, per customer of ``summary`` (in its order), the
    predictions over ``horizon``."""

    summary: Summary
    bgnbd: BgNbdParameters
    gamma_gamma: GammaGammaParameters
    horizon: float
    discount: float
    expected_purchases: Floats
    p_alive: Floats
    expected_spend: Floats
    clv: Floats


def score(summary: Summary, *, horizon: float, discount: float) -> Scores:
    """Fit the BG/NBD and the Gamma-Gamma on ``summary`` and score every customer.

    NotEnoughData, FitError or AnalyticsError when either model cannot be fitted."""
    x, t_x, T = summary.x, summary.t_x, summary.T
    purchases = fit_bgnbd(x, t_x, T)
    spend = fit_gamma_gamma(x, summary.monetary)
    expected_spend = spend.expected_spend(x, summary.monetary)
    return Scores(
        summary=summary, bgnbd=purchases, gamma_gamma=spend, horizon=horizon,
        discount=discount, expected_purchases=purchases.expected_purchases(horizon, x, t_x, T),
        p_alive=purchases.p_alive(x, t_x, T), expected_spend=expected_spend,
        clv=lifetime_value(purchases, expected_spend, x, t_x, T, horizon=horizon,
                           unit=summary.unit, discount=discount))
