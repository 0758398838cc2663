"""Time until attrition: a Weibull accelerated-failure-time model with right censoring,
fitted by maximum likelihood on scipy, and the Kaplan-Meier estimate to check it.

Why not ``lifelines``: it pins pandas below 3, which the project has moved past; the
model needed here is one likelihood of a dozen lines.

The model (Kalbfleisch and Prentice 2002, "The statistical analysis of failure time
data", 2nd ed., section 2.3.4): log T = x'beta + sigma W, W the standard (minimum)
extreme-value law, so that S(t | x) = exp(-(t / lambda)^k) with scale lambda = exp(x'beta)
and shape k = 1 / sigma. A customer observed to leave at t adds log f(t | x); one still
there at t (censored) adds log S(t | x). With z = k (log t - x'beta) both are short:
log f = log k - log t + z - e^z and log S = -e^z, and so is the gradient. The
covariates are standardised inside the fit (the optimizer's steps then mean the same
for days and for euros) and the coefficients given back on the caller's scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from contactcenter.analytics.errors import FitError
from contactcenter.analytics.shortage import BadInput, TooLittleData

Floats = npt.NDArray[np.float64]
#: ten events per parameter, the rule of thumb of Peduzzi et al. (1996)
EVENTS_PER_PARAMETER = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class WeibullAft:
    """A fitted Weibull AFT: ``intercept`` and ``coefficients`` of log scale, ``shape`` k."""

    intercept: float
    coefficients: Floats
    shape: float
    log_likelihood: float
    subjects: int
    events: int

    def scale(self, covariates: npt.ArrayLike) -> Floats:
        """lambda = exp(x'beta) per row of ``covariates``."""
        x = _matrix(covariates, len(self.coefficients))
        return np.asarray(np.exp(self.intercept + x @ self.coefficients), dtype=np.float64)

    def survival(self, t: npt.ArrayLike, covariates: npt.ArrayLike) -> Floats:
        """S(t | x): the chance of lasting past ``t``."""
        ratio = np.asarray(t, dtype=np.float64) / self.scale(covariates)
        return np.asarray(np.exp(-ratio ** self.shape), dtype=np.float64)

    def median_remaining(self, age: npt.ArrayLike, covariates: npt.ArrayLike) -> Floats:
        """The median time left for someone still there at ``age``: m with
        S(age + m) = S(age) / 2, that is (age^k + lambda^k ln 2)^(1/k) - age."""
        lam = self.scale(covariates)
        k = self.shape
        a = np.asarray(age, dtype=np.float64)
        # in units of lambda, so that neither power overflows for large ages
        left = lam * ((a / lam) ** k + math.log(2.0)) ** (1.0 / k) - a
        return np.asarray(np.maximum(left, 0.0), dtype=np.float64)


def _matrix(covariates: npt.ArrayLike, columns: int | None = None) -> Floats:
    x = np.asarray(covariates, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1) if columns != 0 else x.reshape(-1, 0)
    if columns is not None and x.shape[1] != columns:
        raise BadInput(f"expected {columns} covariates per row, got {x.shape[1]}",
                       field="covariates")
    return x


def _check(t: Floats, event: npt.NDArray[np.bool_], x: Floats) -> None:
    if len(t) != len(event) or len(t) != len(x):
        raise BadInput(f"durations, events and covariates differ in length: {len(t)}, "
                       f"{len(event)}, {len(x)}", field="durations")
    if not (np.isfinite(t).all() and (t > 0).all()):
        raise BadInput("durations must be positive and finite", field="durations")
    if not np.isfinite(x).all():
        raise BadInput("covariates must be finite", field="covariates")


def _objective(log_t: Floats, event: Floats,
               x: Floats) -> Callable[[Floats], tuple[float, Floats]]:
    """The mean negative log-likelihood and its gradient in (beta, log k)."""
    n = len(log_t)

    def objective(theta: Floats) -> tuple[float, Floats]:
        beta, log_k = theta[:-1], theta[-1]
        k = math.exp(log_k)
        z = np.clip(k * (log_t - x @ beta), -700.0, 700.0)
        ez = np.exp(z)
        value = float(np.sum(event * (log_k - log_t + z) - ez))
        residual = event - ez
        grad_beta = -k * (x.T @ residual)
        grad_k = float(np.sum(event + residual * z))
        return -value / n, -np.append(grad_beta, grad_k) / n

    return objective


def fit_weibull_aft(durations: npt.ArrayLike, events: npt.ArrayLike,
                    covariates: npt.ArrayLike | None = None) -> WeibullAft:
    """The maximum-likelihood Weibull AFT of ``durations`` (positive), ``events`` (True:
    the end was seen; False: still there, censored) on ``covariates`` (one row each).

    TooLittleData below ten observed ends per parameter; FitError when no maximum is found.
    """
    t = np.asarray(durations, dtype=np.float64)
    event = np.asarray(events, dtype=bool)
    x = _matrix(np.zeros((len(t), 0)) if covariates is None else covariates)
    _check(t, event, x)
    parameters = x.shape[1] + 2
    seen = int(event.sum())
    if seen < EVENTS_PER_PARAMETER * parameters:
        raise TooLittleData(f"the survival model needs at least "
                            f"{EVENTS_PER_PARAMETER * parameters} observed attritions for "
                            f"{parameters} parameters; found {seen}", field="events")
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread[spread == 0] = 1.0
    design = np.column_stack([np.ones(len(t)), (x - mean) / spread])
    log_t = np.log(t)
    objective = _objective(log_t, event.astype(np.float64), design)
    start = np.zeros(design.shape[1] + 1)
    start[0] = float(np.log(t.mean()))
    result = minimize(objective, start, jac=True, method="L-BFGS-B",
                      options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000})
    if not (result.success and np.isfinite(result.fun)) or abs(result.x[-1]) > 8:
        raise FitError(f"Weibull AFT: no maximum of the likelihood found: {result.message}")
    beta_std = np.asarray(result.x[1:-1], dtype=np.float64)
    coefficients = beta_std / spread
    return WeibullAft(intercept=float(result.x[0] - coefficients @ mean),
                      coefficients=coefficients, shape=float(np.exp(result.x[-1])),
                      log_likelihood=-float(result.fun) * len(t), subjects=len(t),
                      events=seen)


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """The product-limit estimate: at each ``time`` an end was seen, S just after it."""

    times: Floats
    survival: Floats

    def at(self, t: npt.ArrayLike) -> Floats:
        """S(t): the step function, 1 before the first end."""
        index = np.searchsorted(self.times, np.asarray(t, dtype=np.float64), side="right")
        return np.asarray(np.concatenate([[1.0], self.survival])[index], dtype=np.float64)

    def median(self) -> float:
        """The first time S falls to 1/2 or below; inf when it never does."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if len(below) else math.inf


def kaplan_meier(durations: npt.ArrayLike, events: npt.ArrayLike) -> KaplanMeier:
    """S(t) = prod over end times t_i <= t of (1 - d_i / n_i): d_i ends among the n_i
    still at risk just before t_i (censored at t_i count as at risk, as is usual)."""
    t = np.asarray(durations, dtype=np.float64)
    event = np.asarray(events, dtype=bool)
    times, index = np.unique(t, return_inverse=True)
    ends = np.bincount(index, weights=event, minlength=len(times))
    leaving = np.bincount(index, minlength=len(times))
    at_risk = len(t) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    kept = ends > 0
    factors = 1.0 - ends[kept] / at_risk[kept]
    return KaplanMeier(times[kept], np.cumprod(factors))
