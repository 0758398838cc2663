"""Lifetime value and churn scores for every customer, from the CRM's own orders
(docs/analytics-churn.md).

Theory of operation, one run in five timed phases:

1. ``aggregate``: the database does the counting. One grouped select gives each
   customer's BG/NBD summary as of ``as_of`` and as of the cut-off ``window_days``
   before it, whether they bought after the cut-off, and their orders and spend
   (``score_summary``); one more select counts their calls and cases at both days
   (``score_features``). Python
   gets numpy arrays of one row per customer, never an order.
2. ``fit_clv``: BG/NBD and Gamma-Gamma fitted; expected purchases, P(alive) and the
   discounted value over ``horizon_days`` for everyone.
3. ``churn_model``: the attrition classifier learnt at the cut-off and judged on held-out
   customers beside P(alive) at the cut-off; everyone scored from today's features.
4. ``survival``: the Weibull time until attrition, checked against Kaplan-Meier.
5. ``write``: ``contact_scores`` replaced whole and the run added to ``score_runs``,
   in one transaction (``score_store``).

Phases 2 to 4 run in a thread: on a large CRM each takes seconds that the calls' event
loop must not wait out. Too little data for any model raises ``NotEnoughData`` (its
text says what was needed and found) and stores nothing: the previous run stays.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.crm_features import FEATURES
from contactcenter.analytics.shortage import BadInput
from contactcenter.analytics.value import Scores
from crm_core import score_models
from crm_core.score_features import read_features
from crm_core.score_store import ScoreColumns, plain, record_timings, replace_scores
from crm_core.score_summary import CrmSummary, read_summary

Floats = npt.NDArray[np.float64]
PHASES = ("aggregate", "fit_clv", "churn_model", "survival", "write")
#: a customer with no counted order for this long has lapsed (the attrition label)
WINDOW_DAYS = 90
#: the monthly discount rate of the lifetime value, as ``contactcenter analytics clv``
DISCOUNT = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreRun:
    """What one recompute stored: counts, the fitted parameters, the held-out AUCs, and
    seconds per phase (``PHASES``)."""

    run_id: int
    as_of: dt.date
    computed_at: dt.datetime
    horizon_days: int
    window_days: int
    customers: int
    repeat_buyers: int
    parameters: dict[str, Any]
    #: the attrition model's held-out AUC, and P(alive)'s on the same customers
    auc: float
    p_alive_auc: float | None
    figures: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "as_of": self.as_of.isoformat(),
                "computed_at": self.computed_at.isoformat(),
                "horizon_days": self.horizon_days, "window_days": self.window_days,
                "customers": self.customers, "repeat_buyers": self.repeat_buyers,
                "parameters": plain(self.parameters), "auc": self.auc,
                "p_alive_auc": self.p_alive_auc, "figures": plain(self.figures),
                "timings": self.timings}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoreRun:
        """The run back from ``as_json`` (as a child process prints it)."""
        return cls(run_id=int(data["run_id"]), as_of=dt.date.fromisoformat(data["as_of"]),
                   computed_at=dt.datetime.fromisoformat(data["computed_at"]),
                   horizon_days=int(data["horizon_days"]),
                   window_days=int(data["window_days"]), customers=int(data["customers"]),
                   repeat_buyers=int(data["repeat_buyers"]), parameters=data["parameters"],
                   auc=float(data["auc"]), p_alive_auc=data["p_alive_auc"],
                   figures=data["figures"], timings=data["timings"])


def _check(horizon_days: int, window_days: int) -> None:
    if not 1 <= horizon_days <= 3650:
        raise BadInput(f"horizon_days: expected 1 to 3650 days, got {horizon_days}",
                       field="horizon_days")
    if not 7 <= window_days <= 730:
        raise BadInput(f"window_days: expected 7 to 730 days, got {window_days}",
                       field="window_days")


async def _aggregate(engine: AsyncEngine, as_of: dt.date,
                     cut: dt.date) -> tuple[CrmSummary, Floats, Floats]:
    async with engine.connect() as connection:
        summary = await read_summary(connection, as_of, cut)
        at_cut, today = await read_features(connection, summary, as_of, cut)
    return summary, at_cut, today


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = round(now - self._last, 3)
        self._last = now


def _parameters(value: Scores, churn: score_models.ChurnResult,
                lasting: score_models.SurvivalResult, discount: float) -> dict[str, Any]:
    """The fitted models' parameters, as ``score_runs`` keeps them."""
    return {
        "bgnbd": {"r": value.bgnbd.r, "alpha": value.bgnbd.alpha, "a": value.bgnbd.a,
                  "b": value.bgnbd.b, "log_likelihood": value.bgnbd.log_likelihood},
        "gamma_gamma": {"p": value.gamma_gamma.p, "q": value.gamma_gamma.q,
                        "gamma": value.gamma_gamma.gamma},
        "bgnbd_at_cut": churn.cut_parameters,
        "survival": score_models.survival_parameters(lasting.model),
        "discount": discount}


def _scores(value: Scores, churn: score_models.ChurnResult,
            lasting: score_models.SurvivalResult) -> dict[str, Floats]:
    return {"expected_purchases": value.expected_purchases, "p_alive": value.p_alive,
            "clv": value.clv, "churn_probability": churn.churn_probability,
            "median_days_to_churn": lasting.median_days}


async def recompute_scores(engine: AsyncEngine, *, as_of: dt.date | None = None,
                           horizon_days: int = 365, window_days: int = WINDOW_DAYS,
                           discount: float = DISCOUNT, now: dt.datetime | None = None,
                           seed: int = 0) -> ScoreRun:
    """Score every customer as of ``as_of`` (default: today, UTC) and store the scores.

    NotEnoughData (too few customers, repeat buyers or attritions), FitError, or
    BadInput (a horizon or window out of range) store nothing.
    """
    _check(horizon_days, window_days)
    computed_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    day = as_of or computed_at.date()
    clock = _Clock()
    summary, cut_features, features = await _aggregate(
        engine, day, day - dt.timedelta(days=window_days))
    clock.lap("aggregate")
    value = await asyncio.to_thread(score_models.clv_phase, summary,
                                    end=np.datetime64(day, "D"), horizon=horizon_days,
                                    discount=discount, seed=seed)
    clock.lap("fit_clv")
    churn = await asyncio.to_thread(score_models.churn_phase, summary, cut_features,
                                    features, names=FEATURES, seed=seed)
    clock.lap("churn_model")
    lasting = await asyncio.to_thread(score_models.survival_phase, summary, features,
                                      FEATURES, window=window_days, seed=seed)
    clock.lap("survival")
    parameters = _parameters(value, churn, lasting, discount)
    figures = {"churn_model": churn.fit.figures(), "survival": lasting.figures}
    columns = ScoreColumns(contact_ids=summary.contact_ids, **_scores(value, churn, lasting))
    run_id = await replace_scores(engine, columns, as_of=day, computed_at=computed_at, run={
        "horizon_days": horizon_days, "window_days": window_days,
        "customers": len(summary), "parameters": parameters,
        "figures": {**figures, "auc": churn.fit.auc, "p_alive_auc": churn.fit.p_alive_auc,
                    "timings": clock.timings}})
    clock.lap("write")
    await record_timings(engine, run_id, clock.timings)
    return ScoreRun(run_id=run_id, as_of=day, computed_at=computed_at,
                    horizon_days=horizon_days, window_days=window_days,
                    customers=len(summary), repeat_buyers=value.bgnbd.repeat_buyers,
                    parameters=parameters, auc=churn.fit.auc,
                    p_alive_auc=churn.fit.p_alive_auc, figures=figures,
                    timings=clock.timings)
