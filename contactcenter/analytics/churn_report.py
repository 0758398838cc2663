"""The churn figures of docs/analytics-churn.md: on planted histories and on a CRM.

    python -m contactcenter.analytics.churn_report [--database URL] [--as-of DAY]

First the planted histories (``churn_planted``): P(alive)'s AUC for the planted
dropouts, the attrition model's held-out AUC beside P(alive)'s, and the Weibull fit
against the planted parameters. Then a CRM: ``--database``, or a new SQLite database
seeded with the demo's synthetic company (``--customers``, ``--seed``, ``--today``),
scored by ``crm_core.scores.recompute_scores`` as ``serve`` scores it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

import numpy as np

from contactcenter.analytics.affinity_report import seeded
from contactcenter.analytics.bgnbd import fit_bgnbd
from contactcenter.analytics.churn import auc, fit_attrition
from contactcenter.analytics.churn_planted import planted_history, planted_weibull
from contactcenter.analytics.errors import AnalyticsError
from contactcenter.analytics.summary import summarize
from contactcenter.analytics.survival import fit_weibull_aft, kaplan_meier
from crm_core.db import make_engine
from crm_core.scores import recompute_scores
from crm_core.seed import DEFAULT_CUSTOMERS, DEFAULT_SEED

WINDOW = 90


def planted_figures(seed: int = 1) -> list[str]:
    """The planted histories' figures, one line each."""
    history = planted_history(4000, seed=seed)
    whole = summarize(history.customers, history.days, history.amounts, end=history.end,
                      unit="days")
    model = fit_bgnbd(whole.x, whole.t_x, whole.T)
    left = np.isfinite(history.left_at[whole.customers])
    alive = model.p_alive(whole.x, whole.t_x, whole.T)
    cut = history.end - np.timedelta64(WINDOW, "D")
    early = summarize(history.customers, history.days, history.amounts, end=cut, unit="days")
    churned = ~np.isin(early.customers, np.unique(history.customers[history.days > cut]))
    table = np.column_stack([early.T - early.t_x, early.x, early.t_x, early.T, early.monetary])
    at_cut = fit_bgnbd(early.x, early.t_x, early.T)
    fit = fit_attrition(table, churned, names=("recency", "x", "t_x", "T", "spend"),
                        p_alive=at_cut.p_alive(early.x, early.t_x, early.T))
    planted = planted_weibull(5000, seed=seed)
    weibull = fit_weibull_aft(planted.durations, planted.events, planted.covariates)
    estimate = kaplan_meier(planted.durations, planted.events)
    gap = max(abs(float(weibull.survival(t, planted.covariates).mean())
                  - float(estimate.at(t)[()])) for t in (25.0, 75.0, 150.0, 300.0, 600.0))
    return [
        (f"planted: {len(whole):,} customers, {int(left.sum()):,} dropped out; "
        f"AUC of 1 - P(alive) for them {auc(left, 1 - alive):.3f}"),
        (f"planted: no order in the {WINDOW} days after the cut-off, {fit.churn_rate:.1%}; "
        f"held-out AUC {fit.auc:.3f} (trained {fit.trained:,}, held out {fit.held_out:,}); "
        f"1 - P(alive) at the cut-off {fit.p_alive_auc:.3f}"),
        (f"planted Weibull (5.0, [0.5, -0.3], k 1.5): fitted {weibull.intercept:.3f}, "
        f"{np.round(weibull.coefficients, 3).tolist()}, k {weibull.shape:.3f}; "
        f"largest gap to Kaplan-Meier {gap:.3f}")]


async def crm_figures(url: str, as_of: dt.date | None) -> list[str]:
    engine = make_engine(url)
    try:
        run = await recompute_scores(engine, as_of=as_of)
    finally:
        await engine.dispose()
    churn, survival = run.figures["churn_model"], run.figures["survival"]
    return [
        (f"CRM as of {run.as_of}: {run.customers:,} customers, {run.repeat_buyers:,} repeat "
        f"buyers; BG/NBD {', '.join(f'{k} {v:.3g}' for k, v in run.parameters['bgnbd'].items())}"),
        (f"CRM: no order in {run.window_days} days, {churn['churn_rate']:.1%}; held-out AUC "
        f"{run.auc:.3f} (held out {churn['held_out']:,}); 1 - P(alive) "
        f"{run.p_alive_auc if run.p_alive_auc is None else round(run.p_alive_auc, 3)}"),
        (f"CRM survival: median days Kaplan-Meier {survival['km_median_days']}, Weibull "
        f"{survival['weibull_median_days']:.1f}; seconds {run.timings}")]


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m contactcenter.analytics.churn_report",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a CRM database URL (default: a seeded SQLite)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    return parser.parse_args(argv)


async def _crm(options: argparse.Namespace) -> list[str]:
    if options.database:
        return await crm_figures(options.database, options.as_of)
    with tempfile.TemporaryDirectory() as folder:
        url = await seeded(Path(folder), customers=options.customers, seed=options.seed,
                           today=options.today)
        return await crm_figures(url, options.as_of or options.today)


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    print("\n".join(planted_figures()))
    try:
        print("\n".join(asyncio.run(_crm(options))))
    except AnalyticsError as exc:
        print(f"churn report: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
