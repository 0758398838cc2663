"""Edge cases of the analytics library: amounts in a currency of small units, a horizon
no customer lives to, ties at the cut of uplift at k, the planted data's sizes, the
affinity report's options."""

from __future__ import annotations

import csv
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from contactcenter.analytics import affinity_report
from contactcenter.analytics.bgnbd import BgNbdParameters
from contactcenter.analytics.gamma_gamma import fit_gamma_gamma
from contactcenter.analytics.planted import planted_customers
from contactcenter.analytics.qini import uplift_at_k
from contactcenter.analytics.value import lifetime_value
from contactcenter.cli import main
from tests.unit.test_analytics_cdnow import DATA

#: the BG/NBD the paper fits on CDNOW
CDNOW = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0,
                        customers=2357, repeat_buyers=946)


def _planted_spend(customers: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases and mean repeat spend drawn from a Gamma-Gamma with p 6, q 4,
    gamma 15 (a mean spend of 30 a purchase)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, customers)
    nu = rng.gamma(4.0, 1 / 15.0, customers)
    spend = np.array([rng.gamma(6.0, 1 / rate, count).mean() for rate, count in zip(nu, x)])
    return x, spend


@pytest.mark.parametrize("unit_size", [1e5, 1e7])
def test_the_spend_model_fits_amounts_in_a_currency_of_small_units(unit_size: float) -> None:
    """A purchase of 30 dollars is 3 million in a currency of small units (rupiah, dong) or
    in millicents: the same customers, the same p and q, gamma and the spend scaled."""
    x, spend = _planted_spend()
    plain = fit_gamma_gamma(x, spend)
    scaled = fit_gamma_gamma(x, spend * unit_size)
    assert (scaled.p, scaled.q) == pytest.approx((plain.p, plain.q), rel=1e-6)
    assert scaled.gamma == pytest.approx(plain.gamma * unit_size, rel=1e-6)
    assert scaled.mean_spend == pytest.approx(plain.mean_spend * unit_size, rel=1e-6)
    # the density of amounts in smaller units is lower by the unit, once per customer
    assert scaled.log_likelihood == pytest.approx(
        plain.log_likelihood - len(x) * math.log(unit_size), rel=1e-9)


@pytest.mark.parametrize("horizon", [math.inf, math.nan, 101 * 52.18])
def test_a_horizon_past_a_lifetime_is_refused(horizon: float) -> None:
    """An infinite horizon was an OverflowError, and a very long one ran for hours, one
    month of every customer at a time."""
    with pytest.raises(ValueError, match="horizon"):
        lifetime_value(CDNOW, 30.0, 2, 30.43, 38.86, horizon=horizon, unit="weeks",
                       discount=0.01)


def test_a_century_is_still_a_horizon() -> None:
    value = lifetime_value(CDNOW, 30.0, 2, 30.43, 38.86, horizon=100 * 52.0, unit="weeks",
                           discount=0.01)
    assert 0 < float(value) < math.inf


def _tied() -> tuple[list[float], list[int], list[int]]:
    """Ten contacts; the top 40 % are the two at 0.9 and two of the four tied at 0.5."""
    scores = [0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]
    treated = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0]
    responded = [1, 0, 1, 0, 1, 0, 0, 0, 1, 1]
    return scores, treated, responded


def test_uplift_at_k_does_not_depend_on_the_order_of_tied_contacts() -> None:
    scores, treated, responded = _tied()
    seen = set()
    for seed in range(6):
        order = np.random.default_rng(seed).permutation(len(scores))
        seen.add(round(uplift_at_k(np.take(scores, order), np.take(treated, order),
                                   np.take(responded, order), 0.4), 12))
    # the tie at the cut counts half (2 of its 4): treated 1.5 of 2, control 0.5 of 2
    assert seen == {0.5}


def test_uplift_at_k_without_ties_takes_the_top_contacts() -> None:
    scores, treated, responded = _tied()
    distinct = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1]
    # top 4: treated responder, control non-responder, treated responder, treated not
    assert uplift_at_k(distinct, treated, responded, 0.4) == pytest.approx(2 / 3)
    assert uplift_at_k(scores, treated, responded, 1.0) == pytest.approx(
        uplift_at_k(distinct, treated, responded, 1.0))


@pytest.fixture
def cdnow_csv(tmp_path: Path) -> Path:
    rows = np.loadtxt(DATA / "CDNOW_sample.txt", dtype=str)
    path = tmp_path / "cdnow.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["customer", "date", "cds", "amount"])
        writer.writerows(rows[:, 1:])
    return path


def test_the_command_refuses_an_infinite_horizon_as_a_bad_option(
        cdnow_csv: Path, tmp_path: Path) -> None:
    status = main(["analytics", "clv", "--transactions", str(cdnow_csv), "--date-format",
                   "%Y%m%d", "--horizon", "inf", "--out", str(tmp_path / "scores.csv")])
    assert status == 2


@pytest.mark.parametrize("customers", [1, 3, 7, 1499])
def test_planted_customers_are_as_many_as_asked(customers: int) -> None:
    """Each group's size was its share rounded on its own: 3 asked gave 4, 1 gave none."""
    values, truth = planted_customers(customers, seed=1)
    assert len(values) == len(truth) == customers


@pytest.mark.parametrize("option", ["--k", "--min-pair"])
def test_the_affinity_report_refuses_a_count_below_one_as_a_bad_option(
        option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--k 0 seeded a whole company and then ended in a ValueError's traceback."""
    with pytest.raises(SystemExit) as stopped:
        affinity_report.main(["--database", f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}",
                              option, "0"])
    assert stopped.value.code == 2
    assert f"{option}: a whole number, 1 or more" in capsys.readouterr().err


def test_the_affinity_report_on_a_database_that_is_no_crm_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database without the CRM's tables was an OperationalError's traceback."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    assert affinity_report.main(["--database", url]) == 1
    said = capsys.readouterr().err
    assert said.startswith("error: the CRM database cannot be read: ") and "order_lines" in said


def _paper_expected_purchases(model: BgNbdParameters, t: float, x: int, t_x: float,
                              T: float) -> float:
    """Equation 10 of the paper as printed, its 2F1(r + x, b + x; a + b + x - 1; z) summed
    term by term in plain floats (all terms positive): the reference."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    z = t / (alpha + T + t)
    series, term, k = 1.0, 1.0, 0
    while term > 1e-17 * series or k < 10:
        term *= (r + x + k) * (b + x + k) / ((a + b + x - 1 + k) * (k + 1)) * z
        series, k = series + term, k + 1
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * series)
    return head / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))


def test_expected_purchases_of_a_daily_buyer_over_ten_years_are_a_number() -> None:
    """200 purchase days in 39 weeks, over a horizon past ten times their age: scipy's
    hyp2f1 answers nan there, and so did the expected purchases and the CLV."""
    model = BgNbdParameters(r=2.0, alpha=5.0, a=3.0, b=10.0, log_likelihood=0.0,
                            customers=0, repeat_buyers=0)
    horizons = (260.0, 520.0, 1040.0, 5217.0)
    expected = [float(model.expected_purchases(t, 200, 38.0, 39.0)) for t in horizons]
    assert all(later > earlier for earlier, later in pairwise(expected))
    # the printed form's series passes the largest float beyond a century
    for t, value in zip(horizons[:3], expected[:3], strict=True):
        assert value == pytest.approx(_paper_expected_purchases(model, t, 200, 38.0, 39.0),
                                      rel=1e-9)
    value = lifetime_value(model, 30.0, 200, 38.0, 39.0, horizon=520.0, unit="weeks",
                           discount=0.01)
    assert np.isfinite(value).all() and float(value) > 30.0 * expected[0] / 2


def test_overlapping_one_thread_blocks_keep_the_limit_and_restore_the_process_s() -> None:
    """Fits in two worker threads overlap: the first one out must not lift the limit under
    the second, and the last one out gives the process back the threads it had."""
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    from contactcenter.analytics.one_thread import one_thread

    def threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info()]

    before = threads()
    first, second = one_thread(), one_thread()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert set(threads()) == {1}
    second.__exit__(None, None, None)
    assert threads() == before
