"""The models of a scores run, on arrays only (no database): each phase is one function
``crm_core.scores`` runs in a thread, since each takes seconds on a large CRM.

- ``clv_phase``: BG/NBD and Gamma-Gamma fitted on today's summary (on a random
  ``FIT_SAMPLE`` of it past that size), then every customer's expected purchases over
  the horizon, P(alive), and discounted lifetime value (``value.lifetime_value``).
- ``churn_phase``: the attrition classifier (``churn``) learnt at the cut-off, judged on
  held-out customers beside the BG/NBD's P(alive) fitted at the same cut-off, then applied
  to today's features.
- ``survival_phase``: time until attrition. A customer is declared lapsed once
  ``window`` days pass without an order, so attrition happens ``t_x + window`` days after
  the first order, seen for those whose last order is ``window`` or more days old and
  censored at their age T for the others. A Weibull AFT on covariates that do not encode
  that time (mean order, calls, cases: recency, frequency and tenure would be the
  duration itself) is fitted and checked against the Kaplan-Meier estimate; each
  customer still active gets the median time from today to their lapse, given it comes
  no sooner than ``window`` days after their last order; a lapsed one 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.bgnbd import fit_bgnbd
from contactcenter.analytics.churn import AttritionFit, fit_attrition
from contactcenter.analytics.errors import NotEnoughData
from contactcenter.analytics.gamma_gamma import fit_gamma_gamma
from contactcenter.analytics.shortage import TooLittleData
from contactcenter.analytics.summary import Summary
from contactcenter.analytics.survival import WeibullAft, fit_weibull_aft, kaplan_meier
from contactcenter.analytics.value import Scores, lifetime_value
from crm_core.score_summary import CrmSummary

Floats = npt.NDArray[np.float64]
#: the summary's figures added to the CRM's features for the attrition model
SUMMARY_FEATURES = ("repeat_days", "t_x", "age_days", "repeat_spend")
#: the survival model's covariates, from the CRM's features
SURVIVAL_COVARIATES = ("mean_order", "calls", "cases")
#: customers the value models are fitted on, at most (``fit_rows``)
FIT_SAMPLE = 100_000
#: customers whose median Weibull survival is compared with Kaplan-Meier's
CHECK_SAMPLE = 20_000


def fit_rows(n: int, seed: int) -> npt.NDArray[np.intp]:
    """The customers the models are fitted on: all of them up to ``FIT_SAMPLE``, else that
    many drawn at random (the estimates of a random sample are those of the whole, with
    standard errors already far below the models' own error)."""
    if n <= FIT_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))


def clv_phase(summary: CrmSummary, *, end: np.datetime64, horizon: float,
              discount: float, seed: int = 0) -> Scores:
    """Both value models fitted and every customer scored (NotEnoughData, FitError)."""
    s = summary
    rows = fit_rows(len(s), seed)
    purchases = fit_bgnbd(s.x[rows], s.t_x[rows], s.T[rows])
    # the spend model's amounts are positive: a repeat buyer whose repeat orders total
    # nothing (free orders, refunds booked as 0) is left out of its fit, and still scored
    paying = rows[s.monetary[rows] > 0]
    spend = fit_gamma_gamma(s.x[paying], s.monetary[paying])
    whole = Summary(customers=s.contact_ids, x=s.x.astype(np.int64), t_x=s.t_x, T=s.T,
                    monetary=s.monetary, unit="days", end=end)
    expected_spend = spend.expected_spend(s.x, s.monetary)
    return Scores(
        summary=whole, bgnbd=purchases, gamma_gamma=spend, horizon=horizon,
        discount=discount, expected_purchases=purchases.expected_purchases(
            horizon, s.x, s.t_x, s.T), p_alive=purchases.p_alive(s.x, s.t_x, s.T),
        expected_spend=expected_spend,
        clv=lifetime_value(purchases, expected_spend, s.x, s.t_x, s.T, horizon=horizon,
                           unit="days", discount=discount))


def attrition_table(features: Floats, x: Floats, t_x: Floats, T: Floats,
                    monetary: Floats) -> Floats:
    """The CRM's features beside the summary's, one row per customer."""
    return np.column_stack([features, x, t_x, T, monetary])


@dataclass(frozen=True, slots=True)
class ChurnResult:
    fit: AttritionFit
    churn_probability: Floats
    cut_parameters: dict[str, float]


def churn_phase(summary: CrmSummary, cut_features: Floats, today_features: Floats, *,
                names: tuple[str, ...], seed: int = 0) -> ChurnResult:
    """Learn at the cut-off, judge on held-out customers, score today's."""
    s, at = summary, summary.at_cut
    x, t_x, T = s.x_cut[at], s.t_x_cut[at], s.T_cut[at]
    rows = fit_rows(len(x), seed)
    table = attrition_table(cut_features, x, t_x, T, s.monetary_cut[at])
    try:
        at_cut = fit_bgnbd(x[rows], t_x[rows], T[rows])
        fit = fit_attrition(table, s.churned[at], names=(*names, *SUMMARY_FEATURES),
                            p_alive=at_cut.p_alive(x, t_x, T), seed=seed)
    except TooLittleData as exc:
        raise TooLittleData(f"at the cut-off, one window before as_of: {exc}",
                            field=exc.field) from exc
    except NotEnoughData as exc:
        raise NotEnoughData(f"at the cut-off, one window before as_of: {exc}") from exc
    today = attrition_table(today_features, s.x, s.t_x, s.T, s.monetary)
    return ChurnResult(fit, fit.churn_probability(today),
                       {"r": at_cut.r, "alpha": at_cut.alpha, "a": at_cut.a, "b": at_cut.b})


def attrition_times(summary: CrmSummary, window: float) -> tuple[Floats, npt.NDArray[
        np.bool_]]:
    """Days from the first order to attrition, and whether it was seen."""
    lapsed = summary.T - summary.t_x >= window
    return np.where(lapsed, summary.t_x + window, summary.T), lapsed


def covariates(features: Floats, names: tuple[str, ...]) -> Floats:
    """log(1 + value) of ``SURVIVAL_COVARIATES``: counts and amounts are skewed."""
    columns = [names.index(name) for name in SURVIVAL_COVARIATES]
    return np.log1p(np.maximum(features[:, columns], 0.0))


@dataclass(frozen=True, slots=True)
class SurvivalResult:
    model: WeibullAft
    median_days: Floats
    figures: dict[str, Any]


def _model_median(model: WeibullAft, x: Floats) -> float:
    """The t where the mean of S(t | x) over ``x`` is 1/2, by bisection on log t."""
    low, high = -5.0, 15.0
    for _ in range(60):
        middle = (low + high) / 2
        if model.survival(np.exp(middle), x).mean() > 0.5:
            low = middle
        else:
            high = middle
    return float(np.exp((low + high) / 2))


def survival_phase(summary: CrmSummary, features: Floats, names: tuple[str, ...], *,
                   window: float, seed: int = 0) -> SurvivalResult:
    """Fit on customers older than a day; score everyone; check against Kaplan-Meier."""
    durations, lapsed = attrition_times(summary, window)
    x = covariates(features, names)
    fitted = durations > 0
    model = fit_weibull_aft(durations[fitted], lapsed[fitted], x[fitted])
    # nobody lapses sooner than ``window`` days after their last order: the time left is
    # the median lapse given it comes after that day, counted from today
    known = summary.t_x + window
    left = model.median_remaining(known, x) + (known - summary.T)
    median = np.where(lapsed, 0.0, left)
    estimate = kaplan_meier(durations[fitted], lapsed[fitted])
    rows = np.flatnonzero(fitted)
    if len(rows) > CHECK_SAMPLE:
        rows = np.random.default_rng(seed).choice(rows, CHECK_SAMPLE, replace=False)
    figures = {"km_median_days": estimate.median(),
               "weibull_median_days": _model_median(model, x[rows]),
               "lapsed": int(lapsed.sum()), "active": int((~lapsed).sum())}
    return SurvivalResult(model, median, figures)


def survival_parameters(model: WeibullAft) -> dict[str, Any]:
    return {"intercept": model.intercept, "shape": model.shape,
            "coefficients": dict(zip(SURVIVAL_COVARIATES, model.coefficients.tolist(),
                                     strict=True)),
            "log_likelihood": model.log_likelihood, "events": model.events}
