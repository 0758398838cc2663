"""The published CDNOW figures of Fader, Hardie and Lee (2005) come out of our models,
from the summary and from the raw transactions, and our fits equal lifetimes' own.

The data is the CDNOW sample of 2,357 customers as the lifetimes wheel ships it (a test
dependency; the project never imports lifetimes): the summary in weeks
(cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, zbar) and the
transactions behind it (CDNOW_sample.txt), observed in the paper's calibration period,
the 39 weeks to 1997-09-30.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from contactcenter.analytics.bgnbd import BgNbdParameters, fit_bgnbd
from contactcenter.analytics.gamma_gamma import GammaGammaParameters, fit_gamma_gamma
from contactcenter.analytics.summary import Summary, summarize
from contactcenter.analytics.value import lifetime_value


def _datasets() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "lifetimes is a test extra"
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


DATA = _datasets()
#: what the paper reports (BG/NBD: its section 5; Gamma-Gamma: the RFM and CLV paper)
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4,
             "p": 6.25, "q": 3.74, "gamma": 15.44}


def _published_summary() -> dict[str, npt.NDArray[np.float64]]:
    with (DATA / "cdnow_customers_summary_with_transactions.csv").open() as file:
        rows = list(csv.DictReader(file))
    return {name: np.array([float(row[name]) for row in rows])
            for name in ("ID", "x", "t_x", "T", "zbar")}


def _summary_from_transactions() -> Summary:
    rows = np.loadtxt(DATA / "CDNOW_sample.txt", dtype=str)  # id, id in sample, date, CDs, $
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in rows[:, 2]], dtype="datetime64[D]")
    return summarize(rows[:, 1].astype(int), days, rows[:, 4].astype(float),
                     end=np.datetime64("1997-09-30"), unit="weeks")


@pytest.fixture(scope="module")
def published() -> dict[str, npt.NDArray[np.float64]]:
    return _published_summary()


@pytest.fixture(scope="module")
def bgnbd(published: dict[str, npt.NDArray[np.float64]]) -> BgNbdParameters:
    return fit_bgnbd(published["x"], published["t_x"], published["T"])


@pytest.fixture(scope="module")
def spend(published: dict[str, npt.NDArray[np.float64]]) -> GammaGammaParameters:
    return fit_gamma_gamma(published["x"], published["zbar"])


def test_the_bgnbd_fit_is_the_papers(bgnbd: BgNbdParameters) -> None:
    assert bgnbd.customers == 2357 and bgnbd.repeat_buyers == 946
    for name in ("r", "alpha", "a", "b", "log_likelihood"):
        assert getattr(bgnbd, name) == pytest.approx(PUBLISHED[name], rel=0.01), name


def test_the_papers_customer_is_predicted_as_published(bgnbd: BgNbdParameters) -> None:
    """x = 2, t_x = 30.43, T = 38.86: 1.226 purchases in the next 39 weeks, P(alive) 0.727."""
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, rel=0.01)
    assert bgnbd.p_alive(2, 30.43, 38.86)[()] == pytest.approx(0.727, rel=0.01)


def test_the_gamma_gamma_fit_is_the_papers(spend: GammaGammaParameters) -> None:
    assert spend.customers == 946
    for name in ("p", "q", "gamma"):
        assert getattr(spend, name) == pytest.approx(PUBLISHED[name], rel=0.01), name


def test_the_transactions_summarise_to_the_published_summary(
        published: dict[str, npt.NDArray[np.float64]]) -> None:
    """Same-day purchases are one, the first is left out of the spend: the published
    summary's rounding (to 0.01) is the only difference."""
    ours = _summary_from_transactions()
    assert list(ours.customers) == list(published["ID"].astype(int))
    assert list(ours.x) == list(published["x"].astype(int))
    for name, theirs in (("t_x", "t_x"), ("T", "T"), ("monetary", "zbar")):
        assert np.abs(getattr(ours, name) - published[theirs]).max() <= 0.005 + 1e-9, name


def test_the_fits_on_the_transactions_are_the_papers() -> None:
    summary = _summary_from_transactions()
    bgnbd = fit_bgnbd(summary.x, summary.t_x, summary.T)
    spend = fit_gamma_gamma(summary.x, summary.monetary)
    for name in ("r", "alpha", "a", "b", "log_likelihood"):
        assert getattr(bgnbd, name) == pytest.approx(PUBLISHED[name], rel=0.01), name
    for name in ("p", "q", "gamma"):
        assert getattr(spend, name) == pytest.approx(PUBLISHED[name], rel=0.01), name


@pytest.mark.filterwarnings("ignore:The .mode.chained_assignment. option is deprecated")
def test_our_fits_and_predictions_equal_lifetimes(
        published: dict[str, npt.NDArray[np.float64]], bgnbd: BgNbdParameters,
        spend: GammaGammaParameters) -> None:
    from lifetimes import BetaGeoFitter, GammaGammaFitter  # type: ignore[import-untyped]

    x, t_x, T, zbar = published["x"], published["t_x"], published["T"], published["zbar"]
    theirs = BetaGeoFitter().fit(x, t_x, T)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bgnbd, name) == pytest.approx(theirs.params_[name], rel=1e-3), name
    assert bgnbd.expected_purchases(39, x, t_x, T) == pytest.approx(
        theirs.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T), rel=1e-3)
    assert bgnbd.p_alive(x, t_x, T) == pytest.approx(
        theirs.conditional_probability_alive(x, t_x, T), rel=1e-3)
    repeat = x > 0
    their_spend = GammaGammaFitter().fit(x[repeat], zbar[repeat])
    for ours, name in ((spend.p, "p"), (spend.q, "q"), (spend.gamma, "v")):
        assert ours == pytest.approx(their_spend.params_[name], rel=1e-3), name
    assert spend.expected_spend(x, zbar) == pytest.approx(np.asarray(
        their_spend.conditional_expected_average_profit(x, zbar)), rel=1e-3)


def test_cdnow_values_are_the_discounted_sum_of_purchases_times_spend(
        published: dict[str, npt.NDArray[np.float64]], bgnbd: BgNbdParameters,
        spend: GammaGammaParameters) -> None:
    """Undiscounted, the value over 39 weeks is spend times purchases; discounting at 1 %
    a month takes off less than 9 months' worth of 1 % and never adds."""
    x, t_x, T = published["x"], published["t_x"], published["T"]
    each = spend.expected_spend(x, published["zbar"])
    flat = lifetime_value(bgnbd, each, x, t_x, T, horizon=39, unit="weeks", discount=0.0)
    assert flat == pytest.approx(each * bgnbd.expected_purchases(39, x, t_x, T), rel=1e-9)
    discounted = lifetime_value(bgnbd, each, x, t_x, T, horizon=39, unit="weeks",
                                discount=0.01)
    assert (discounted < flat).all() and (discounted > flat / 1.01 ** 9).all()
