"""Uplift models on generated campaigns with a planted answer: persuadables (treatment
raises their response) come first, sleeping dogs (treatment lowers it) last, and the
Qini coefficient on held-out contacts is clearly above a random ranking's."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from contactcenter.analytics.planted import PlantedCampaign, planted_band, planted_campaign
from contactcenter.analytics.qini import qini_curve, uplift_at_k
from contactcenter.analytics.shortage import BadInput, TooLittleData
from contactcenter.analytics.uplift import (
    Method,
    UpliftSample,
    check_enough,
    fit_uplift,
    split,
    transformed_class,
)

METHODS: tuple[Method, ...] = ("two_model", "class_transformation")


@cache
def _held_out(method: Method, treated_share: float = 0.5) -> tuple[PlantedCampaign, np.ndarray]:
    """A planted campaign's held-out part (30 %) and the uplift predicted for it by a
    model fitted on the rest."""
    planted = planted_campaign(8000, seed=7, treated_share=treated_share)
    rows = np.arange(len(planted.effect))
    train_rows, test_rows = _split_rows(planted, rows)
    model = fit_uplift(planted.sample.subset(train_rows), method, seed=0)
    test = PlantedCampaign(planted.sample.subset(test_rows), planted.effect[test_rows])
    return test, model.predict(test.sample.features)


def _split_rows(planted: PlantedCampaign, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``split``'s rows, recovered through a feature column that numbers the rows."""
    numbered = UpliftSample(rows[:, None].astype(float), planted.sample.treated,
                            planted.sample.responded)
    train, test = split(numbered, seed=3)
    return train.features[:, 0].astype(np.intp), test.features[:, 0].astype(np.intp)


@pytest.mark.parametrize("method", METHODS)
def test_the_top_decile_by_predicted_uplift_is_mostly_the_persuadables(method: Method) -> None:
    test, uplift = _held_out(method)
    top = np.argsort(-uplift, kind="stable")[:len(uplift) // 10]
    assert (test.effect == 1).mean() == pytest.approx(0.1, abs=0.02)  # a tenth overall
    assert (test.effect[top] == 1).mean() >= 0.8


@pytest.mark.parametrize("method", METHODS)
def test_the_qini_coefficient_on_held_out_contacts_is_clearly_above_random(
        method: Method) -> None:
    test, uplift = _held_out(method)
    sample = test.sample
    curve = qini_curve(uplift, sample.treated, sample.responded)
    shuffled = np.random.default_rng(1).permutation(uplift)
    chance = qini_curve(shuffled, sample.treated, sample.responded)
    assert curve.coefficient > 0.15
    assert abs(chance.coefficient) < 0.08
    # the planted persuadables gain 35 points when treated: the top decile shows it
    assert uplift_at_k(uplift, sample.treated, sample.responded, 0.1) > 0.2


@pytest.mark.parametrize("method", METHODS)
def test_sleeping_dogs_rank_last(method: Method) -> None:
    test, uplift = _held_out(method)
    bottom = np.argsort(uplift, kind="stable")[:len(uplift) // 10]
    assert (test.effect[bottom] == -1).mean() >= 0.6
    means = {effect: uplift[test.effect == effect].mean() for effect in (-1, 0, 1)}
    assert means[-1] < means[0] < means[1]
    assert means[-1] < -0.1  # a negative effect is predicted as negative


def test_an_unequal_split_is_weighted_so_the_class_transformation_stays_unbiased() -> None:
    planted = planted_campaign(8000, seed=5, treated_share=0.3)
    model = fit_uplift(planted.sample, "class_transformation", seed=0)
    uplift = model.predict(planted.sample.features)
    assert model.weighted
    # the planted effects: +0.35 persuadable, 0 unmoved; unweighted, 2 P(Z) - 1 of an
    # unmoved contact at 10 % response would be 0.3 * 0.1 + 0.7 * 0.9 = 0.66 -> 0.32
    assert uplift[planted.effect == 0].mean() == pytest.approx(0.0, abs=0.05)
    assert uplift[planted.effect == 1].mean() == pytest.approx(0.35, abs=0.1)
    _, weights = transformed_class(planted.sample)
    treated = planted.sample.treated
    assert weights[treated].sum() == pytest.approx(weights[~treated].sum())


@pytest.mark.parametrize("method", METHODS)
def test_logistic_regression_recovers_the_planted_groups_too(method: Method) -> None:
    planted = planted_campaign(4000, seed=2)
    model = fit_uplift(planted.sample, method, classifier="logistic")
    uplift = model.predict(planted.sample.features)
    top = np.argsort(-uplift, kind="stable")[:len(uplift) // 10]
    assert (planted.effect[top] == 1).mean() >= 0.8


def test_a_fit_is_the_same_for_the_same_seed() -> None:
    planted = planted_campaign(3000, seed=4)
    first = fit_uplift(planted.sample, "two_model", seed=11).predict(planted.sample.features)
    again = fit_uplift(planted.sample, "two_model", seed=11).predict(planted.sample.features)
    np.testing.assert_array_equal(first, again)


def _sample(treated: int, treated_yes: int, control: int, control_yes: int) -> UpliftSample:
    flags = [True] * treated + [False] * control
    responded = ([True] * treated_yes + [False] * (treated - treated_yes)
                 + [True] * control_yes + [False] * (control - control_yes))
    return UpliftSample.of(np.zeros((len(flags), 2)), flags, responded)


def test_too_few_treated_contacts_is_an_error_that_says_what_was_found() -> None:
    with pytest.raises(TooLittleData) as raised:
        fit_uplift(_sample(30, 12, 400, 40), "two_model")
    message = str(raised.value)
    assert message.startswith("uplift needs at least 50 treated and 50 control contacts")
    assert "found 30 treated (12 responded, 18 did not), 400 control (40 responded, " \
           "360 did not)" in message
    assert isinstance(raised.value, ValueError)  # the API answers it with a 4xx
    assert raised.value.field == "campaign"


def test_a_group_without_both_outcomes_is_too_little_data() -> None:
    check_enough(_sample(100, 20, 100, 20))  # enough: no error
    with pytest.raises(TooLittleData, match=r"400 control \(0 responded, 400 did not\)"):
        fit_uplift(_sample(400, 40, 400, 0), "class_transformation")


@pytest.mark.parametrize(("features", "treated", "responded", "field"), [
    ([[1.0, float("nan")]], [1], [0], "features"),
    ([1.0, 2.0], [1, 0], [0, 1], "features"),
    ([[1.0], [2.0]], [1, 2], [0, 1], "treated"),
    ([[1.0], [2.0]], [1, 0], [0], "responded"),
])
def test_arrays_outside_the_contract_name_the_input_at_fault(
        features: object, treated: object, responded: object, field: str) -> None:
    with pytest.raises(BadInput) as raised:
        UpliftSample.of(features, treated, responded)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="no uplift method 'forest'"):
        fit_uplift(_sample(100, 20, 100, 20), "forest")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
def test_boosted_trees_find_a_middle_band_that_logistic_regression_cannot(
        method: Method) -> None:
    planted = planted_band(6000, seed=3)
    train_rows, test_rows = _split_rows(planted, np.arange(len(planted.effect)))
    train, test = planted.sample.subset(train_rows), planted.sample.subset(test_rows)
    effect = planted.effect[test_rows]
    found = {}
    for classifier in ("boosting", "logistic"):
        uplift = fit_uplift(train, method, classifier=classifier).predict(test.features)
        top = np.argsort(-uplift, kind="stable")[:len(uplift) // 10]
        found[classifier] = ((effect[top] == 1).mean(),
                             qini_curve(uplift, test.treated, test.responded).coefficient)
    assert found["boosting"][0] >= 0.9 and found["boosting"][1] > 0.15
    # a straight line in the feature puts one end first, not the middle
    assert found["logistic"][0] < 0.5 and found["logistic"][1] < 0.1
