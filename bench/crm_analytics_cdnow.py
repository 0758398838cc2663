"""The CDNOW fit time: BG/NBD and Gamma-Gamma on the published summary of Fader, Hardie
and Lee (2005), as the ``lifetimes`` wheel ships it (a test dependency), median of runs.

The same data and loading as tests/unit/test_analytics_cdnow.py. Timed twice: with
OpenBLAS's threads as numpy starts them (one per core), and limited to one; on a busy
2-core machine the threads waiting for each other cost more than the fit itself.
"""

from __future__ import annotations

import csv
import importlib.util
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from contactcenter.analytics.bgnbd import fit_bgnbd
from contactcenter.analytics.gamma_gamma import fit_gamma_gamma


def _summary() -> dict[str, np.ndarray]:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the CDNOW data comes with lifetimes, a test extra: pip install it")
    data = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    with (data / "cdnow_customers_summary_with_transactions.csv").open() as file:
        rows = list(csv.DictReader(file))
    return {name: np.array([float(row[name]) for row in rows])
            for name in ("x", "t_x", "T", "zbar")}


def _times(fit: Any, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fit()
        seconds.append(time.perf_counter() - started)
    return seconds


def cdnow_fit_times(runs: int = 30) -> dict[str, Any]:
    """Median and fastest of ``runs`` fits of each model, in milliseconds, with BLAS as it
    comes (a thread per core) and limited to one thread."""
    found = _fit_times(runs)
    with threadpool_limits(limits=1, user_api="blas"):
        one = _fit_times(runs)
    return {**found, "one_blas_thread": one}


def _fit_times(runs: int) -> dict[str, Any]:
    s = _summary()
    bgnbd = _times(lambda: fit_bgnbd(s["x"], s["t_x"], s["T"]), runs)
    spend = _times(lambda: fit_gamma_gamma(s["x"], s["zbar"]), runs)
    fitted = fit_bgnbd(s["x"], s["t_x"], s["T"])
    return {"runs": runs, "customers": len(s["x"]),
            "bgnbd_median_ms": 1000 * statistics.median(bgnbd), "bgnbd_min_ms": 1000 * min(bgnbd),
            "gamma_gamma_median_ms": 1000 * statistics.median(spend),
            "gamma_gamma_min_ms": 1000 * min(spend),
            "r_alpha_a_b": [round(fitted.r, 4), round(fitted.alpha, 4), round(fitted.a, 4),
                            round(fitted.b, 4)]}
