"""The BG/NBD and Gamma-Gamma fits on generated customers with known parameters, their
predictions, and the plain errors for data that cannot be fitted."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pytest

from contactcenter.analytics import bgnbd as bgnbd_module
from contactcenter.analytics.bgnbd import BgNbdParameters, fit_bgnbd
from contactcenter.analytics.errors import AnalyticsError, FitError, NotEnoughData
from contactcenter.analytics.fitting import maximize
from contactcenter.analytics.gamma_gamma import fit_gamma_gamma
from contactcenter.analytics.value import lifetime_value

Floats = npt.NDArray[np.float64]
TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


def simulate_bgnbd(rng: np.random.Generator, T: Floats, r: float, alpha: float, a: float,
                   b: float) -> tuple[Floats, Floats]:
    """(x, t_x) of customers observed for T after a first purchase, by the BG/NBD's story:
    Poisson purchases at a gamma(r, alpha) rate, and after each repeat purchase a
    beta(a, b) chance of dropping out for good."""
    rate = rng.gamma(r, 1 / alpha, len(T))
    dropout = rng.beta(a, b, len(T))
    before_dropout = rng.geometric(dropout)  # the repeat purchase after which one leaves
    arrivals = rng.poisson(rate * T)
    x = np.minimum(arrivals, before_dropout)
    # the x-th of n Poisson arrivals in [0, T] is T times the x-th of n uniforms
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0)
    return x.astype(np.float64), t_x


def _standard_errors(fit: BgNbdParameters, x: Floats, t_x: Floats, T: Floats) -> Floats:
    """The log parameters' standard errors from the observed information (the Hessian of
    the log-likelihood by central differences)."""
    at = np.log([fit.r, fit.alpha, fit.a, fit.b])

    def total(log_params: Floats) -> float:
        return float(bgnbd_module.log_likelihood(np.exp(log_params), x, t_x, T).sum())

    step, hessian = 1e-3, np.zeros((4, 4))
    for i, j in np.ndindex(4, 4):
        di, dj = np.eye(4)[i] * step, np.eye(4)[j] * step
        hessian[i, j] = (total(at + di + dj) - total(at + di - dj) - total(at - di + dj)
                         + total(at - di - dj)) / (4 * step * step)
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


def test_the_fit_recovers_the_parameters_customers_were_drawn_with() -> None:
    """10,000 customers: each parameter within 4 of its standard errors, which at this
    size are a few percent (on the log scale)."""
    rng = np.random.default_rng(20050101)
    T = rng.uniform(20, 60, 10_000).round(1)
    x, t_x = simulate_bgnbd(rng, T, **TRUTH)
    fit = fit_bgnbd(x, t_x, T)
    errors = _standard_errors(fit, x, t_x, T)
    assert (errors < 0.15).all(), errors
    estimate = np.log([fit.r, fit.alpha, fit.a, fit.b])
    assert (np.abs(estimate - np.log(list(TRUTH.values()))) < 4 * errors).all(), fit


def test_p_alive_ranks_planted_churners_below_active_customers() -> None:
    """Among customers drawn from the model, 200 bought weekly for 10 weeks and then
    stopped, 200 bought weekly to the end: every churner ranks below every active one."""
    rng = np.random.default_rng(7)
    T = np.full(2_400, 39.0)
    x, t_x = simulate_bgnbd(rng, T[:2_000], **TRUTH)
    churned_x = rng.poisson(1.0 * 10, 200).clip(1)
    active_x = rng.poisson(1.0 * 39, 200).clip(1)
    churned_t = 10 * rng.beta(churned_x, 1.0)  # the last of x uniform purchases in 10 weeks
    active_t = 39 * rng.beta(active_x, 1.0)
    x = np.concatenate([x, churned_x, active_x]).astype(np.float64)
    t_x = np.concatenate([t_x, churned_t, active_t])
    model = fit_bgnbd(x, t_x, T)
    alive = model.p_alive(x, t_x, T)
    churners, actives = alive[2_000:2_200], alive[2_200:]
    assert churners.max() < actives.min()
    assert churners.mean() < 0.1
    assert actives.mean() > 0.9


def test_expected_purchases_grow_with_the_horizon_and_stay_finite_for_big_buyers() -> None:
    model = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0,
                            customers=0, repeat_buyers=0)
    x = np.array([0, 2, 50, 1_000, 5_000], dtype=np.float64)
    t_x = np.array([0, 30, 38, 38.5, 38.8])
    T = np.full(5, 38.86)
    horizons = [model.expected_purchases(t, x, t_x, T) for t in (1, 13, 39, 520)]
    assert all(np.isfinite(h).all() for h in horizons)
    assert all((later > earlier).all() for earlier, later in pairwise(horizons))
    # over one week, a customer of 5,000 purchases buys at the posterior mean rate
    # (r + x) / (alpha + T) if alive, less the few who drop out within the week
    week = model.p_alive(x, t_x, T)[-1] * (0.243 + 5_000) / (4.414 + 38.86)
    assert 0.95 * week < horizons[0][-1] < week


def test_the_gamma_gamma_recovers_a_known_spend_mix() -> None:
    """Spend p / nu per purchase, nu gamma(q, gamma) across customers."""
    rng = np.random.default_rng(11)
    p, q, gamma = 6.0, 4.0, 15.0
    x = rng.integers(1, 12, 5_000).astype(np.float64)
    nu = rng.gamma(q, 1 / gamma, len(x))
    mean_spend = rng.gamma(p * x, 1 / (nu * x))  # the mean of x gamma(p, nu) amounts
    fit = fit_gamma_gamma(x, mean_spend)
    assert fit.customers == 5_000
    assert fit.p == pytest.approx(p, rel=0.1)
    assert fit.q == pytest.approx(q, rel=0.1)
    assert fit.gamma == pytest.approx(gamma, rel=0.15)
    assert fit.mean_spend == pytest.approx(p * gamma / (q - 1), rel=0.05)


def test_the_lifetime_value_is_purchases_times_spend_discounted_by_month() -> None:
    model = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0,
                            customers=0, repeat_buyers=0)
    x, t_x, T = np.array([2.0]), np.array([30.43]), np.array([38.86])
    spend = np.array([25.0])
    flat = lifetime_value(model, spend, x, t_x, T, horizon=52, unit="weeks", discount=0.0)
    assert flat == pytest.approx(25.0 * model.expected_purchases(52, x, t_x, T))
    month = 365.25 / 12 / 7  # in weeks
    by_hand = sum(25.0 * (model.expected_purchases(min(i * month, 52), x, t_x, T)
                          - model.expected_purchases((i - 1) * month, x, t_x, T)) / 1.02 ** i
                  for i in range(1, 13))
    assert lifetime_value(model, spend, x, t_x, T, horizon=52, unit="weeks",
                          discount=0.02) == pytest.approx(by_hand)
    # the same customer and model in days (alpha, a time, scales with the unit)
    in_days = BgNbdParameters(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, log_likelihood=0.0,
                              customers=0, repeat_buyers=0)
    assert lifetime_value(in_days, spend, x, t_x * 7, T * 7, horizon=364, unit="days",
                          discount=0.02) == pytest.approx(by_hand)


def test_too_few_repeat_buyers_are_said_plainly() -> None:
    x = np.array([0, 0, 1, 2, 3, 0], dtype=np.float64)
    t_x = np.array([0, 0, 3, 5, 8, 0], dtype=np.float64)
    T = np.full(6, 10.0)
    with pytest.raises(NotEnoughData, match=r"^BG/NBD needs repeat purchases from at least "
                                            r"40 customers; found 3$"):
        fit_bgnbd(x, t_x, T)
    with pytest.raises(NotEnoughData, match=r"^Gamma-Gamma needs repeat purchases from at "
                                            r"least 30 customers; found 3$"):
        fit_gamma_gamma(x, np.array([0, 0, 5, 6, 7, 0.0]))


def test_a_history_where_nobody_stops_buying_has_no_fit() -> None:
    """Every customer bought right up to the end: nothing tells when customers leave."""
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 200).astype(np.float64)
    T = np.full(200, 30.0)
    with pytest.raises(FitError, match=r"^BG/NBD: the likelihood has no maximum: \w+ ran off"):
        fit_bgnbd(x, T, T)


def test_repeat_buyers_who_spent_nothing_are_refused_by_the_spend_model() -> None:
    x = np.ones(40)
    spend = np.full(40, 10.0)
    spend[[3, 7]] = 0.0
    with pytest.raises(AnalyticsError, match="2 spent nothing on their repeat purchases"):
        fit_gamma_gamma(x, spend)


def test_an_optimizer_that_does_not_converge_is_an_error_with_its_reason() -> None:
    def upside_down(v: Floats) -> tuple[float, Floats]:  # its gradient points uphill
        return float(((v - 3) ** 2).sum()), -2 * (v - 3)

    with pytest.raises(FitError, match=r"^demo: the optimizer did not converge from any of "
                                       r"2 starting points: ABNORMAL"):
        maximize(upside_down, [(1.0, 1.0), (2.0, 2.0)], ("u", "v"), "demo")
    with pytest.raises(FitError, match="the log-likelihood is not a finite number"):
        maximize(lambda v: (float("nan"), np.zeros(2)), [(1.0, 1.0)], ("u", "v"), "demo")
