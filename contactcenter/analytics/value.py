"""Customer lifetime value: the BG/NBD's expected purchases month by month, times the
Gamma-Gamma's expected spend, discounted at a monthly rate.

CLV = sum over months i of spend * (E[purchases by the end of month i] - E[... of month
i - 1]) / (1 + d)**i, the discounted sum of Fader, Hardie and Lee (2005, "RFM and CLV"),
cut at the horizon: its last month may be a part month, still discounted as month i.
With d = 0 it is the expected spend times the expected purchases over the horizon.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.bgnbd import BgNbdParameters
from contactcenter.analytics.summary import DAYS_PER_UNIT, Unit

Floats = npt.NDArray[np.float64]
#: a month: the mean Gregorian month, 365.25 / 12 days
DAYS_PER_MONTH = 365.25 / 12


def lifetime_value(model: BgNbdParameters, spend: npt.ArrayLike, x: npt.ArrayLike,
                   t_x: npt.ArrayLike, T: npt.ArrayLike, *, horizon: float,
                   unit: Unit, discount: float) -> Floats:
    """Each customer's discounted value over ``horizon`` (in ``unit``), with ``spend`` the
    expected spend per purchase and ``discount`` the monthly discount rate."""
    if not horizon > 0:
        raise ValueError(f"the horizon must be positive, not {horizon}")
    if not discount >= 0:
        raise ValueError(f"the discount rate must be 0 or more, not {discount}")
    month = DAYS_PER_MONTH / DAYS_PER_UNIT[unit]
    months = math.ceil(horizon / month - 1e-9)
    total = np.zeros(np.broadcast(np.asarray(x), np.asarray(t_x), np.asarray(T)).shape)
    before = np.zeros_like(total)
    for i in range(1, months + 1):
        by_then = model.expected_purchases(min(i * month, horizon), x, t_x, T)
        total += (by_then - before) / (1 + discount) ** i
        before = by_then
    return np.asarray(spend, dtype=np.float64) * total
