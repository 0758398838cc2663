"""Edge cases of the lifetime-value and uplift libraries: amounts in a currency of large
units, a horizon no customer lives to, ties at the cut of uplift at k."""

from __future__ import annotations

import math

import numpy as np
import pytest

from contactcenter.analytics.gamma_gamma import fit_gamma_gamma


def _planted_spend(customers: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases and mean repeat spend drawn from a Gamma-Gamma with p 6, q 4,
    gamma 15 (a mean spend of 30 a purchase)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, customers)
    nu = rng.gamma(4.0, 1 / 15.0, customers)
    spend = np.array([rng.gamma(6.0, 1 / rate, count).mean() for rate, count in zip(nu, x)])
    return x, spend


@pytest.mark.parametrize("unit_size", [1e5, 1e7])
def test_the_spend_model_fits_amounts_in_a_currency_of_small_units(unit_size: float) -> None:
    """A purchase of 30 dollars is 3 million in a currency of small units (rupiah, dong) or
    in millicents: the same customers, the same p and q, gamma and the spend scaled."""
    x, spend = _planted_spend()
    plain = fit_gamma_gamma(x, spend)
    scaled = fit_gamma_gamma(x, spend * unit_size)
    assert (scaled.p, scaled.q) == pytest.approx((plain.p, plain.q), rel=1e-6)
    assert scaled.gamma == pytest.approx(plain.gamma * unit_size, rel=1e-6)
    assert scaled.mean_spend == pytest.approx(plain.mean_spend * unit_size, rel=1e-6)
    # the density of amounts in smaller units is lower by the unit, once per customer
    assert scaled.log_likelihood == pytest.approx(
        plain.log_likelihood - len(x) * math.log(unit_size), rel=1e-9)
