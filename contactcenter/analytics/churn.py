"""Supervised attrition: who will place no order in the next window, learnt from the past.

Theory of operation: the history is cut at a day C, ``window`` days before the end. Each
customer of C (a counted order on or before C) is described by features known at C and
labelled churned when they placed no counted order in the window after C. A classifier is
fitted on part of those customers and judged on the rest (``holdout``), which it never
saw: its AUC there is the figure to trust, and the BG/NBD's 1 - P(alive) at C is judged on
the very same customers, so that the two can be compared. The fitted classifier then
scores the customers of today from their features as of today.

The classifier is scikit-learn's histogram gradient boosting: it takes the features as
they come (days, counts, amounts: no scaling, no logs), finds the thresholds that matter
(a customer silent for longer than they usually wait between orders), and fits a
million rows in seconds. It runs on one thread (``one_thread``). Training uses at most
``MAX_TRAIN`` customers, drawn at random: past that the AUC no longer moves and the fit
time does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from contactcenter.analytics.one_thread import one_thread
from contactcenter.analytics.shortage import BadInput, TooLittleData

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
#: customers on each side (churned, stayed) below which neither the fit nor its AUC
#: means anything: with 25 % held out, a dozen of each to judge it on
MIN_EACH = 50
MAX_TRAIN = 200_000


@dataclass(frozen=True, slots=True, kw_only=True)
class AttritionFit:
    """The fitted classifier and how well it ranks held-out customers."""

    classifier: Any
    names: tuple[str, ...]
    #: held-out AUC of the classifier's P(churn)
    auc: float
    #: held-out AUC of 1 - P(alive) on the same customers; None when not given
    p_alive_auc: float | None
    trained: int
    held_out: int
    churn_rate: float

    def churn_probability(self, features: npt.ArrayLike) -> Floats:
        """P(no counted order in the next window) per row of ``features``."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.names):
            raise BadInput(f"expected {len(self.names)} features per row", field="features")
        with one_thread():
            return np.asarray(self.classifier.predict_proba(x)[:, 1], dtype=np.float64)

    def figures(self) -> dict[str, Any]:
        """The run's figures, as stored and shown."""
        return {"auc": self.auc, "p_alive_auc": self.p_alive_auc, "trained": self.trained,
                "held_out": self.held_out, "churn_rate": self.churn_rate,
                "features": list(self.names)}


def split(n: int, holdout: float, seed: int) -> tuple[npt.NDArray[np.intp],
                                                      npt.NDArray[np.intp]]:
    """Row indices of the fit and of the held-out part, drawn at random."""
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * (1 - holdout))
    return np.sort(order[:cut]), np.sort(order[cut:])


def _check(x: Floats, churned: Bools, names: tuple[str, ...]) -> None:
    if x.ndim != 2 or x.shape[1] != len(names):
        raise BadInput(f"expected a table of {len(names)} features", field="features")
    if len(x) != len(churned):
        raise BadInput(f"features and labels differ in length: {len(x)}, {len(churned)}",
                       field="churned")
    if not np.isfinite(x).all():
        raise BadInput("features must be finite", field="features")
    left, stayed = int(churned.sum()), int((~churned).sum())
    if min(left, stayed) < MIN_EACH:
        raise TooLittleData(f"the attrition model needs at least {MIN_EACH} customers who "
                            f"left and {MIN_EACH} who stayed; found {left} who left and "
                            f"{stayed} who stayed", field="churned")


def auc(churned: Bools, risk: Floats) -> float | None:
    """ROC AUC of ``risk`` for ``churned``; None when one class is absent."""
    if churned.all() or not churned.any():
        return None
    return float(roc_auc_score(churned, risk))


def fit_attrition(features: npt.ArrayLike, churned: npt.ArrayLike, *,
                  names: tuple[str, ...], p_alive: npt.ArrayLike | None = None,
                  holdout: float = 0.25, seed: int = 0,
                  max_train: int = MAX_TRAIN) -> AttritionFit:
    """Fit on ``1 - holdout`` of the customers, judge on the rest.

    TooLittleData below ``MIN_EACH`` churned or staying customers; BadInput for a table
    that does not match ``names`` or holds NaN.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(churned, dtype=bool)
    _check(x, y, names)
    fit_rows, test_rows = split(len(y), holdout, seed)
    if len(fit_rows) > max_train:
        fit_rows = np.sort(np.random.default_rng(seed + 1).choice(fit_rows, max_train,
                                                                   replace=False))
    classifier = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1,
                                                early_stopping=False, random_state=seed)
    with one_thread():
        classifier.fit(x[fit_rows], y[fit_rows])
        risk = np.asarray(classifier.predict_proba(x[test_rows])[:, 1], dtype=np.float64)
    held = y[test_rows]
    model_auc = auc(held, risk)
    if model_auc is None:
        raise TooLittleData("the held-out customers are all on one side; more history is "
                            "needed", field="churned")
    alive_auc = None
    if p_alive is not None:
        alive_auc = auc(held, 1.0 - np.asarray(p_alive, dtype=np.float64)[test_rows])
    return AttritionFit(classifier=classifier, names=names, auc=model_auc,
                        p_alive_auc=alive_auc, trained=len(fit_rows), held_out=len(test_rows),
                        churn_rate=float(y.mean()))
