"""The half-hourly forecast: a planted weekly pattern is found, growth is followed, and on
held-out weeks it beats the seasonal-naive baseline (the same half hour a week before)."""

from __future__ import annotations

import numpy as np
import pytest

from crm_core.metrics.call_forecast import (
    WEEK,
    TooLittleHistory,
    backtest,
    errors,
    forecast_after,
    profile_forecast,
    seasonal_naive,
    weekly_profile,
)
from crm_core.metrics.forecast_check import main, planted_history, weekly_rates


def test_a_steady_pattern_without_noise_is_forecast_exactly() -> None:
    week = weekly_rates(5000.0)
    history = np.tile(week, 4)
    assert np.allclose(profile_forecast(history, WEEK), week)
    assert np.allclose(profile_forecast(history, 2 * WEEK), np.tile(week, 2))
    assert weekly_profile(history).sum() == pytest.approx(1.0)


def test_the_profile_is_pooled_so_one_odd_week_moves_it_little() -> None:
    week = weekly_rates(1000.0)
    history = np.tile(week, 8)
    history[-WEEK] += 50.0  # a burst on the last Monday 00:00
    forecast = profile_forecast(history, WEEK)
    assert seasonal_naive(history, WEEK)[0] == pytest.approx(week[0] + 50.0)
    assert forecast[0] < week[0] + 50.0 / 4  # an eighth of the burst, at most a little more


def test_growth_is_carried_forward() -> None:
    # weekly totals 1000, 1100, ..., 1500: the next week should hold about 1600
    history = np.concatenate([weekly_rates(1000.0 + 100.0 * w) for w in range(6)])
    assert profile_forecast(history, WEEK).sum() == pytest.approx(1600.0, rel=0.03)
    assert seasonal_naive(history, WEEK).sum() == pytest.approx(1500.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("calls, growth", [(5000.0, 0.02), (1000.0, 0.0), (20000.0, -0.01)])
def test_on_held_out_weeks_it_beats_seasonal_naive(seed: int, calls: float,
                                                   growth: float) -> None:
    series = planted_history(12, calls, growth, seed)
    result = backtest(series, held_out_weeks=4)
    assert result.model.mae < 0.9 * result.baseline.mae
    assert result.model.wape < result.baseline.wape
    assert result.model.rmse < result.baseline.rmse


def test_the_backtest_only_reads_the_weeks_before_each_held_out_week() -> None:
    series = planted_history(6, seed=4)
    spoiled = series.copy()
    spoiled[-WEEK:] *= 10  # the last week differs: the forecast of it must not change
    assert backtest(series, 1).model.mae < backtest(spoiled, 1).model.mae
    honest = profile_forecast(series[:-WEEK], WEEK)
    assert np.allclose(honest, profile_forecast(spoiled[:-WEEK], WEEK))


def test_errors_worked_out_by_hand() -> None:
    result = errors(np.array([10.0, 0.0, 5.0, 5.0]), np.array([8.0, 1.0, 5.0, 8.0]))
    assert result.mae == pytest.approx(6 / 4)
    assert result.wape == pytest.approx(6 / 20)
    assert result.rmse == pytest.approx(np.sqrt(14 / 4))


def test_too_little_history_says_how_much_there_is() -> None:
    with pytest.raises(TooLittleHistory, match="at least 2 whole weeks.*found 1.5"):
        profile_forecast(np.ones(WEEK + WEEK // 2), 48)
    with pytest.raises(TooLittleHistory, match="a whole week"):
        seasonal_naive(np.ones(10), 48)
    with pytest.raises(TooLittleHistory, match="needs at least 6 whole weeks"):
        backtest(np.ones(5 * WEEK), 4)


def test_the_check_command_prints_both_errors(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--weeks", "6", "--held-out", "2", "--seeds", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all("seasonal naive MAE" in line for line in lines)


def test_a_day_after_the_history_s_end_is_read_at_its_own_weekday() -> None:
    # the history ends on a Sunday night; the day asked for is the Wednesday after
    week = weekly_rates(5000.0)
    wednesday = forecast_after(np.tile(week, 3), gap=2 * 48, horizon=48)
    assert np.allclose(wednesday, week[96:144])
    with pytest.raises(ValueError, match="gap"):
        forecast_after(np.tile(week, 3), gap=-1, horizon=48)
