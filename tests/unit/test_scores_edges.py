"""Edges of the scores' models on arrays: the time until attrition says nothing the
definition of lapsing rules out."""

from __future__ import annotations

import numpy as np

from contactcenter.analytics.crm_features import FEATURES
from crm_core.score_models import survival_phase
from crm_core.score_summary import CrmSummary

WINDOW = 90


def _regular_customers(n: int, seed: int) -> CrmSummary:
    """Customers who stay about 300 days and buy until they leave: half have lapsed,
    half are still buying, some of them well past 300 days of age."""
    rng = np.random.default_rng(seed)
    lapsed = np.arange(n) < n // 2
    stay = rng.normal(210.0, 15.0, n)
    since_last = np.where(lapsed, WINDOW + rng.uniform(0, 200, n), rng.uniform(0, 80, n))
    t_x = np.where(lapsed, stay, rng.uniform(200, 300, n))
    T = t_x + since_last
    x = np.floor(t_x / 30.0)
    zero = np.zeros(n)
    return CrmSummary(
        contact_ids=np.arange(1, n + 1, dtype=np.int64), x=x, t_x=t_x, T=T,
        monetary=np.full(n, 20.0), at_cut=np.zeros(n, dtype=bool), x_cut=zero,
        t_x_cut=zero, T_cut=zero, monetary_cut=zero, churned=np.zeros(n, dtype=bool),
        recency=since_last, orders=x + 1, spend=20.0 * (x + 1), recency_cut=zero,
        orders_cut=zero, spend_cut=zero)


def test_no_active_customer_is_said_to_lapse_before_the_window_can_pass() -> None:
    """A customer lapses only once ``window`` days pass without an order: one who ordered
    d days ago lapses in window - d days at the earliest, whatever the model says of
    people their age (here it says about 300 days, and many are older)."""
    summary = _regular_customers(2000, seed=4)
    n = len(summary)
    features = np.column_stack([summary.recency, summary.orders, summary.spend,
                                np.full(n, 20.0), np.zeros(n), np.zeros(n), summary.T])
    assert features.shape[1] == len(FEATURES)
    result = survival_phase(summary, features, FEATURES, window=WINDOW)
    earliest = summary.t_x + WINDOW - summary.T
    active = earliest > 0
    assert active.sum() == n // 2
    assert (result.median_days[active] >= earliest[active]).all(), (
        f"{int((result.median_days[active] < earliest[active]).sum())} active customers "
        f"said to lapse before they can")
    assert (result.median_days[~active] == 0).all()
