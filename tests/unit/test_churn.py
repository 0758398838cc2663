"""Churn on planted histories: P(alive) ranks the planted churners first, and the
attrition model's held-out AUC beats chance and P(alive) on the label it learns."""

from __future__ import annotations

import numpy as np
import pytest

from contactcenter.analytics.bgnbd import fit_bgnbd
from contactcenter.analytics.churn import MIN_EACH, auc, fit_attrition, split
from contactcenter.analytics.churn_planted import PlantedHistory, planted_history
from contactcenter.analytics.shortage import BadInput, TooLittleData
from contactcenter.analytics.summary import Summary, summarize

NAMES = ("recency", "repeat_days", "t_x", "age", "spend")
WINDOW = 90


def _table(summary: Summary) -> np.ndarray:
    return np.column_stack([summary.T - summary.t_x, summary.x, summary.t_x, summary.T,
                            summary.monetary])


def _at_cut(history: PlantedHistory) -> tuple[Summary, np.ndarray]:
    """The summary WINDOW days before the end, and who bought nothing after it."""
    cut = history.end - np.timedelta64(WINDOW, "D")
    summary = summarize(history.customers, history.days, history.amounts, end=cut,
                        unit="days")
    after = np.unique(history.customers[history.days > cut])
    return summary, ~np.isin(summary.customers, after)


@pytest.mark.parametrize("seed", [1, 2])
def test_p_alive_ranks_the_planted_churners_first(seed: int) -> None:
    history = planted_history(4000, seed=seed)
    summary = summarize(history.customers, history.days, history.amounts, end=history.end,
                        unit="days")
    model = fit_bgnbd(summary.x, summary.t_x, summary.T)
    left = np.isfinite(history.left_at[summary.customers])
    # the planted dropouts are known: P(alive) orders them at about 0.93
    assert (auc(left, 1 - model.p_alive(summary.x, summary.t_x, summary.T)) or 0) > 0.85
    # and the fit finds the planted mixes (r 0.6, alpha 25, a 1, b 4) roughly
    assert model.r == pytest.approx(0.6, rel=0.2) and model.alpha == pytest.approx(25, rel=0.2)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_attrition_model_beats_chance_on_held_out_customers(seed: int) -> None:
    summary, churned = _at_cut(planted_history(4000, seed=seed))
    alive = fit_bgnbd(summary.x, summary.t_x, summary.T).p_alive(summary.x, summary.t_x,
                                                                 summary.T)
    fit = fit_attrition(_table(summary), churned, names=NAMES, p_alive=alive)
    # measured 0.83 against P(alive)'s 0.70 on seed 1; chance is 0.5
    assert fit.auc > 0.75
    assert fit.p_alive_auc is not None and fit.auc > fit.p_alive_auc
    assert fit.trained + fit.held_out == len(summary)
    probability = fit.churn_probability(_table(summary))
    assert ((probability >= 0) & (probability <= 1)).all()
    assert probability[churned].mean() > probability[~churned].mean() + 0.2


def test_features_that_say_nothing_give_chance() -> None:
    rng = np.random.default_rng(7)
    noise = rng.normal(size=(3000, 3))
    fit = fit_attrition(noise, rng.random(3000) < 0.4, names=("a", "b", "c"))
    assert 0.4 < fit.auc < 0.6


def test_the_held_out_customers_are_never_fitted() -> None:
    fit_rows, test_rows = split(1000, 0.25, seed=3)
    assert len(test_rows) == 250 and not set(fit_rows) & set(test_rows)
    assert np.array_equal(split(1000, 0.25, seed=3)[1], test_rows)


def test_too_few_churners_say_how_many_are_needed() -> None:
    churned = np.zeros(500, dtype=bool)
    churned[:12] = True
    with pytest.raises(TooLittleData, match=f"at least {MIN_EACH} customers who left and "
                                            f"{MIN_EACH} who stayed; found 12 who left"):
        fit_attrition(np.ones((500, 2)), churned, names=("a", "b"))


def test_a_table_that_does_not_match_its_names_is_refused() -> None:
    with pytest.raises(BadInput) as caught:
        fit_attrition(np.ones((500, 2)), np.zeros(500, dtype=bool), names=("a",))
    assert caught.value.field == "features"
