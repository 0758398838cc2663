"""Time until attrition: the Weibull AFT recovers planted parameters, agrees with
Kaplan-Meier, and says when the data are too few."""

from __future__ import annotations

import numpy as np
import pytest

from contactcenter.analytics.churn_planted import planted_weibull
from contactcenter.analytics.shortage import BadInput, TooLittleData
from contactcenter.analytics.survival import fit_weibull_aft, kaplan_meier


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fit_recovers_planted_weibull_parameters(seed: int) -> None:
    planted = planted_weibull(5000, seed=seed)
    model = fit_weibull_aft(planted.durations, planted.events, planted.covariates)
    # about 2/3 of the ends are seen: standard errors near 0.02 on each figure
    assert model.intercept == pytest.approx(planted.intercept, abs=0.08)
    assert model.coefficients == pytest.approx(planted.coefficients, abs=0.06)
    assert model.shape == pytest.approx(planted.shape, rel=0.06)
    assert model.events == int(planted.events.sum())


def test_covariates_on_any_scale_give_the_same_model() -> None:
    planted = planted_weibull(3000, seed=2)
    base = fit_weibull_aft(planted.durations, planted.events, planted.covariates)
    scaled = fit_weibull_aft(planted.durations, planted.events,
                             planted.covariates * [1000.0, 0.01] + 50.0)
    t = np.array([20.0, 150.0, 600.0])
    assert scaled.survival(t, planted.covariates[:3] * [1000.0, 0.01] + 50.0) == \
        pytest.approx(base.survival(t, planted.covariates[:3]), abs=1e-5)


def test_the_model_agrees_with_kaplan_meier() -> None:
    planted = planted_weibull(5000, seed=3)
    model = fit_weibull_aft(planted.durations, planted.events, planted.covariates)
    estimate = kaplan_meier(planted.durations, planted.events)
    for t in (25.0, 75.0, 150.0, 300.0, 600.0):
        assert model.survival(t, planted.covariates).mean() == pytest.approx(
            float(estimate.at(t)[()]), abs=0.025)


def test_kaplan_meier_by_hand() -> None:
    # ends at 2, 3 (two), 5; censored at 3 and 4: at risk 6, 5, 2
    estimate = kaplan_meier([2, 3, 3, 3, 4, 5], [1, 1, 1, 0, 0, 1])
    assert estimate.times.tolist() == [2.0, 3.0, 5.0]
    expected = [5 / 6, 5 / 6 * 3 / 5, 0.0]
    assert estimate.survival.tolist() == pytest.approx(expected)
    assert estimate.at([1.0, 2.0, 4.0]).tolist() == pytest.approx([1.0, 5 / 6, 0.5])
    assert estimate.median() == 3.0


def test_the_median_left_halves_the_chance_of_lasting() -> None:
    planted = planted_weibull(3000, seed=4)
    model = fit_weibull_aft(planted.durations, planted.events, planted.covariates)
    x, age = planted.covariates[:5], np.array([0.0, 10.0, 100.0, 400.0, 900.0])
    left = model.median_remaining(age, x)
    assert (left > 0).all()
    assert model.survival(age + left, x) / model.survival(age, x) == pytest.approx(0.5)


def test_too_few_attritions_say_how_many_are_needed() -> None:
    planted = planted_weibull(200, seed=5)
    events = planted.events.copy()
    events[np.flatnonzero(events)[30:]] = False
    with pytest.raises(TooLittleData, match="at least 40 observed attritions for 4 "
                                            "parameters; found 30") as caught:
        fit_weibull_aft(planted.durations, events, planted.covariates)
    assert caught.value.field == "events"


def test_bad_durations_name_the_field() -> None:
    with pytest.raises(BadInput) as caught:
        fit_weibull_aft([1.0, 0.0, 3.0], [True, True, False])
    assert caught.value.field == "durations"
