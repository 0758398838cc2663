"""A forecast of calls offered per half hour: a weekly profile scaled by a trending level.

Calls to a contact center follow the week: Monday morning is not Sunday night.
The model reads the last ``weeks`` whole weeks of half-hourly counts (336 slots a
week: weekday x half hour) and splits them into

* a **profile**: each slot's share of a week's calls, pooled over those weeks
  (sum of the slot's calls over sum of all calls), so that one noisy week does
  not make the shape; and
* a **level**: the weeks' totals, with a straight line fitted through them by
  least squares, read at the forecast's moment, so that growth or decline is
  carried forward rather than lagging by half the window. The weeks before the
  first call are left out, so that a queue younger than the window is not read as
  one whose calls rose from nothing.

The forecast of a slot is level x profile. Why this and not Holt-Winters with a
weekly season: with 336 seasonal states updated once a week each, exponential
smoothing needs many weeks to settle and three smoothing constants to fit; the
profile is its averaging made explicit, has nothing to fit, and is easy to
explain to a manager. numpy only. The baseline it must beat is the seasonal
naive forecast: the same half hour one week earlier.

Pure functions on arrays: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: half hours in a week: the season
WEEK = 336
#: the whole weeks of history the profile reads by default
DEFAULT_WEEKS = 8


class TooLittleHistory(ValueError):
    """The history is too short for the forecast asked for."""


def _whole_weeks(history: np.ndarray, season: int, weeks: int) -> np.ndarray:
    """The last whole seasons of ``history`` (at most ``weeks``), one per row."""
    have = len(history) // season
    if have < 2:
        raise TooLittleHistory(f"the profile forecast needs at least 2 whole weeks of history; "
                               f"found {len(history) / season:.1f}")
    use = min(have, weeks)
    return np.asarray(history[len(history) - use * season:], dtype=float).reshape(use, season)


def weekly_profile(history: np.ndarray, season: int = WEEK,
                   weeks: int = DEFAULT_WEEKS) -> np.ndarray:
    """Each slot's share of a week's calls, pooled over the last ``weeks`` weeks (sums to 1,
    or all zeros when there were no calls). Slot 0 is the slot after the history's end,
    a whole number of weeks back."""
    block = _whole_weeks(history, season, weeks)
    total = block.sum()
    return block.sum(axis=0) / total if total > 0 else np.zeros(season)


def weekly_level(history: np.ndarray, horizon: int, season: int = WEEK,
                 weeks: int = DEFAULT_WEEKS) -> np.ndarray:
    """The calls a whole week would have, at each of the next ``horizon`` slots.

    The weeks' totals are fitted with a line (x: the middle of each week); with two
    weeks the line would be all noise, so it is their mean. The weeks before the first
    call are left out: a queue opened in the window had no calls then, not a decline
    since. Never below zero.
    """
    totals = _whole_weeks(history, season, weeks).sum(axis=1)
    ahead = len(totals) + (np.arange(horizon) + 0.5) / season  # in weeks from the first
    opened = int(np.argmax(totals > 0)) if totals.any() else len(totals) - 1
    totals, ahead = totals[opened:], ahead - opened
    if len(totals) < 3:
        return np.full(horizon, totals.mean())
    middles = np.arange(len(totals)) + 0.5
    slope, intercept = np.polyfit(middles, totals, 1)
    level: np.ndarray = np.maximum(intercept + slope * ahead, 0.0)
    return level


def profile_forecast(history: np.ndarray, horizon: int, season: int = WEEK,
                     weeks: int = DEFAULT_WEEKS) -> np.ndarray:
    """Calls per slot for the ``horizon`` slots after ``history``."""
    if horizon < 1:
        raise ValueError("horizon: at least 1 slot")
    profile = weekly_profile(history, season, weeks)
    forecast: np.ndarray = (weekly_level(history, horizon, season, weeks)
                            * profile[np.arange(horizon) % season])
    return forecast


def forecast_after(history: np.ndarray, gap: int, horizon: int, season: int = WEEK,
                   weeks: int = DEFAULT_WEEKS) -> np.ndarray:
    """The ``horizon`` slots that start ``gap`` slots after the history's end (a day some
    days ahead: the slots in between are forecast and dropped)."""
    if gap < 0:
        raise ValueError("gap: at least 0 slots")
    return profile_forecast(history, gap + horizon, season, weeks)[gap:]


def seasonal_naive(history: np.ndarray, horizon: int, season: int = WEEK) -> np.ndarray:
    """The baseline: each slot as the same slot one season (week) earlier."""
    if len(history) < season:
        raise TooLittleHistory(f"seasonal naive needs a whole week of history; found "
                               f"{len(history) / season:.1f}")
    last = np.asarray(history[len(history) - season:], dtype=float)
    return last[np.arange(horizon) % season]


@dataclass(frozen=True, slots=True)
class Errors:
    """How far a forecast was from what happened, over held-out slots."""

    mae: float  #: mean absolute error, calls per slot
    rmse: float  #: root mean squared error, calls per slot
    #: weighted absolute percentage error: sum |error| / sum actual. MAPE proper divides
    #: by each slot's actual, which is 0 in quiet half hours; WAPE is its well-defined kin
    wape: float


def errors(actual: np.ndarray, forecast: np.ndarray) -> Errors:
    """The errors of ``forecast`` against ``actual`` (same length)."""
    miss = np.asarray(forecast, dtype=float) - np.asarray(actual, dtype=float)
    total = float(np.sum(actual))
    return Errors(mae=float(np.mean(np.abs(miss))), rmse=float(np.sqrt(np.mean(miss ** 2))),
                  wape=float(np.sum(np.abs(miss)) / total) if total > 0 else float("nan"))


@dataclass(frozen=True, slots=True)
class Backtest:
    """The model and the baseline on the same held-out weeks."""

    held_out_weeks: int
    model: Errors
    baseline: Errors


def backtest(series: np.ndarray, held_out_weeks: int, season: int = WEEK,
             weeks: int = DEFAULT_WEEKS) -> Backtest:
    """Forecast each of the last ``held_out_weeks`` weeks from the weeks before it only
    (a rolling origin), by the model and by seasonal naive, and score both."""
    if held_out_weeks < 1 or len(series) < (held_out_weeks + 2) * season:
        raise TooLittleHistory(f"a backtest of {held_out_weeks} weeks needs at least "
                               f"{held_out_weeks + 2} whole weeks; found "
                               f"{len(series) / season:.1f}")
    start = len(series) - held_out_weeks * season
    actual, model, naive = [], [], []
    for origin in range(start, len(series), season):
        history = series[:origin]
        actual.append(series[origin:origin + season])
        model.append(profile_forecast(history, season, season, weeks))
        naive.append(seasonal_naive(history, season, season))
    truth = np.concatenate(actual)
    return Backtest(held_out_weeks, errors(truth, np.concatenate(model)),
                    errors(truth, np.concatenate(naive)))
